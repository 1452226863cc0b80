/**
 * What the Settings page shows about accounts and secrets: whether each secret is set (with its masked hint), the
 * backend session, and the backend health. Secrets themselves never reach the renderer.
 */
import { create } from 'zustand';
import type { AuthState, BackendCheck, SecretsStatus } from '../../../shared/domain';
import type { AppErrorData, Envelope } from '../../../shared/errors';
import { ava } from '../ava';

interface AccountState {
  secrets: SecretsStatus | null;
  auth: AuthState | null;
  health: BackendCheck | null;
  checking: boolean;
  load(): Promise<void>;
  checkBackend(url?: string): Promise<BackendCheck | AppErrorData>;
  /** Runs an action that answers the new secrets status; resolves with its error, if any. */
  secretsAction(run: () => Promise<Envelope<SecretsStatus>>): Promise<AppErrorData | null>;
  authAction(run: () => Promise<Envelope<AuthState>>): Promise<AppErrorData | null>;
}

export const useAccount = create<AccountState>((set) => ({
  secrets: null,
  auth: null,
  health: null,
  checking: false,
  async load() {
    const [secrets, auth] = await Promise.all([ava().secrets.status(), ava().auth.status()]);
    set({ secrets: secrets.ok ? secrets.value : null, auth: auth.ok ? auth.value : null });
  },
  async checkBackend(url) {
    set({ checking: true });
    const result = await ava().backend.check(url === undefined ? {} : { url });
    set({ checking: false, ...(result.ok && url === undefined ? { health: result.value } : {}) });
    return result.ok ? result.value : result.error;
  },
  async secretsAction(run) {
    const result = await run();
    if (!result.ok) return result.error;
    set({ secrets: result.value });
    return null;
  },
  async authAction(run) {
    const result = await run();
    if (!result.ok) return result.error;
    set({ auth: result.value });
    return null;
  },
}));
