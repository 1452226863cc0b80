/**
 * The trust base assembled, and the account operations the IPC channels `secrets.*`, `vapi.connect`,
 * `twilio.connect`, `webhookSecret.set`, `backend.check`, `backend.setUrl` and `auth.*` map onto, one method each.
 *
 * Public API
 * - `createTrustBase({ dataDir, env?, keychain?, keychainService?, vapiUrl?, twilioUrl?, logLevel?, userAgent?,
 *   now? })` → `TrustBase`: `{ redactor, logger, settings, vault, http, vapi, twilio, backend, session, accounts,
 *   close() }`. Logs go to `<dataDir>/logs/ava-desk.log`, settings to `<dataDir>/settings.json`; secrets only to the
 *   keychain. `close()` closes the HTTP pool and the log.
 * - `Accounts`:
 *   - `secretsStatus()` → `SecretsStatus`.
 *   - `forgetSecret(name)` for `vapiPrivateKey`, `twilioAuthToken` (also clears the account SID), `webhookSecret`.
 *   - `connectVapi(privateKey)`: checks the key against Vapi (`GET /assistant?limit=1`), then stores it. A bad key
 *     is `unauthorized` (service `vapi`) and nothing is stored.
 *   - `connectTwilio(accountSid, authToken)`: checks the pair against Twilio, then stores the token in the keychain
 *     and the SID in settings.
 *   - `setWebhookSecret(value?)`: stores the given secret or a fresh random one.
 *   - `checkBackend(url?, { onWaking?, signal?, … })` → `BackendCheck` of `url` or of the configured URL.
 *   - `setBackendUrl(url, { onWaking?, … })`: refuses an unsafe URL, checks its health (an unreachable one is `offline`
 *     and nothing changes), signs out, saves the URL → `Settings`.
 *   - `signIn(identifier, password, remember)`, `signOut()`, `authState()`.
 */
import { join } from 'node:path';
import type { BackendCheck, SecretName, SecretsStatus, Settings, AuthState } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import { BackendClient } from '../clients/backend';
import { TwilioClient } from '../clients/twilio';
import { VapiClient } from '../clients/vapi';
import { HttpClient } from '../http/client';
import { createLogger, type Logger, type LogLevel } from '../log/logger';
import { Redactor } from '../log/redact';
import { generateWebhookSecret, KeychainUnavailableError, Vault, type KeychainBackend } from '../secrets/vault';
import { SettingsStore } from '../settings/store';
import { assertSafeBackendUrl, checkBackendHealth, type HealthCheckOptions } from './backend-url';
import { AuthSession } from './session';

export interface TrustBaseOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  keychain?: KeychainBackend;
  keychainService?: string;
  vapiUrl?: string;
  twilioUrl?: string;
  logLevel?: LogLevel;
  userAgent?: string;
  now?: () => number;
  /** Send loopback traffic through a configured proxy too (tests of the proxy path). */
  proxyLoopback?: boolean;
}

export interface TrustBase {
  redactor: Redactor;
  logger: Logger;
  settings: SettingsStore;
  vault: Vault;
  http: HttpClient;
  vapi: VapiClient;
  twilio: TwilioClient;
  backend: BackendClient;
  session: AuthSession;
  accounts: Accounts;
  close(): Promise<void>;
}

/** Headers whose values are secrets wherever they appear (the webhook secret travels in this one). */
export const SECRET_HEADER_NAMES = ['x-vapi-secret', 'x-vapi-signature'];

export function createTrustBase(options: TrustBaseOptions): TrustBase {
  const redactor = new Redactor({ secretHeaderNames: SECRET_HEADER_NAMES });
  const logger = createLogger({ dir: join(options.dataDir, 'logs'), redactor, level: options.logLevel ?? 'info' });
  const settings = SettingsStore.open(options.dataDir, { redactor, logger });
  const vault = new Vault({
    redactor,
    logger,
    ...(options.keychain ? { backend: options.keychain } : {}),
    ...(options.keychainService ? { service: options.keychainService } : {}),
  });
  const http = new HttpClient({
    redactor,
    logger,
    env: options.env ?? process.env,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.proxyLoopback ? { proxyLoopback: true } : {}),
  });
  const vapi = new VapiClient({
    http,
    getKey: () => vault.get('vapiPrivateKey'),
    ...(options.vapiUrl ? { baseUrl: options.vapiUrl } : {}),
  });
  const twilio = new TwilioClient({
    http,
    getCredentials: async () => {
      const accountSid = settings.get().twilioAccountSid;
      if (!accountSid) return null;
      const authToken = await vault.get('twilioAuthToken');
      return authToken ? { accountSid, authToken } : null;
    },
    ...(options.twilioUrl ? { baseUrl: options.twilioUrl } : {}),
  });
  const backend = new BackendClient({ http, baseUrl: () => settings.get().backendUrl });
  const session = new AuthSession({
    backend,
    vault,
    settings,
    redactor,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const accounts = new Accounts({ vault, settings, http, vapi, twilio, session, logger });
  return {
    redactor,
    logger,
    settings,
    vault,
    http,
    vapi,
    twilio,
    backend,
    session,
    accounts,
    async close() {
      await http.close();
      logger.close();
    },
  };
}

export interface AccountsDeps {
  vault: Vault;
  settings: SettingsStore;
  http: HttpClient;
  vapi: VapiClient;
  twilio: TwilioClient;
  session: AuthSession;
  logger?: Logger;
}

/** `onWaking` (show "waking the server up"), and the timings of `checkBackendHealth` when a caller needs others. */
export type HealthOptions = Omit<HealthCheckOptions, 'http'>;

export type ForgettableSecret = Exclude<SecretName, 'backendRefreshToken'>;

export class Accounts {
  constructor(private readonly deps: AccountsDeps) {}

  secretsStatus(): Promise<SecretsStatus> {
    return this.deps.vault.status();
  }

  async forgetSecret(name: ForgettableSecret): Promise<SecretsStatus> {
    if ((name as SecretName) === 'backendRefreshToken') {
      throw new AppError({ code: 'invalid-input', message: 'Sign out to forget the backend session.' });
    }
    await this.deps.vault.delete(name);
    if (name === 'twilioAuthToken') this.deps.settings.setTwilioAccountSid(null);
    return this.secretsStatus();
  }

  async connectVapi(privateKey: string): Promise<SecretsStatus> {
    const key = privateKey.trim();
    this.deps.http.redactor.addSecret(key);
    await this.deps.vapi.checkKey(key);
    await this.deps.vault.set('vapiPrivateKey', key);
    return this.secretsStatus();
  }

  async connectTwilio(accountSid: string, authToken: string): Promise<SecretsStatus> {
    const sid = accountSid.trim();
    const token = authToken.trim();
    this.deps.http.redactor.addSecret(token);
    await this.deps.twilio.checkCredentials({ accountSid: sid, authToken: token });
    await this.deps.vault.set('twilioAuthToken', token);
    this.deps.settings.setTwilioAccountSid(sid);
    return this.secretsStatus();
  }

  async setWebhookSecret(value?: string): Promise<SecretsStatus> {
    await this.deps.vault.set('webhookSecret', value ?? generateWebhookSecret());
    return this.secretsStatus();
  }

  checkBackend(url?: string, options: HealthOptions = {}): Promise<BackendCheck> {
    return checkBackendHealth(url ?? this.deps.settings.get().backendUrl, { ...options, http: this.deps.http });
  }

  async setBackendUrl(url: string, options: HealthOptions = {}): Promise<Settings> {
    const base = assertSafeBackendUrl(url);
    const check = await this.checkBackend(base, options);
    if (check.health !== 'ok') {
      throw new AppError({
        code: 'offline',
        service: 'backend',
        message: 'This backend address does not answer like an AVA backend. Check the address, then try again.',
        detail: `GET ${base}/healthz: ${check.health}`,
      });
    }
    let keychainError: unknown = null;
    try {
      await this.deps.session.signOut();
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychainError = error;
    }
    const settings = this.deps.settings.setBackendUrl(base);
    this.deps.logger?.info('backend URL changed', { url: base });
    if (keychainError) throw keychainError;
    return settings;
  }

  signIn(identifier: string, password: string, remember: boolean): Promise<AuthState> {
    return this.deps.session.signIn(identifier.trim(), password, remember);
  }

  signOut(): Promise<AuthState> {
    return this.deps.session.signOut();
  }

  authState(): AuthState {
    return this.deps.session.state();
  }
}
