/**
 * Two connections to one cache file (a second copy of the app racing the first at start, a support tool): each one
 * reads what the other stored, though it was packed with a dictionary and refers to names made on the other
 * connection, and neither adds the same dictionary twice.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempCache, tempDir, vapiObs } from './helpers';

const said: [string, string][] = [
  ['bot', 'Cabinet Lefèvre, bonjour.'],
  ['user', 'Je voudrais annuler mon rendez-vous de jeudi.'],
];

describe('two connections to one cache file', () => {
  it('each reads, searches, filters and extends what the other stored', () => {
    const path = join(tempDir(), 'calls.db');
    const a = tempCache(path);
    const b = tempCache(path);
    // A has read its dictionaries and names before B adds any.
    a.upsert([vapiObs({ id: 'a-1', assistantId: 'asst-a' })]);
    expect(a.listCalls({ limit: 10 }).items.map((c) => c.id)).toEqual(['a-1']);

    b.upsert([vapiObs({ id: 'b-1', assistantId: 'asst-b', status: 'ended', at: 10, said })]);

    expect(a.getCall('b-1')?.turns.map((t) => t.text)).toEqual(said.map(([, text]) => text));
    // The snippet reads the content inside the search query, where no dictionary can be loaded any more.
    const found = a.listCalls({ text: 'annuler', limit: 10 });
    expect(found.items.map((c) => c.id)).toEqual(['b-1']);
    expect(found.items[0]?.snippet?.some((part) => part.hit && part.text === 'annuler')).toBe(true);
    expect(a.listCalls({ assistantId: 'asst-b', limit: 10 }).items.map((c) => c.id)).toEqual(['b-1']);
    expect(a.getRawJson('b-1')?.vapi).toMatchObject({ id: 'b-1', assistantId: 'asst-b' });

    // A stores a call of B's assistant: with B's dictionary, not a second one for the same assistant and prompt.
    a.upsert([vapiObs({ id: 'a-2', assistantId: 'asst-b', at: 20 })]);
    expect(b.getCall('a-2')?.assistantId).toBe('asst-b');
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) FROM raw_dictionaries').pluck().get()).toBe(2);
    } finally {
      raw.close();
    }
    expect(b.listCalls({ limit: 10 }).items.map((c) => c.id)).toEqual(['a-2', 'b-1', 'a-1']);
  });
});
