/**
 * The settings file: small, validated, versioned JSON in the app data folder. No secret ever lives here.
 *
 * Public API
 * - `SettingsStore.open(dir, { redactor?, logger?, now? })` → a store over `<dir>/settings.json` (created with the
 *   defaults if missing). A file that is not JSON, fails `SettingsSchema`, or comes from a newer version of the app
 *   is moved aside to `settings.json.bad-<time>` and the defaults are used; `recovered` then says why and where the
 *   old file went, so the UI can tell the user.
 * - `get()` → a copy of the current `Settings`.
 * - `update(patch)` → validated with `SettingsPatchSchema` (what the renderer may change), saved, returned.
 * - `setBackendUrl(url)`, `setBackendUser(user | null)`, `setTwilioAccountSid(sid | null)`, `setSignOutPending(flag)`,
 *   `markSignedOut()` (the user forgotten and the sign-out marked pending, in one save): the flows that own these fields (backend switch, sign-in and sign-out, Twilio connect) call them; validated with
 *   `SettingsSchema` too, and the URL with `assertSafeBackendUrl` (a file whose URL is plain http to a remote host is
 *   treated as invalid).
 * - `onChange(listener)` → unsubscribe; called with the new settings after each successful save.
 * - `path`.
 *
 * Writes are atomic: a temporary file in the same folder, fsync, rename over the old file, fsync of the folder
 * (best effort). Before any write the serialized file is checked against the secret values registered with the
 * redactor (not its pattern rules, which would also match a user named "Basic Plumbing"): if a secret would be
 * written, the write is refused (`internal`) and the file is left as it was.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_SETTINGS,
  SettingsPatchSchema,
  SettingsSchema,
  type BackendUser,
  type Settings,
  type SettingsPatch,
} from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import { assertSafeBackendUrl } from '../auth/backend-url';
import { nullLogger, type Logger } from '../log/logger';
import type { Redactor } from '../log/redact';

export const SETTINGS_FILE_NAME = 'settings.json';
export const SETTINGS_VERSION = 1;

export interface SettingsRecovery {
  reason: 'unreadable' | 'invalid-json' | 'invalid' | 'newer-version';
  /** Where the old file was moved, or null when it could not be moved. */
  movedTo: string | null;
  /** Redacted description of what was wrong. */
  detail: string;
}

export interface SettingsStoreOptions {
  redactor?: Redactor;
  logger?: Logger;
  now?: () => number;
}

export type SettingsListener = (settings: Settings) => void;

export class SettingsStore {
  readonly path: string;
  readonly recovered: SettingsRecovery | null;
  private current: Settings;
  private readonly listeners = new Set<SettingsListener>();
  private readonly redactor: Redactor | undefined;
  private readonly logger: Logger;

  private constructor(
    readonly dir: string,
    options: SettingsStoreOptions,
  ) {
    this.path = join(dir, SETTINGS_FILE_NAME);
    this.redactor = options.redactor;
    this.logger = (options.logger ?? nullLogger).child({ module: 'settings' });
    const loaded = this.load(options.now ?? Date.now);
    this.current = loaded.settings;
    this.recovered = loaded.recovered;
    if (loaded.write) this.write(this.current);
  }

  static open(dir: string, options: SettingsStoreOptions = {}): SettingsStore {
    mkdirSync(dir, { recursive: true });
    return new SettingsStore(dir, options);
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  update(patch: SettingsPatch): Settings {
    const parsed = SettingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      throw new AppError({
        code: 'invalid-input',
        message: 'These settings are not valid.',
        detail: summarize(parsed.error.issues),
      });
    }
    return this.save({ ...this.current, ...stripUndefined(parsed.data) });
  }

  /** Saves a backend URL after `assertSafeBackendUrl` (https, or http on loopback only). */
  setBackendUrl(url: string): Settings {
    return this.save({ ...this.current, backendUrl: assertSafeBackendUrl(url) });
  }

  setBackendUser(user: BackendUser | null): Settings {
    return this.save({ ...this.current, backendUser: user });
  }

  setTwilioAccountSid(sid: string | null): Settings {
    return this.save({ ...this.current, twilioAccountSid: sid });
  }

  /** Marks (or clears) a sign-out whose session the keychain has not deleted yet; see `Settings.signOutPending`. */
  setSignOutPending(pending: boolean): Settings {
    if (this.current.signOutPending === pending) return this.get();
    return this.save({ ...this.current, signOutPending: pending });
  }

  /** Sign-out's first step: the user forgotten and `signOutPending` set, in one write. */
  markSignedOut(): Settings {
    return this.save({ ...this.current, backendUser: null, signOutPending: true });
  }

  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private save(next: Settings): Settings {
    const parsed = SettingsSchema.safeParse(next);
    if (!parsed.success) {
      throw new AppError({
        code: 'invalid-input',
        message: 'These settings are not valid.',
        detail: summarize(parsed.error.issues),
      });
    }
    this.write(parsed.data);
    this.current = parsed.data;
    const snapshot = this.get();
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.logger.warn('settings listener failed', { error });
      }
    }
    return snapshot;
  }

  private write(settings: Settings): void {
    const text = JSON.stringify(settings, null, 2) + '\n';
    if (this.redactor?.containsSecret(text)) {
      this.logger.error('refused to write a secret into the settings file');
      throw new AppError({ code: 'internal', message: 'AVA Desk refused to write a secret into the settings file.' });
    }
    const tmp = `${this.path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw new AppError(
        { code: 'internal', message: 'AVA Desk could not save its settings.', detail: errorMessage(error) },
        { cause: error },
      );
    }
    syncDir(this.dir);
  }

  private load(now: () => number): { settings: Settings; recovered: SettingsRecovery | null; write: boolean } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { settings: { ...DEFAULT_SETTINGS }, recovered: null, write: true };
      return this.recover(now, 'unreadable', errorMessage(error));
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return this.recover(now, 'invalid-json', errorMessage(error));
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return this.recover(now, 'invalid', 'not an object');
    const version = (raw as { version?: unknown }).version;
    if (typeof version === 'number' && version > SETTINGS_VERSION) {
      return this.recover(now, 'newer-version', `version ${version} is newer than ${SETTINGS_VERSION}`);
    }
    const migrated = migrate(raw as Record<string, unknown>);
    const parsed = SettingsSchema.safeParse(migrated.value);
    if (!parsed.success) return this.recover(now, 'invalid', summarize(parsed.error.issues));
    try {
      assertSafeBackendUrl(parsed.data.backendUrl);
    } catch {
      return this.recover(now, 'invalid', 'backendUrl: not https');
    }
    return { settings: parsed.data, recovered: null, write: migrated.changed };
  }

  private recover(
    now: () => number,
    reason: SettingsRecovery['reason'],
    detail: string,
  ): { settings: Settings; recovered: SettingsRecovery; write: boolean } {
    const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
    let movedTo: string | null = `${this.path}.bad-${stamp}`;
    try {
      renameSync(this.path, movedTo);
    } catch {
      movedTo = null;
    }
    const redacted = this.redactor ? this.redactor.redact(detail) : detail;
    this.logger.warn('settings file reset to defaults', { reason, movedTo, detail: redacted });
    return { settings: { ...DEFAULT_SETTINGS }, recovered: { reason, movedTo, detail: redacted }, write: true };
  }
}

/**
 * Brings an older file to the current version. Version 1 is the first; a file without a version (written by a
 * pre-release) is read as version 1 with defaults for what it lacks. Unknown keys are dropped.
 */
function migrate(raw: Record<string, unknown>): { value: unknown; changed: boolean } {
  if (raw['version'] === SETTINGS_VERSION) {
    const known = Object.keys(DEFAULT_SETTINGS);
    const extra = Object.keys(raw).some((key) => !known.includes(key));
    if (!extra) return { value: raw, changed: false };
    return { value: Object.fromEntries(Object.entries(raw).filter(([key]) => known.includes(key))), changed: true };
  }
  if (raw['version'] === undefined) {
    const value: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_SETTINGS)) if (key in raw && key !== 'version') value[key] = raw[key];
    return { value, changed: true };
  }
  return { value: raw, changed: false };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function summarize(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort: some file systems refuse to fsync a folder
  }
}
