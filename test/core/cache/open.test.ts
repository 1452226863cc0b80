import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  existsSync,
  readFileSync,
  readdirSync,
  truncateSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Notice } from '../../../src/shared/domain';
import { AppError } from '../../../src/shared/errors';
import { SCHEMA_VERSION, openCache } from '../../../src/main/core/cache';
import { MIGRATIONS } from '../../../src/main/core/cache/migrations';
import { applyMigrations } from '../../../src/main/core/cache/open';
import { tempCache, tempDir, vapiObs } from './helpers';

/** The schema as SQLite reports it: every object and every column, in a stable order. */
function schemaOf(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    const objects = db
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name",
      )
      .all();
    const columns = Object.fromEntries(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]).map(
        (table) => [table, db.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_xinfo(?)`).all(table)],
      ),
    );
    return { objects, columns, version: db.pragma('user_version', { simple: true }) };
  } finally {
    db.close();
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('migrations', () => {
  it('replay on a throwaway database gives the expected schema', () => {
    const path = join(tempDir(), 'calls.db');
    const cache = tempCache(path);
    expect(cache.openedAs).toBe('created');
    cache.close();
    const schema = schemaOf(path) as { objects: { type: string; name: string }[]; version: number };
    expect(schema.version).toBe(SCHEMA_VERSION);
    const names = schema.objects.map((o) => `${o.type} ${o.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'table calls',
        'table calls_fts',
        'table sync_state',
        'table raw_dictionaries',
        'view calls_fts_content',
        'index calls_by_time',
        'index calls_by_status',
        'index calls_by_assistant',
        'index calls_missing_from_backend',
        'index calls_in_backend',
        'index calls_without_full_transcript',
        'trigger calls_fts_insert',
        'trigger calls_fts_update',
        'trigger calls_fts_delete',
      ]),
    );
    const db = new Database(path, { readonly: true });
    const ftsSql = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'calls_fts'").pluck().get() as string;
    expect(ftsSql).toMatch(/tokenize = 'unicode61 remove_diacritics 2'/);
    expect(ftsSql).toMatch(/content = 'calls_fts_content'/);
    const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('calls') as string[]).join(' ');
    for (const column of ['content', 'backend_seen_at', 'vapi_seen_at', 'transcript_state', 'stamps', 'text_hash']) {
      expect(columns).toContain(column);
    }
    db.close();
  });

  it('numbers migrations 1..N with no gap, each applied in its own transaction', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    // A failing migration leaves nothing behind: neither its objects nor its version.
    const db = new Database(':memory:');
    expect(() =>
      db.transaction(() => {
        db.exec('CREATE TABLE half_done (x); SELECT no_such_function();');
        db.pragma('user_version = 99');
      })(),
    ).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
    db.close();
  });

  it('reopening is a no-op: same schema, same data', () => {
    const path = join(tempDir(), 'calls.db');
    const first = openCache(path);
    first.upsert([vapiObs({ id: 'c1' })]);
    first.close();
    const before = schemaOf(path);
    const again = openCache(path);
    expect(again.openedAs).toBe('existing');
    expect(again.getCall('c1')?.id).toBe('c1');
    again.close();
    expect(schemaOf(path)).toEqual(before);
  });

  it.each(Array.from({ length: SCHEMA_VERSION }, (_, k) => k))('upgrades a database at version %i', (k) => {
    const fresh = join(tempDir(), 'fresh.db');
    openCache(fresh).close();
    const old = join(tempDir(), 'old.db');
    const db = new Database(old);
    db.function('ava_call_text', () => null);
    applyMigrations(db, k);
    expect(db.pragma('user_version', { simple: true })).toBe(k);
    db.close();
    const cache = openCache(old);
    // Version 0 is a file SQLite never wrote to: a new cache.
    expect(cache.openedAs).toBe(k === 0 ? 'created' : 'existing');
    cache.close();
    expect(schemaOf(old)).toEqual(schemaOf(fresh));
  });
});

describe('a database from a newer app', () => {
  it('is refused with a clear message and left untouched', () => {
    const path = join(tempDir(), 'calls.db');
    const cache = openCache(path);
    cache.upsert([vapiObs({ id: 'c1' })]);
    cache.close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = sha(path);
    const notices: Notice[] = [];
    let error: unknown;
    try {
      openCache(path, { onNotice: (n) => notices.push(n) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('cache-too-new');
    expect((error as AppError).message).toMatch(/newer version of AVA Desk/);
    expect(sha(path)).toBe(before);
    expect(notices).toEqual([]);
    expect(readdirSync(join(path, '..')).filter((f) => f.includes('corrupt'))).toEqual([]);
  });
});

describe('a damaged file', () => {
  function damaged(damage: (path: string) => void) {
    const dir = tempDir();
    const path = join(dir, 'calls.db');
    const cache = openCache(path);
    cache.upsert(Array.from({ length: 300 }, (_, i) => vapiObs({ id: `call-${i}`, at: i })));
    cache.close();
    damage(path);
    const notices: Notice[] = [];
    const reopened = tempCache(path, { onNotice: (n) => notices.push(n), now: () => new Date('2026-02-01T08:00:00Z') });
    return { dir, path, reopened, notices };
  }

  function expectRebuilt({ dir, path, reopened, notices }: ReturnType<typeof damaged>) {
    expect(reopened.openedAs).toBe('rebuilt');
    expect(reopened.rebuilt).toBe(true);
    expect(reopened.setAsidePath).toBe(`${path}.corrupt-2026-02-01T08-00-00-000Z`);
    expect(existsSync(reopened.setAsidePath as string)).toBe(true);
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'cache-rebuilt', params: { file: 'calls.db.corrupt-2026-02-01T08-00-00-000Z' } }),
    ]);
    expect(reopened.counts().calls).toBe(0);
    reopened.upsert([vapiObs({ id: 'after' })]);
    expect(reopened.getCall('after')?.id).toBe('after');
    return dir;
  }

  it('garbage bytes: moved aside as they were, and rebuilt without any of the old -wal/-shm', () => {
    const garbage = Buffer.from('this is not a database at all, just some words '.repeat(200));
    const result = damaged((path) => {
      writeFileSync(path, garbage);
      writeFileSync(`${path}-wal`, 'junk');
      writeFileSync(`${path}-shm`, 'junk');
    });
    expectRebuilt(result);
    expect(readFileSync(result.reopened.setAsidePath as string)).toEqual(garbage);
    // SQLite drops a WAL it cannot use when the failed connection closes; whatever is left is moved with the file.
    for (const suffix of ['-wal', '-shm']) {
      const left = `${result.path}${suffix}`;
      if (existsSync(left)) expect(readFileSync(left).toString()).not.toBe('junk');
    }
  });

  it('a truncated file: moved aside and rebuilt', () => {
    expectRebuilt(damaged((path) => truncateSync(path, Math.floor(readFileSync(path).length / 3))));
  });

  it('a zeroed page inside the calls table: moved aside and rebuilt', () => {
    expectRebuilt(
      damaged((path) => {
        const db = new Database(path, { readonly: true });
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        const page = db
          .prepare(
            "SELECT pageno FROM dbstat WHERE name = 'calls' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3",
          )
          .pluck()
          .get() as number;
        db.close();
        const fd = openSync(path, 'r+');
        writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, (page - 1) * pageSize);
        closeSync(fd);
      }),
    );
  });

  it('an empty file is simply a new cache', () => {
    const path = join(tempDir(), 'calls.db');
    writeFileSync(path, '');
    const cache = tempCache(path);
    expect(cache.openedAs).toBe('created');
  });

  it('a folder that cannot be created is cache-unavailable, not a crash', () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => openCache(join(file, 'calls.db'))).toThrow(expect.objectContaining({ code: 'cache-unavailable' }));
  });
});
