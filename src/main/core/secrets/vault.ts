/**
 * The vault: the app's secrets in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux)
 * through keytar, and nowhere else. Never a plaintext fallback: when the keychain is unavailable every operation
 * throws `KeychainUnavailableError` (an `AppError` with code `keychain-unavailable`) naming the problem.
 *
 * Public API
 * - `new Vault({ service?, backend?, redactor?, logger? })`. `service` defaults to `AVA Desk`; each `SecretName` is
 *   one account under it. `backend` defaults to keytar, loaded lazily on first use (`loadKeytar`), so a missing or
 *   broken native module is the problem `not-installed`, not a crash at import.
 * - `get(name)` → the value or null; `set(name, value)`; `delete(name)` → whether something was deleted.
 *   Values are cached in memory after the first read and every value read or written is registered with the
 *   redactor (so it can never reach a log line). A replaced or deleted value stays registered for the life of the
 *   process: a request that was sent with it may still be in flight, and its errors must stay redacted.
 * - `status()` → `SecretsStatus`: the keychain's state and, per secret, `{ set, hint }` where the hint is `••••` and
 *   the last 4 characters (just `••••` for values shorter than 8 characters). Never throws for an unavailable
 *   keychain: the state says why.
 * - `keychainState()`: the last known state without touching the keychain.
 * - `classifyKeychainError(error)` → `KeychainProblem` from the platform's own words.
 * - `generateWebhookSecret()`: a fresh random secret (32 bytes, base64url).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { AppError } from '../../../shared/errors';
import {
  SECRET_NAMES,
  type KeychainProblem,
  type KeychainState,
  type SecretName,
  type SecretState,
  type SecretsStatus,
} from '../../../shared/domain';
import type { Redactor } from '../log/redact';
import { nullLogger, type Logger } from '../log/logger';

export const DEFAULT_SERVICE_NAME = 'AVA Desk';
export const HINT_MASK = '••••';

/** The subset of keytar the vault uses; tests and other platforms may supply their own. */
export interface KeychainBackend {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export class KeychainUnavailableError extends AppError {
  readonly problem: KeychainProblem;

  constructor(problem: KeychainProblem, detail: string, options?: { cause?: unknown }) {
    super({ code: 'keychain-unavailable', message: PROBLEM_MESSAGES[problem], detail }, options);
    this.name = 'KeychainUnavailableError';
    this.problem = problem;
  }
}

const PROBLEM_MESSAGES: Record<KeychainProblem, string> = {
  'no-dbus':
    'The keychain cannot be reached: there is no D-Bus session (keytar: "Cannot autolaunch D-Bus without X11 $DISPLAY"). Start AVA Desk from your desktop session.',
  'no-secret-service':
    'No keyring service is running (org.freedesktop.secrets). Install and start GNOME Keyring or KWallet, then try again.',
  locked: 'The keychain is locked. Unlock your login keyring, then try again.',
  'no-login-keyring':
    'There is no default keyring to keep keys in ("Object does not exist at path …/collection/login"). Open Passwords and Keys (Seahorse), create a keyring named "Login" and make it the default, then try again.',
  denied: 'Access to the keychain was denied. Allow AVA Desk to use the keychain, then try again.',
  'not-installed': 'The keychain module of AVA Desk is missing or broken. Reinstall AVA Desk.',
  unknown: 'The keychain could not be used. Try again; if it keeps failing, restart your session.',
};

/** Maps a keytar / platform error to the problem the user can act on. */
export function classifyKeychainError(error: unknown): KeychainProblem {
  const text = errorText(error);
  if (
    /Cannot autolaunch D-Bus|DBUS_SESSION_BUS_ADDRESS|Failed to connect to socket|Could not connect:|Unable to autolaunch|dbus-launch/i.test(
      text,
    )
  )
    return 'no-dbus';
  if (/org\.freedesktop\.secrets was not provided|ServiceUnknown|not provided by any \.service files/i.test(text))
    return 'no-secret-service';
  // The Secret Service answers but the collection behind the "default" alias (normally "login") does not exist.
  if (/Object does not exist at path .*collection|collection\/login|No such secret collection/i.test(text))
    return 'no-login-keyring';
  if (
    /locked|prompt.*(dismiss|cancel)|dismissed|User interaction is not allowed|errSecInteractionNotAllowed|-25308/i.test(
      text,
    )
  )
    return 'locked';
  if (
    /access (is )?denied|not authori[sz]ed|permission denied|User canceled|errSecAuthFailed|-25293|-128\b|ERROR_ACCESS_DENIED/i.test(
      text,
    )
  )
    return 'denied';
  if (
    /Cannot find module|was compiled against a different Node\.js version|NODE_MODULE_VERSION|invalid ELF|dlopen|\.node\b/i.test(
      text,
    )
  )
    return 'not-installed';
  return 'unknown';
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.message} ${(error as { code?: unknown }).code ?? ''}`;
  return String(error);
}

let keytarCache: KeychainBackend | Error | null = null;

/** Loads keytar on first use. Throws `KeychainUnavailableError('not-installed')` when it cannot be loaded. */
export function loadKeytar(): KeychainBackend {
  if (keytarCache === null) {
    try {
      // A CommonJS bundle has its own `require`; where there is none (vitest) one is made for this file.
      const load: NodeJS.Require = typeof require === 'function' ? require : createRequire(__filename);
      const mod = load('keytar') as KeychainBackend & { default?: KeychainBackend };
      keytarCache = typeof mod.getPassword === 'function' ? mod : (mod.default ?? mod);
    } catch (error) {
      keytarCache = error instanceof Error ? error : new Error(String(error));
    }
  }
  if (keytarCache instanceof Error) {
    throw new KeychainUnavailableError('not-installed', `keytar could not be loaded: ${keytarCache.message}`, {
      cause: keytarCache,
    });
  }
  return keytarCache;
}

export function maskHint(value: string): string {
  return value.length >= 8 ? `${HINT_MASK}${value.slice(-4)}` : HINT_MASK;
}

export function generateWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface VaultOptions {
  /** Keychain service name; tests use a unique one per run. */
  service?: string;
  backend?: KeychainBackend | (() => KeychainBackend);
  redactor?: Redactor;
  logger?: Logger;
}

export class Vault {
  readonly service: string;
  private readonly backendSource: KeychainBackend | (() => KeychainBackend);
  private backend: KeychainBackend | null = null;
  private readonly cache = new Map<SecretName, string | null>();
  private state: KeychainState = { available: true };
  private readonly redactor: Redactor | undefined;
  private readonly logger: Logger;

  constructor(options: VaultOptions = {}) {
    this.service = options.service ?? DEFAULT_SERVICE_NAME;
    this.backendSource = options.backend ?? loadKeytar;
    this.redactor = options.redactor;
    this.logger = (options.logger ?? nullLogger).child({ module: 'vault' });
  }

  keychainState(): KeychainState {
    return this.state;
  }

  async get(name: SecretName): Promise<string | null> {
    assertName(name);
    if (this.cache.has(name)) return this.cache.get(name)!;
    const value = await this.run('get', name, (backend) => backend.getPassword(this.service, name));
    this.redactor?.addSecret(value);
    this.cache.set(name, value);
    return value;
  }

  async set(name: SecretName, value: string): Promise<void> {
    assertName(name);
    if (typeof value !== 'string' || value.length === 0 || value.length > 8192) {
      throw new AppError({ code: 'invalid-input', message: 'A secret must be a non-empty string.' });
    }
    // Registered before the call, so even an error that echoes the value is redacted.
    this.redactor?.addSecret(value);
    await this.run('set', name, (backend) => backend.setPassword(this.service, name, value));
    this.cache.set(name, value);
    this.logger.info('secret stored', { account: name });
  }

  async delete(name: SecretName): Promise<boolean> {
    assertName(name);
    const deleted = await this.run('delete', name, (backend) => backend.deletePassword(this.service, name));
    this.cache.set(name, null);
    this.logger.info('secret deleted', { account: name, existed: deleted });
    return deleted;
  }

  /** Forgets the in-memory cache (the next read asks the keychain again). */
  reload(): void {
    this.cache.clear();
  }

  async status(): Promise<SecretsStatus> {
    const secrets = {} as Record<SecretName, SecretState>;
    for (const name of SECRET_NAMES) secrets[name] = { set: false, hint: null };
    try {
      for (const name of SECRET_NAMES) {
        const value = await this.get(name);
        secrets[name] = value ? { set: true, hint: maskHint(value) } : { set: false, hint: null };
      }
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
    }
    return { keychain: this.state, secrets };
  }

  private async run<T>(op: string, name: SecretName, fn: (backend: KeychainBackend) => Promise<T>): Promise<T> {
    try {
      if (this.backend === null) {
        this.backend = typeof this.backendSource === 'function' ? this.backendSource() : this.backendSource;
      }
      const result = await fn(this.backend);
      if (!this.state.available) this.logger.info('keychain available again');
      this.state = { available: true };
      return result;
    } catch (error) {
      const unavailable =
        error instanceof KeychainUnavailableError
          ? error
          : new KeychainUnavailableError(
              classifyKeychainError(error),
              this.redact(`keychain ${op} failed: ${errorText(error).trim()}`),
              { cause: error },
            );
      const detail = this.redact(unavailable.detail ?? '');
      this.state = { available: false, problem: unavailable.problem, detail };
      this.logger.warn('keychain unavailable', { op, account: name, problem: unavailable.problem, detail });
      if (unavailable.detail === detail) throw unavailable;
      throw new KeychainUnavailableError(unavailable.problem, detail);
    }
  }

  private redact(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
}

function assertName(name: SecretName): void {
  if (!(SECRET_NAMES as readonly string[]).includes(name)) {
    throw new AppError({ code: 'invalid-input', message: `Unknown secret name.` });
  }
}
