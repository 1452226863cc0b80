/**
 * Schema 1 → 2 on a cache holding calls: the calls table is rebuilt with names, the search index is kept as it is.
 * The version 1 file is made from what the current code stores (so its contents, stamps and hashes are real), written
 * into the schema 1 tables with each name as its string, as schema 1 held them.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../../src/main/core/cache';
import { BUILT_IN_DICTIONARY, loadDictionary, unpackContent } from '../../../src/main/core/cache/codec';
import { applyMigrations } from '../../../src/main/core/cache/open';
import { fileHealth } from '../sync/helpers';
import { backendDetail, tempCache, tempDir, vapiObs } from './helpers';

const NAMED = ['status', 'ended_reason', 'assistant_id', 'phone_number_id'];

function versionOneCopy(source: string, target: string): void {
  const from = new Database(source, { readonly: true });
  const rows = from.prepare('SELECT id, key, data FROM raw_dictionaries').all() as {
    id: number;
    key: string;
    data: Buffer;
  }[];
  const dictionaries = new Map(rows.map((row) => [row.id, loadDictionary(row.data)]));
  const names = new Map(
    (from.prepare('SELECT id, value FROM names').all() as { id: number; value: string }[]).map((n) => [n.id, n.value]),
  );
  const calls = from.prepare('SELECT * FROM calls ORDER BY pk').all() as Record<string, unknown>[];
  from.close();

  const db = new Database(target);
  db.pragma('page_size = 32768');
  db.function('ava_call_text', { deterministic: true }, (blob: unknown, part: unknown) => {
    if (!(blob instanceof Uint8Array)) return null;
    const content = unpackContent(blob, (id) => (id === 0 ? BUILT_IN_DICTIONARY : dictionaries.get(id)));
    return part === 0 ? content.transcript : content.summary;
  });
  applyMigrations(db, 1);
  const insertDictionary = db.prepare('INSERT INTO raw_dictionaries (id, key, data) VALUES (@id, @key, @data)');
  for (const row of rows) insertDictionary.run(row);
  const columns = Object.keys(calls[0] as object);
  const insert = db.prepare(
    `INSERT INTO calls (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  for (const call of calls) {
    const v1 = { ...call };
    for (const column of NAMED) v1[column] = v1[column] === null ? null : names.get(v1[column] as number);
    insert.run(v1);
  }
  expect(db.pragma('user_version', { simple: true })).toBe(1);
  db.close();
}

/** How the names are stored: SQLite's type of `assistant_id` and `status`. */
const storedTypes = (cache: Cache) => {
  const db = new Database(cache.path, { readonly: true });
  const types = db
    .prepare('SELECT DISTINCT typeof(assistant_id) || typeof(status) FROM calls WHERE assistant_id IS NOT NULL')
    .pluck()
    .all();
  db.close();
  return types;
};

describe('upgrading a schema 1 cache', () => {
  it('keeps every call, its names, filters, search and the index as they were', () => {
    const dir = tempDir();
    const source = tempCache(join(dir, 'source.db'));
    source.upsert([
      vapiObs({ id: 'c1', assistantId: 'asst-a', said: [['user', 'Une facture pour Núñez']] }),
      vapiObs({ id: 'c2', at: 5, assistantId: 'asst-b', status: 'in-progress', said: [['user', 'Un devis']] }),
      vapiObs({ id: 'c3', at: 9, assistantId: 'asst-a', customer: { number: '+33611111111', name: 'Amélie' } }),
      backendDetail({ id: 'c4', at: 12, transcript: 'AVA: Bonjour.\n\nCaller: Rappelez-moi.' }),
    ]);
    const before = ['c1', 'c2', 'c3', 'c4'].map((id) => source.getCall(id));
    source.close();
    const path = join(dir, 'v1.db');
    versionOneCopy(join(dir, 'source.db'), path);

    const cache = tempCache(path);
    expect(cache.openedAs).toBe('existing');
    expect(['c1', 'c2', 'c3', 'c4'].map((id) => cache.getCall(id))).toEqual(before);
    expect(storedTypes(cache)).toEqual(['integerinteger']);
    const ids = (query: Parameters<Cache['listCalls']>[0]) => cache.listCalls(query).items.map((c) => c.id);
    expect(ids({ limit: 10, assistantId: 'asst-a' })).toEqual(['c3', 'c1']);
    expect(ids({ limit: 10, status: 'in-progress' })).toEqual(['c2']);
    expect(ids({ limit: 10, assistantId: 'nobody' })).toEqual([]);
    expect(ids({ limit: 10, text: 'nunez' })).toEqual(['c1']);
    expect(ids({ limit: 10, text: 'rappelez' })).toEqual(['c4']);
    // Written to after the upgrade: a new version of c1 re-indexed, a new call with a new assistant.
    cache.upsert([
      vapiObs({ id: 'c1', assistantId: 'asst-a', updatedMinutes: 30, said: [['user', 'Finalement un créneau']] }),
      vapiObs({ id: 'c5', at: 20, assistantId: 'asst-c' }),
    ]);
    expect(ids({ limit: 10, text: 'facture' })).toEqual([]);
    expect(ids({ limit: 10, text: 'creneau' })).toEqual(['c1']);
    expect(ids({ limit: 10, assistantId: 'asst-c' })).toEqual(['c5']);
    cache.close();
    // SQLite's integrity check, then the search index checked against the calls it indexes.
    expect(fileHealth(path)).toEqual({ integrity: 'ok', fts: 'ok', calls: 5, distinctIds: 5 });
  });
});

describe('names shared by two connections', () => {
  // The app runs one instance; a second connection stands for a sync process that wrote and exited meanwhile.
  it('a name another connection added is found, and adding it again is no conflict', () => {
    const path = join(tempDir(), 'calls.db');
    const first = tempCache(path);
    first.upsert([backendDetail({ id: 'c1', status: 'completed', transcript: null })]);
    const second = tempCache(path);
    second.upsert([backendDetail({ id: 'c2', at: 1, status: 'failed', transcript: null })]);
    // The first connection has never seen "failed": it reads it when it meets its number, and adds nothing twice.
    expect(first.getCall('c2')?.status).toBe('failed');
    first.upsert([backendDetail({ id: 'c3', at: 2, status: 'failed', transcript: null })]);
    expect(second.listCalls({ limit: 10, status: 'failed' }).items.map((c) => c.id)).toEqual(['c3', 'c2']);
  });
});
