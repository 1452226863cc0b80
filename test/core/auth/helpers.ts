/**
 * Shared set-up for the client and session tests: the project's fakes (test/fakes) on a controlled clock, and the
 * trust base's own pieces wired to them. The keychain here is an in-memory `KeychainBackend` (the OS keychain has its
 * own tests in test/core/secrets); everything remote is the fakes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeClock, startFakes, type Fakes, type StartFakesOptions } from '../../fakes';
import { AuthSession } from '../../../src/main/core/auth/session';
import { BackendClient } from '../../../src/main/core/clients/backend';
import { TwilioClient } from '../../../src/main/core/clients/twilio';
import { VapiClient } from '../../../src/main/core/clients/vapi';
import { HttpClient, type HttpClientOptions } from '../../../src/main/core/http/client';
import { createLogger, type Logger } from '../../../src/main/core/log/logger';
import { Redactor } from '../../../src/main/core/log/redact';
import { Vault, type KeychainBackend } from '../../../src/main/core/secrets/vault';
import { SettingsStore } from '../../../src/main/core/settings/store';

export const START = Date.UTC(2026, 0, 5, 9, 0, 0);

export function memoryKeychain(): KeychainBackend & { store: Map<string, string> } {
  const store = new Map<string, string>();
  return {
    store,
    getPassword: async (s, a) => store.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void store.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => store.delete(`${s}/${a}`),
  };
}

export interface Rig {
  fakes: Fakes;
  dir: string;
  redactor: Redactor;
  logger: Logger;
  http: HttpClient;
  sleeps: number[];
  keychain: ReturnType<typeof memoryKeychain>;
  vault: Vault;
  settings: SettingsStore;
  backend: BackendClient;
  vapi: VapiClient;
  twilio: TwilioClient;
  session: AuthSession;
  /** A second session over the same keychain and settings (an app restart). */
  restart(): AuthSession;
  /** Backend requests the fake saw for a path (method + path), in order. */
  backendCalls(match: string): number;
  close(): Promise<void>;
}

export async function rig(
  options: { fakes?: StartFakesOptions; http?: Partial<HttpClientOptions>; ticking?: boolean } = {},
): Promise<Rig> {
  const clock = createFakeClock({ start: START, ticking: options.ticking ?? false });
  const fakes = await startFakes({ clock, ...options.fakes });
  const dir = mkdtempSync(join(tmpdir(), 'ava-auth-'));
  const redactor = new Redactor({ secretHeaderNames: ['x-vapi-secret'] });
  const logger = createLogger({ dir: join(dir, 'logs'), redactor, level: 'debug' });
  const sleeps: number[] = [];
  const http = new HttpClient({
    redactor,
    logger,
    env: {},
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    timeouts: { headersMs: 5_000, bodyMs: 5_000 },
    ...options.http,
  });
  const keychain = memoryKeychain();
  const vault = new Vault({ service: 'AVA Desk test', backend: keychain, redactor, logger });
  const settings = SettingsStore.open(join(dir, 'data'), { redactor, logger });
  settings.setBackendUrl(fakes.credentials.urls.backend);
  const backend = new BackendClient({ http, baseUrl: () => settings.get().backendUrl });
  const vapi = new VapiClient({
    http,
    baseUrl: fakes.credentials.urls.vapi,
    getKey: () => vault.get('vapiPrivateKey'),
  });
  const twilio = new TwilioClient({
    http,
    baseUrl: fakes.credentials.urls.twilio,
    getCredentials: async () => {
      const sid = settings.get().twilioAccountSid;
      const token = await vault.get('twilioAuthToken');
      return sid && token ? { accountSid: sid, authToken: token } : null;
    },
  });
  const makeSession = (): AuthSession =>
    new AuthSession({
      backend,
      vault: new Vault({ service: 'AVA Desk test', backend: keychain, redactor }),
      settings,
      redactor,
      logger,
      now: clock.now,
    });
  const session = new AuthSession({ backend, vault, settings, redactor, logger, now: clock.now });
  return {
    fakes,
    dir,
    redactor,
    logger,
    http,
    sleeps,
    keychain,
    vault,
    settings,
    backend,
    vapi,
    twilio,
    session,
    restart: makeSession,
    backendCalls(match) {
      const [method, path] = match.split(' ');
      return fakes.backend.requests().filter((r) => r.method === method && r.path === path).length;
    },
    async close() {
      await http.close();
      await fakes.close();
      logger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
