/**
 * Opening the cache file: version check, damage check, migrations, connection settings.
 *
 * Public API
 * - `openDatabase(path, { onNotice })` → `{ db, openedAs, setAsidePath }`.
 *   - a database written by a newer app (its `user_version` is above ours) → AppError `cache-too-new`, file untouched;
 *   - a file that is not a database, fails `quick_check`, or cannot be read or migrated → moved aside with its
 *     `-wal`/`-shm` (`calls.db.corrupt-<time>`), a fresh database created, a `cache-rebuilt` notice sent, and
 *     `openedAs: 'rebuilt'` so the sync knows to do a full sync;
 *   - anything else that stops us (a locked file, a folder we cannot write) → AppError `cache-unavailable`.
 * - `applyMigrations(db, upTo?)`: each pending migration in its own transaction, with `user_version`.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Notice } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import { ContentReader } from './codec';
import { Dictionaries } from './dictionaries';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type OpenedAs = 'created' | 'existing' | 'rebuilt';

export interface OpenOptions {
  onNotice?: (notice: Notice) => void;
  /** For tests: the time used to name a file set aside. */
  now?: () => Date;
}

export interface OpenedDatabase {
  db: Database.Database;
  /** The content compression dictionaries of this database. */
  dictionaries: Dictionaries;
  /** Behind the SQL function the search index reads call text through; see `ContentReader`. */
  contents: ContentReader;
  openedAs: OpenedAs;
  /** Where a damaged file was moved, when it was. */
  setAsidePath: string | null;
}

/** Larger pages pack several mid-size rows (a few KB of transcript) per page instead of one. */
const PAGE_SIZE = 32768;
const BUSY_TIMEOUT_MS = 5000;

class DamagedError extends Error {}

export function openDatabase(path: string, options: OpenOptions = {}): OpenedDatabase {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw unavailable(path, error);
  }
  if (!existsSync(path) || statSync(path).size === 0) {
    const [dictionaries, contents] = readers();
    const db = createFresh(path, dictionaries, contents);
    return { db, dictionaries, contents, openedAs: 'created', setAsidePath: null };
  }
  let db: Database.Database | undefined;
  const [dictionaries, contents] = readers();
  try {
    db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new AppError({
        code: 'cache-too-new',
        message:
          'The call cache was written by a newer version of AVA Desk. Update AVA Desk to open it; nothing was changed.',
        detail: `${path}: schema version ${version}, this app knows up to ${SCHEMA_VERSION}`,
      });
    }
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new DamagedError(`quick_check: ${String(check)}`);
    configure(db, dictionaries, contents);
    applyMigrations(db);
    dictionaries.load();
    return { db, dictionaries, contents, openedAs: 'existing', setAsidePath: null };
  } catch (error) {
    closeQuietly(db);
    if (error instanceof AppError) throw error;
    if (!isDamage(error)) throw unavailable(path, error);
    const setAsidePath = moveAside(path, (options.now ?? (() => new Date()))());
    const fresh = createFresh(path, dictionaries, contents);
    options.onNotice?.({
      kind: 'cache-rebuilt',
      message:
        'The call cache was damaged, so AVA Desk set it aside and is rebuilding it from your call history. ' +
        'Calls will reappear as the sync runs.',
      params: { file: basename(setAsidePath) },
    });
    return { db: fresh, dictionaries, contents, openedAs: 'rebuilt', setAsidePath };
  }
}

function readers(): [Dictionaries, ContentReader] {
  const dictionaries = new Dictionaries();
  return [dictionaries, new ContentReader(dictionaries.get)];
}

function createFresh(path: string, dictionaries: Dictionaries, contents: ContentReader): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    // Only takes effect before the first write, which is why it comes before WAL and the migrations.
    db.pragma(`page_size = ${PAGE_SIZE}`);
    configure(db, dictionaries, contents);
    applyMigrations(db);
    dictionaries.load();
    return db;
  } catch (error) {
    closeQuietly(db);
    throw unavailable(path, error);
  }
}

function configure(db: Database.Database, dictionaries: Dictionaries, contents: ContentReader): void {
  dictionaries.attach(db);
  // The search index reads a call's transcript (0) and summary (1) through this (see migrations/001_init.ts).
  db.function('ava_call_text', { deterministic: true }, (blob: unknown, part: unknown) => {
    if (!(blob instanceof Uint8Array)) return null;
    const content = contents.read(blob);
    return part === 0 ? content.transcript : content.summary;
  });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Bulk upserts touch the FTS index and several indexes per call: keep their pages in memory (16 MB).
  db.pragma('cache_size = -16000');
  // After a checkpoint the WAL is cut back to this, so a large backfill does not leave a large file behind.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
}

export function applyMigrations(
  db: Database.Database,
  upTo = SCHEMA_VERSION,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > upTo) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/** SQLite's words for a file it cannot use as a database; a busy or locked file is not damaged. */
function isDamage(error: unknown): boolean {
  if (error instanceof DamagedError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return false;
  return !/^SQLITE_(BUSY|LOCKED|NOMEM|INTERRUPT|FULL|READONLY)/.test(code);
}

function moveAside(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 2; existsSync(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
  try {
    renameSync(path, target);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
    }
  } catch (error) {
    throw unavailable(path, error);
  }
  return target;
}

function closeQuietly(db: Database.Database | undefined): void {
  try {
    if (db?.open) db.close();
  } catch {
    // Already unusable; the error that brought us here is the one worth reporting.
  }
}

function unavailable(path: string, error: unknown): AppError {
  return new AppError(
    {
      code: 'cache-unavailable',
      message:
        'AVA Desk cannot open its call cache. Close other copies of AVA Desk and check the disk, then try again.',
      detail: `${path}: ${error instanceof Error ? error.message : String(error)}`,
    },
    { cause: error },
  );
}
