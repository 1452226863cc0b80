/**
 * The backend session: who the app is signed in as, and a bearer for every data request.
 *
 * Public API
 * - `new AuthSession({ backend, vault, settings, redactor?, logger?, now?, refreshMarginMs? })`.
 * - `state()` → `AuthState`; `onChange(listener)` → unsubscribe (called on every state change, including each
 *   refresh, so the status bar and the "sign in again" notice can follow).
 * - `restore()`: on start, signs in again from the refresh token in the vault (one refresh). After a sign-out the
 *   keychain refused to complete (`settings.signOutPending`), the token left there is never used: it is deleted
 *   again and the state is `signed-out` (a keychain that still refuses is thrown, as below). No token → `signed-out`
 *   (or `expired` when settings still remember a user, so the UI can say "sign in again as …"). A dead token →
 *   `expired`. Offline → `signed-in` with no access token yet (fetched on first use). A keychain that cannot be read
 *   → `signed-out` and the `KeychainUnavailableError` is thrown.
 * - `signIn(identifier, password, remember)` → `AuthState`. `remember` is passed to the backend ("keep me signed in":
 *   a 30-day access token instead of 15 min). The refresh token goes to the vault (if the keychain is unavailable
 *   the session still works, in memory only, and `persisted` is false); the access token and its expiry stay in
 *   memory; `{ id, email, name }` go to settings. A wrong password is `invalid-credentials`. The password is
 *   registered with the redactor for the duration of the call.
 * - `getAccessToken()`: the current access token, refreshed first when it expires within `refreshMarginMs`
 *   (default 60 s). One refresh at a time: concurrent callers share it. If a refresh fails for a network reason
 *   while the old token is still valid, the old token is used.
 * - `authorized(fn, { notFoundIsSignedOut? })`: runs `fn(accessToken)`; on 401/403 (and 404 for `/auth/me`)
 *   refreshes once and runs it once more; a second refusal ends the session (`expired`, `session-expired`).
 * - `me()` → the backend user, through `authorized`, and keeps settings up to date.
 * - `signOut()`: forgets the access token and the user, and deletes the refresh token from the vault. The sign-out is
 *   durable even when the keychain refuses the delete: `signOutPending` is saved in settings first and cleared only
 *   once the token is gone, so `restore()` never signs the user back in; the refusal is logged, not thrown (the
 *   keychain's state tells the UI).
 * - `persisted`: whether the refresh token is in the keychain.
 *
 * Tokens that are replaced (a refresh, a new sign-in) stay registered with the redactor for the life of the process:
 * a request sent with the old one may still be in flight, and its errors must stay redacted.
 *
 * When a refresh gets 401/404 (the 7-day refresh token expired or the user is gone) the state becomes `expired`
 * once, the dead token is deleted, and every later call throws `session-expired` without touching the network until
 * the user signs in again: no loops. The refresh token's own expiry is read from its JWT `exp` claim as a hint for
 * the UI only; the backend's answer is the authority.
 */
import type { AuthState, BackendUser, Settings } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import type { BackendClient } from '../clients/backend';
import type { BackendTokenResponse } from '../clients/schemas';
import { nullLogger, type Logger } from '../log/logger';
import type { Redactor } from '../log/redact';
import { KeychainUnavailableError, type Vault } from '../secrets/vault';

export interface SessionSettings {
  get(): Settings;
  setBackendUser(user: BackendUser | null): unknown;
  setSignOutPending(pending: boolean): unknown;
  markSignedOut(): unknown;
}

export interface AuthSessionOptions {
  backend: BackendClient;
  vault: Pick<Vault, 'get' | 'set' | 'delete'>;
  settings: SessionSettings;
  redactor?: Redactor;
  logger?: Logger;
  now?: () => number;
  refreshMarginMs?: number;
}

export type AuthListener = (state: AuthState) => void;

type Status = 'signed-out' | 'signed-in' | 'expired';

const REFRESH_SECRET = 'backendRefreshToken';
const DEFAULT_ACCESS_LIFETIME_MS = 15 * 60 * 1000;

export class AuthSession {
  private status: Status = 'signed-out';
  private user: BackendUser | null = null;
  private accessToken: string | null = null;
  private accessExpiresAt: number | null = null;
  private refreshToken: string | null = null;
  private refreshExpiresAt: number | null = null;
  private refreshing: Promise<string> | null = null;
  /** Bumped by sign-in and sign-out, so a refresh that finishes after them is dropped. */
  private generation = 0;
  private readonly listeners = new Set<AuthListener>();
  private readonly backend: BackendClient;
  private readonly vault: AuthSessionOptions['vault'];
  private readonly settings: SessionSettings;
  private readonly redactor: Redactor | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly marginMs: number;
  persisted = false;

  constructor(options: AuthSessionOptions) {
    this.backend = options.backend;
    this.vault = options.vault;
    this.settings = options.settings;
    this.redactor = options.redactor;
    this.logger = (options.logger ?? nullLogger).child({ module: 'auth' });
    this.now = options.now ?? Date.now;
    this.marginMs = options.refreshMarginMs ?? 60_000;
  }

  state(): AuthState {
    if (this.status === 'signed-in' && this.user) {
      return {
        state: 'signed-in',
        user: { ...this.user },
        accessExpiresAt: new Date(this.accessExpiresAt ?? this.now()).toISOString(),
        refreshExpiresAt: this.refreshExpiresAt === null ? null : new Date(this.refreshExpiresAt).toISOString(),
      };
    }
    if (this.status === 'expired') return { state: 'expired', user: this.user ? { ...this.user } : null };
    return { state: 'signed-out' };
  }

  onChange(listener: AuthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async restore(): Promise<AuthState> {
    const generation = this.generation;
    if (this.settings.get().signOutPending) {
      // The user signed out and the keychain kept the token: never sign them back in from it.
      this.user = null;
      this.set('signed-out');
      const refused = await this.deleteStoredToken();
      if (refused) throw refused;
      return this.state();
    }
    const remembered = this.settings.get().backendUser;
    let token: string | null;
    try {
      token = await this.vault.get(REFRESH_SECRET);
    } catch (error) {
      this.set('signed-out');
      throw error;
    }
    if (generation !== this.generation) return this.state();
    if (!token) {
      this.user = remembered;
      this.set(remembered ? 'expired' : 'signed-out');
      return this.state();
    }
    this.refreshToken = token;
    this.persisted = true;
    this.refreshExpiresAt = jwtExpiry(token);
    this.user = remembered;
    try {
      await this.refreshOnce();
    } catch (error) {
      if (error instanceof AppError && error.code === 'session-expired') return this.state();
      // Offline or the server is waking up: stay signed in, the token is fetched on first use.
      this.logger.warn('could not refresh the session at start', { error });
      if (generation === this.generation) this.set(this.user ? 'signed-in' : 'signed-out');
    }
    return this.state();
  }

  async signIn(identifier: string, password: string, remember: boolean): Promise<AuthState> {
    this.redactor?.addSecret(password);
    let tokens: BackendTokenResponse;
    try {
      tokens = await this.backend.login(identifier, password, remember);
    } finally {
      this.redactor?.removeSecret(password);
    }
    this.generation++;
    this.refreshing = null;
    this.applyTokens(tokens);
    try {
      await this.vault.set(REFRESH_SECRET, tokens.refresh_token);
      this.persisted = true;
      // The new token replaced whatever an unfinished sign-out left behind.
      this.settings.setSignOutPending(false);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      this.persisted = false;
      this.logger.warn('signed in without saving the session: the keychain is unavailable', { problem: error.problem });
    }
    this.logger.info('signed in', { userId: this.user?.id, remember });
    this.set('signed-in');
    return this.state();
  }

  async signOut(): Promise<AuthState> {
    this.generation++;
    this.refreshing = null;
    this.forgetTokens();
    this.user = null;
    this.persisted = false;
    // Saved before the keychain is asked: if it refuses the delete, the next start still knows the user signed out.
    this.settings.markSignedOut();
    this.set('signed-out');
    this.logger.info('signed out');
    await this.deleteStoredToken();
    return this.state();
  }

  /** Deletes the refresh token and clears `signOutPending`; a refusal is logged and returned, the flag kept. */
  private async deleteStoredToken(): Promise<AppError | null> {
    try {
      await this.vault.delete(REFRESH_SECRET);
    } catch (error) {
      this.logger.warn('the keychain kept the session after sign-out; it is deleted at the next start', { error });
      return error instanceof AppError
        ? error
        : new AppError({ code: 'internal', message: 'The session could not be deleted.' }, { cause: error });
    }
    this.settings.setSignOutPending(false);
    return null;
  }

  async getAccessToken(): Promise<string> {
    this.assertUsable();
    if (this.accessToken && this.accessExpiresAt !== null && this.now() < this.accessExpiresAt - this.marginMs) {
      return this.accessToken;
    }
    try {
      return await this.refreshOnce();
    } catch (error) {
      // A refresh that failed for a network reason does not waste a token that is still good.
      const stillValid = this.accessToken && this.accessExpiresAt !== null && this.now() < this.accessExpiresAt;
      if (stillValid && !(error instanceof AppError && error.code === 'session-expired')) return this.accessToken!;
      throw error;
    }
  }

  async authorized<T>(
    fn: (accessToken: string) => Promise<T>,
    options: { notFoundIsSignedOut?: boolean } = {},
  ): Promise<T> {
    const token = await this.getAccessToken();
    try {
      return await fn(token);
    } catch (error) {
      if (!isRefused(error, options.notFoundIsSignedOut ?? false)) throw error;
      this.logger.info('backend refused the access token; refreshing once', { code: (error as AppError).code });
    }
    const fresh = this.accessToken && this.accessToken !== token ? this.accessToken : await this.refreshOnce();
    try {
      return await fn(fresh);
    } catch (error) {
      if (!isRefused(error, options.notFoundIsSignedOut ?? false)) throw error;
      await this.expire('the backend refused a freshly refreshed token');
      throw sessionExpired(error as AppError);
    }
  }

  async me(): Promise<BackendUser> {
    const me = await this.authorized((token) => this.backend.me(token), { notFoundIsSignedOut: true });
    const user = toUser(me);
    if (JSON.stringify(user) !== JSON.stringify(this.user)) {
      this.user = user;
      this.settings.setBackendUser(user);
      this.emit();
    }
    return user;
  }

  private assertUsable(): void {
    if (this.status === 'expired') throw sessionExpired();
    if (this.status === 'signed-out' && !this.refreshToken) {
      throw new AppError({ code: 'signed-out', service: 'backend', message: 'Sign in to the AVA backend first.' });
    }
  }

  private refreshOnce(): Promise<string> {
    if (!this.refreshing) {
      const generation = this.generation;
      this.refreshing = this.doRefresh(generation).finally(() => {
        if (this.generation === generation) this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(generation: number): Promise<string> {
    this.assertUsable();
    const token = this.refreshToken;
    if (!token) {
      await this.expire('no refresh token');
      throw sessionExpired();
    }
    let tokens: BackendTokenResponse;
    try {
      tokens = await this.backend.refresh(token);
    } catch (error) {
      if (generation !== this.generation) throw superseded();
      if (error instanceof AppError && error.code === 'session-expired') {
        await this.expire('the refresh token was refused');
        throw error;
      }
      throw error;
    }
    if (generation !== this.generation) throw superseded();
    const previousRefresh = this.refreshToken;
    this.applyTokens(tokens);
    if (tokens.refresh_token !== previousRefresh) {
      // The backend never rotates today; if it starts to, keep the vault in step.
      try {
        await this.vault.set(REFRESH_SECRET, tokens.refresh_token);
        this.persisted = true;
      } catch (error) {
        this.persisted = false;
        this.logger.warn('could not save the rotated refresh token', { error });
      }
    }
    this.set('signed-in');
    return this.accessToken!;
  }

  private applyTokens(tokens: BackendTokenResponse): void {
    this.redactor?.addSecret(tokens.access_token);
    this.redactor?.addSecret(tokens.refresh_token);
    // The previous access token stays registered: a request sent with it may still be in flight.
    this.accessToken = tokens.access_token;
    this.accessExpiresAt = this.now() + (tokens.expires_in > 0 ? tokens.expires_in * 1000 : DEFAULT_ACCESS_LIFETIME_MS);
    this.refreshToken = tokens.refresh_token;
    this.refreshExpiresAt = jwtExpiry(tokens.refresh_token);
    const user = toUser(tokens.user);
    if (
      JSON.stringify(user) !== JSON.stringify(this.user) ||
      JSON.stringify(this.settings.get().backendUser) !== JSON.stringify(user)
    ) {
      this.settings.setBackendUser(user);
    }
    this.user = user;
  }

  private forgetTokens(): void {
    this.accessToken = null;
    this.accessExpiresAt = null;
    this.refreshToken = null;
    this.refreshExpiresAt = null;
  }

  private async expire(reason: string): Promise<void> {
    if (this.status === 'expired' && !this.refreshToken) return;
    this.logger.warn('session expired: the user must sign in again', { reason });
    this.forgetTokens();
    this.set('expired');
    try {
      await this.vault.delete(REFRESH_SECRET);
    } catch (error) {
      this.logger.warn('could not delete the dead refresh token', { error });
    }
  }

  private set(status: Status): void {
    this.status = status;
    this.emit();
  }

  private emit(): void {
    const state = this.state();
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        this.logger.warn('auth listener failed', { error });
      }
    }
  }
}

function isRefused(error: unknown, notFoundIsSignedOut: boolean): boolean {
  if (!(error instanceof AppError) || error.service !== 'backend') return false;
  return (
    error.code === 'unauthorized' || error.code === 'forbidden' || (notFoundIsSignedOut && error.code === 'not-found')
  );
}

function sessionExpired(cause?: AppError): AppError {
  return new AppError({
    code: 'session-expired',
    service: 'backend',
    message: 'The session has ended. Sign in again.',
    ...(cause?.detail ? { detail: cause.detail } : {}),
    ...(cause?.requestId ? { requestId: cause.requestId } : {}),
  });
}

function superseded(): AppError {
  return new AppError({ code: 'signed-out', service: 'backend', message: 'The session changed while refreshing.' });
}

function toUser(payload: { id: string; email?: string | null; name?: string | null }): BackendUser {
  return { id: payload.id, email: payload.email ?? null, name: payload.name ?? null };
}

/** The `exp` claim of a JWT, in ms, as a hint only (never trusted for security); null when absent or unreadable. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}
