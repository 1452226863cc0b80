import Database from 'better-sqlite3';
import fc from 'fast-check';
import { inflateRawSync } from 'node:zlib';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallListItem, CallListQuery } from '../../../src/shared/domain';
import type { CallObservation } from '../../../src/main/core/calls/merge';
import { observeVapiCall } from '../../../src/main/core/calls/observe';
import type { Cache } from '../../../src/main/core/cache';
import { VACUUM_CACHE_SIZE } from '../../../src/main/core/cache/cache';
import { BUILT_IN_DICTIONARY, dictionaryIdOf, loadDictionary, unpackContent } from '../../../src/main/core/cache/codec';
import { HIT_END, HIT_START } from '../../../src/main/core/cache/search';
import { HOUR, MINUTE, T0, backendDetail, backendSummary, tempCache, tempDir, vapiCall, vapiObs } from './helpers';

/** A second connection on the same file, able to read the search index's content view. */
function inspect(cache: Cache): Database.Database {
  const db = new Database(cache.path);
  // Read up front: the SQL function below cannot query while it runs inside a query.
  const stored = db.prepare('SELECT id, data FROM raw_dictionaries').all() as { id: number; data: Buffer }[];
  const dictionaries = new Map(stored.map((row) => [row.id, loadDictionary(row.data)]));
  const dictionary = (id: number) => (id === 0 ? BUILT_IN_DICTIONARY : dictionaries.get(id));
  db.function('ava_call_text', (blob: unknown, part: unknown) => {
    if (!(blob instanceof Uint8Array)) return null;
    const content = unpackContent(blob, dictionary);
    return part === 0 ? content.transcript : content.summary;
  });
  return db;
}

/** A call's content as packed, before compression (cache/codec.ts): its header, then its parts. */
function laidOutContent(cache: Cache, id: string): string {
  const db = inspect(cache);
  const blob = db.prepare('SELECT content FROM calls WHERE id = ?').pluck().get(id) as Buffer;
  const dictionaryId = dictionaryIdOf(blob);
  const stored = db.prepare('SELECT data FROM raw_dictionaries WHERE id = ?').pluck().get(dictionaryId) as
    Buffer | undefined;
  db.close();
  const dictionary = stored === undefined ? BUILT_IN_DICTIONARY : loadDictionary(stored);
  // The tag byte, then the id in LEB128 (7 bits a byte).
  const start = 1 + (dictionaryId < 2 ** 7 ? 1 : dictionaryId < 2 ** 14 ? 2 : 3);
  return inflateRawSync(blob.subarray(start), { dictionary }).toString('utf8');
}

function ftsIntegrity(cache: Cache): void {
  const db = inspect(cache);
  try {
    db.prepare("INSERT INTO calls_fts (calls_fts, rank) VALUES ('integrity-check', 1)").run();
  } finally {
    db.close();
  }
}

const ids = (items: CallListItem[]) => items.map((i) => i.id);
const search = (cache: Cache, text: string) => ids(cache.listCalls({ text }).items).sort();

describe('upsert and getCall', () => {
  it('stores a Vapi call with its turns, recording and sources', () => {
    const cache = tempCache();
    const result = cache.upsert([vapiObs({ id: 'c1', customer: { number: '+33612345678', name: 'Zoë' } })]);
    expect(result).toEqual({ created: ['c1'], changed: [], refreshed: [], unchanged: 0 });
    const call = cache.getCall('c1');
    expect(call).toMatchObject({
      id: 'c1',
      status: 'ended',
      customerName: 'Zoë',
      customerNumber: '+33612345678',
      transcriptState: 'full',
      inVapi: true,
      inBackend: false,
      recordingUrl: 'https://storage.vapi.ai/c1-mono.wav',
      durationSeconds: 120,
      vapiSeenAt: new Date(T0 + HOUR).toISOString(),
      backendSeenAt: null,
    });
    expect(call?.turns).toEqual([
      { role: 'assistant', label: 'bot', text: 'Bonjour, cabinet Lefèvre, je suis AVA.', offsetSeconds: 0 },
      { role: 'user', label: 'user', text: 'Je voudrais un rendez-vous.', offsetSeconds: 1.5 },
    ]);
    expect(call?.transcript).toBe('AVA: Bonjour, cabinet Lefèvre, je suis AVA.\n\nCaller: Je voudrais un rendez-vous.');
    expect(cache.getCall('nope')).toBeNull();
    expect(cache.getRawJson('c1')?.vapi).toEqual(
      vapiCall({ id: 'c1', customer: { number: '+33612345678', name: 'Zoë' } }),
    );
  });

  it('reports created, changed, refreshed and unchanged calls, and skips writes that change nothing', () => {
    const cache = tempCache();
    cache.upsert([vapiObs({ id: 'c1' }), vapiObs({ id: 'c2' })]);
    expect(cache.upsert([vapiObs({ id: 'c1' })])).toEqual({ created: [], changed: [], refreshed: [], unchanged: 1 });
    // Seen again later, same version: only the seen time moves.
    expect(cache.upsert([vapiObs({ id: 'c1' }, T0 + 2 * HOUR)]).refreshed).toEqual(['c1']);
    expect(cache.getCall('c1')?.vapiSeenAt).toBe(new Date(T0 + 2 * HOUR).toISOString());
    // A newer version with a new summary: changed.
    expect(cache.upsert([vapiObs({ id: 'c2', summary: 'Rappeler Hélène', updatedMinutes: 9 })]).changed).toEqual([
      'c2',
    ]);
    // The backend now has c1 too: changed (its sources changed).
    expect(cache.upsert([backendSummary({ id: 'c1' })]).changed).toEqual(['c1']);
  });

  it('keeps the cached transcript when the backend answers null after 24 h', () => {
    const cache = tempCache();
    const text = 'AVA: Bonjour, cabinet Lefèvre.\n\nCaller: Un rendez-vous pour Hélène, mardi.';
    cache.upsert([backendDetail({ id: 'c1', transcript: text }, T0 + HOUR)]);
    expect(cache.getCall('c1')?.transcriptState).toBe('full');
    const later = T0 + 30 * HOUR;
    const result = cache.upsert([
      backendDetail({ id: 'c1', transcript: null }, later),
      backendSummary({ id: 'c1', preview: null }, later),
    ]);
    expect(result.changed).toEqual([]);
    const call = cache.getCall('c1');
    expect(call?.transcriptState).toBe('full');
    expect(call?.turns.map((t) => t.text)).toEqual(['Bonjour, cabinet Lefèvre.', 'Un rendez-vous pour Hélène, mardi.']);
    expect(call?.backendSeenAt).toBe(new Date(later).toISOString());
    // The raw JSON is the backend's latest word, scrubbed; the transcript lives on in the turns.
    expect((cache.getRawJson('c1')?.backend as { transcript: unknown }).transcript).toBeNull();
    expect(search(cache, 'helene')).toEqual(['c1']);
  });

  it('a call the backend scrubbed before we saw it is expired, and a later full one replaces that', () => {
    const cache = tempCache();
    cache.upsert([backendSummary({ id: 'c1', preview: null }, T0 + 30 * HOUR)]);
    expect(cache.getCall('c1')?.transcriptState).toBe('expired');
    cache.upsert([vapiObs({ id: 'c1' })]);
    expect(cache.getCall('c1')?.transcriptState).toBe('full');
  });

  it("Vapi's artifact wins over the backend's transcript, whatever the order", () => {
    const vapi = vapiObs({ id: 'c1', said: [['bot', 'From Vapi']] });
    const backend = backendDetail({ id: 'c1', transcript: 'AVA: From the backend' }, T0 + 5 * HOUR);
    const a = tempCache();
    a.upsert([vapi]);
    a.upsert([backend]);
    const b = tempCache();
    b.upsert([backend]);
    b.upsert([vapi]);
    expect(a.getCall('c1')?.turns.map((t) => t.text)).toEqual(['From Vapi']);
    expect(b.getCall('c1')).toEqual(a.getCall('c1'));
  });

  it('gives the same calls whatever the order and batching of the observations (property)', () => {
    const pool: CallObservation[] = [
      vapiObs({ id: 'a', status: 'in-progress', updatedMinutes: 1, said: [['bot', 'Bonjour']] }),
      vapiObs({
        id: 'a',
        updatedMinutes: 3,
        said: [
          ['bot', 'Bonjour'],
          ['user', 'Rendez-vous mardi'],
        ],
      }),
      backendSummary({ id: 'a', preview: 'AVA: Bonjour' }, T0 + HOUR),
      backendDetail({ id: 'a', transcript: 'AVA: Bonjour\n\nCaller: Rendez-vous' }, T0 + 2 * HOUR),
      backendDetail({ id: 'a', transcript: null }, T0 + 30 * HOUR),
      backendSummary({ id: 'b', customer: { number: 'Unknown' } }, T0 + HOUR),
      vapiObs({ id: 'b', customer: { number: '+33611111111', name: 'Inès' } }),
      backendDetail({ id: 'b', status: 'busy', transcript: 'No transcript available' }, T0 + 3 * HOUR),
    ];
    const expected = (() => {
      const cache = tempCache();
      cache.upsert(pool);
      return [cache.getCall('a'), cache.getCall('b'), cache.getRawJson('a'), cache.getRawJson('b')];
    })();
    fc.assert(
      fc.property(
        fc.shuffledSubarray(pool, { minLength: pool.length }),
        fc.integer({ min: 1, max: pool.length }),
        (order, size) => {
          const cache = tempCache();
          for (let i = 0; i < order.length; i += size) cache.upsert(order.slice(i, i + size));
          expect([cache.getCall('a'), cache.getCall('b'), cache.getRawJson('a'), cache.getRawJson('b')]).toEqual(
            expected,
          );
          cache.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('applies sync_state changes in the same transaction as the calls', () => {
    const cache = tempCache();
    cache.upsert([vapiObs({ id: 'c1' })], {
      syncState: { 'vapi.watermark': '2026-01-15T10:00:00Z', 'vapi.cursor': { page: 3 } },
    });
    expect(cache.getSyncState('vapi.watermark')).toBe('2026-01-15T10:00:00Z');
    expect(cache.getSyncState<{ page: number }>('vapi.cursor')).toEqual({ page: 3 });
    const broken = { ...vapiObs({ id: 'c2' }), seenAt: Number.NaN, version: Number.NaN };
    expect(() => cache.upsert([vapiObs({ id: 'c3' }), broken], { syncState: { 'vapi.watermark': 'moved' } })).toThrow();
    expect(cache.getSyncState('vapi.watermark')).toBe('2026-01-15T10:00:00Z');
    expect(cache.getCall('c3')).toBeNull();
    cache.setSyncState('k', [1, 'two']);
    expect(cache.getSyncState('k')).toEqual([1, 'two']);
    cache.deleteSyncState('k');
    expect(cache.getSyncState('k')).toBeUndefined();
    cache.upsert([], { syncState: { 'vapi.cursor': undefined } });
    expect(cache.getSyncState('vapi.cursor')).toBeUndefined();
  });
});

describe('listCalls', () => {
  interface Row {
    id: string;
    at: number;
    status: string;
    assistantId: string;
  }
  const row = fc.record({
    // Few distinct minutes: many calls share a start time, so the tie-break is exercised.
    at: fc.integer({ min: 0, max: 20 }),
    status: fc.constantFrom('ended', 'in-progress', 'queued'),
    assistantId: fc.constantFrom('asst-1', 'asst-2'),
  });

  function model(rows: Row[], query: CallListQuery): string[] {
    return (
      rows
        .filter((r) => query.status === undefined || r.status === query.status)
        .filter((r) => query.assistantId === undefined || r.assistantId === query.assistantId)
        .filter((r) => query.from === undefined || T0 + r.at * MINUTE >= Date.parse(query.from))
        .filter((r) => query.to === undefined || T0 + r.at * MINUTE <= Date.parse(query.to))
        // Ties: the later stored first (ids are numbered in the order the rows are stored).
        .sort((x, y) => y.at - x.at || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0))
        .map((r) => r.id)
    );
  }

  it('pages newest first by start, then most recently stored, with a keyset cursor and the right total (property)', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.record({
          status: fc.option(fc.constantFrom('ended', 'in-progress'), { nil: undefined }),
          assistantId: fc.option(fc.constant('asst-2'), { nil: undefined }),
          from: fc.option(fc.constant(new Date(T0 + 5 * MINUTE).toISOString()), { nil: undefined }),
          to: fc.option(fc.constant(new Date(T0 + 15 * MINUTE).toISOString()), { nil: undefined }),
        }),
        (specs, limit, filters) => {
          const rows = specs.map((s, i) => ({ ...s, id: `call-${String(i).padStart(3, '0')}` }));
          const cache = tempCache();
          cache.upsert(rows.map((r) => vapiObs({ id: r.id, at: r.at, status: r.status, assistantId: r.assistantId })));
          const query: CallListQuery = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let guard = 0; guard < 100; guard++) {
            const page = cache.listCalls({ ...query, limit, ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            expect(page.total).toBe(model(rows, query).length);
            seen.push(...ids(page.items));
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
          }
          expect(seen).toEqual(model(rows, query));
          cache.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a cursor it did not make, and an invalid query', () => {
    const cache = tempCache();
    expect(() => cache.listCalls({ cursor: 'garbage' })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => cache.listCalls({ cursor: 't:abc:x' })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => cache.listCalls({ text: 'x', cursor: 't:1:x' })).toThrow(
      expect.objectContaining({ code: 'invalid-input' }),
    );
    expect(() => cache.listCalls({ limit: 0 })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
  });
});

describe('search', () => {
  function seeded(): Cache {
    const cache = tempCache();
    cache.upsert([
      vapiObs({ id: 'helene', at: 1, said: [['user', "C'est pour un rendez-vous avec Hélène, mardi à 10h30."]] }),
      vapiObs({
        id: 'zoe',
        at: 2,
        customer: { number: '+33699999999', name: 'Zoë Faure' },
        said: [['user', 'Bonjour']],
      }),
      vapiObs({
        id: 'dentist',
        at: 3,
        summary: 'Caller booked a cleaning',
        said: [['user', 'I need a cleaning please']],
      }),
      vapiObs({ id: 'other', at: 4, said: [['user', 'Je rappellerai demain.']] }),
    ]);
    return cache;
  }

  it('ignores accents and case, and matches words the tokenizer splits', () => {
    const cache = seeded();
    expect(search(cache, 'helene')).toEqual(['helene']);
    expect(search(cache, 'HÉLÈNE')).toEqual(['helene']);
    expect(search(cache, 'rendez-vous')).toEqual(['helene']);
    expect(search(cache, 'rendez vous')).toEqual(['helene']);
    expect(search(cache, 'zoe')).toEqual(['zoe']);
    expect(search(cache, 'faure')).toEqual(['zoe']);
    expect(search(cache, '33699999999')).toEqual(['zoe']);
    expect(search(cache, 'booked')).toEqual(['dentist']);
    expect(search(cache, 'nothing-like-this')).toEqual([]);
  });

  it('matches the last word as a prefix, as one types', () => {
    const cache = seeded();
    expect(search(cache, 'rendez-vous hél')).toEqual(['helene']);
    expect(search(cache, 'clean')).toEqual(['dentist']);
  });

  it('returns snippets as pieces, hits marked, no markup', () => {
    const cache = seeded();
    const [item] = cache.listCalls({ text: 'helene' }).items;
    expect(item?.snippet?.filter((p) => p.hit).map((p) => p.text)).toEqual(['Hélène']);
    expect(item?.snippet?.map((p) => p.text).join('')).toContain('rendez-vous avec Hélène');
    expect(JSON.stringify(item?.snippet)).not.toMatch(/[<>]/);
    expect(item?.snippet?.every((p) => !p.text.includes(HIT_START) && !p.text.includes(HIT_END))).toBe(true);
  });

  it('ranks by relevance, pages through every match once, and combines with filters', () => {
    const cache = tempCache();
    cache.upsert(
      Array.from({ length: 30 }, (_, i) =>
        vapiObs({
          id: `c${String(i).padStart(2, '0')}`,
          at: i % 5,
          status: i % 3 === 0 ? 'in-progress' : 'ended',
          said: [['user', `${'bla '.repeat(i)}rendez-vous ${i % 2 === 0 ? 'rendez-vous rendez-vous' : ''}`]],
        }),
      ),
    );
    const first = cache.listCalls({ text: 'rendez-vous', limit: 4 });
    expect(first.total).toBe(30);
    // Short transcripts with the word three times come first.
    expect(first.items[0]?.id).toBe('c00');
    const seen = ids(first.items);
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = cache.listCalls({ text: 'rendez-vous', limit: 4, cursor });
      seen.push(...ids(page.items));
      cursor = page.nextCursor;
    }
    expect(seen.length).toBe(30);
    expect(new Set(seen).size).toBe(30);
    expect(cache.listCalls({ text: 'rendez', status: 'in-progress' }).total).toBe(10);
  });

  it('never throws on what a user may type (property)', () => {
    const cache = seeded();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.constantFrom('', '"', 'AND(', 'NEAR(', '*', ')'),
        (text, nasty) => {
          const page = cache.listCalls({ text: `${nasty}${text}${nasty}`.slice(0, 500) });
          expect(Array.isArray(page.items)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('text with nothing searchable lists everything', () => {
    const cache = seeded();
    expect(cache.listCalls({ text: '"(*)"' }).total).toBe(4);
  });
});

describe('triggers keep the search index in step', () => {
  it('on insert, update and delete', () => {
    const cache = tempCache();
    cache.upsert([vapiObs({ id: 'c1', said: [['user', 'Ancienne demande de devis']] })]);
    expect(search(cache, 'devis')).toEqual(['c1']);
    cache.upsert([vapiObs({ id: 'c1', updatedMinutes: 10, said: [['user', 'Nouvelle demande de facture']] })]);
    expect(search(cache, 'devis')).toEqual([]);
    expect(search(cache, 'facture')).toEqual(['c1']);
    cache.upsert([
      vapiObs({
        id: 'c1',
        updatedMinutes: 11,
        customer: { number: '+33612345678', name: 'Amélie' },
        said: [['user', 'Nouvelle demande de facture']],
      }),
    ]);
    expect(search(cache, 'amelie')).toEqual(['c1']);
    ftsIntegrity(cache);
    expect(cache.deleteCalls(['c1', 'missing'])).toBe(1);
    expect(search(cache, 'facture')).toEqual([]);
    expect(cache.getCall('c1')).toBeNull();
    ftsIntegrity(cache);
  });

  it("keeps a Vapi call's turns as a reference to its JSON through later writes, and the index whole", () => {
    const cache = tempCache();
    const stored = (id: string) => {
      const db = inspect(cache);
      const blob = db.prepare('SELECT content FROM calls WHERE id = ?').pluck().get(id) as Buffer;
      const rows = db.prepare('SELECT id, data FROM raw_dictionaries').all() as { id: number; data: Buffer }[];
      db.close();
      const dictionaries = new Map(rows.map((row) => [row.id, loadDictionary(row.data)]));
      return unpackContent(blob, (n) => (n === 0 ? BUILT_IN_DICTIONARY : dictionaries.get(n)));
    };
    const said: [string, string][] = [
      ['bot', 'Bonjour, cabinet Lefèvre.'],
      ['user', 'Je rappelle pour la facture de Mme Núñez.'],
    ];
    // The backend first (its own transcript, copied), then Vapi (whose JSON holds the turns).
    cache.upsert([backendDetail({ id: 'c1', transcript: 'AVA: Bonjour.\n\nCaller: Allô ?' })]);
    expect(stored('c1').turnsFromVapiJson).toBe(false);
    cache.upsert([vapiObs({ id: 'c1', said })]);
    expect(stored('c1').turnsFromVapiJson).toBe(true);
    // Packed again for a newer backend JSON: the turns stay a reference, read back as Vapi gave them.
    cache.upsert([backendDetail({ id: 'c1', transcript: 'AVA: Bonjour, cabinet Lefèvre.' }, T0 + 2 * HOUR)]);
    const after = stored('c1');
    expect(after.turnsFromVapiJson).toBe(true);
    expect(after.backendJson).toContain('cabinet Lefèvre');
    expect(cache.getCall('c1')?.turns.map((t) => t.text)).toEqual(said.map(([, text]) => text));
    expect(search(cache, 'nunez facture')).toEqual(['c1']);
    // A newer Vapi version with other words: re-indexed through the reference.
    cache.upsert([vapiObs({ id: 'c1', updatedMinutes: 30, said: [['user', 'Finalement un devis.']] })]);
    expect(search(cache, 'facture')).toEqual([]);
    expect(search(cache, 'devis')).toEqual(['c1']);
    ftsIntegrity(cache);
    // A call whose JSON had something stripped keeps a copy of its turns: the stored JSON is not what they came from.
    cache.upsert([vapiObs({ id: 'c2', extra: { transport: { authorization: 'Bearer abcdefghijklmnop' } } })]);
    expect(stored('c2').turnsFromVapiJson).toBe(false);
    expect(cache.getCall('c2')?.turns.length).toBe(2);
    ftsIntegrity(cache);
  });

  it('keeps a page slice of a Vapi call without its copies of the conversation, and gives back the bytes received', () => {
    const cache = tempCache();
    const call = vapiCall({
      id: 'c1',
      said: [
        ['bot', 'Bonjour, cabinet Lefèvre.'],
        ['user', 'Un devis, « vite » !'],
      ],
    });
    const artifact = call.artifact as { messages: { role: string; message: string }[] };
    Object.assign(artifact, {
      messagesOpenAIFormatted: artifact.messages.map((m) => ({
        role: m.role === 'bot' ? 'assistant' : m.role,
        content: m.message,
      })),
    });
    const bytes = Buffer.from(JSON.stringify(call));
    cache.upsert([observeVapiCall(call, T0, { json: bytes }) as CallObservation]);
    const laidOut = laidOutContent(cache, 'c1');
    expect(laidOut).toContain('"r":["t","o"]');
    expect(laidOut).toContain('"messagesOpenAIFormatted":0');
    expect(JSON.stringify(cache.getRawJson('c1')?.vapi)).toBe(bytes.toString('utf8'));
    expect(cache.getCall('c1')?.turns.map((t) => t.text)).toEqual([
      'Bonjour, cabinet Lefèvre.',
      'Un devis, « vite » !',
    ]);
    expect(search(cache, 'devis')).toEqual(['c1']);
    ftsIntegrity(cache);
  });

  it('a refresh that changes no indexed text leaves the index untouched', () => {
    const cache = tempCache();
    cache.upsert(Array.from({ length: 20 }, (_, i) => vapiObs({ id: `c${i}`, at: i })));
    const index = () => {
      const db = inspect(cache);
      const rows = db.prepare('SELECT id, block FROM calls_fts_data ORDER BY id').all();
      db.close();
      return rows;
    };
    const before = index();
    const result = cache.upsert(Array.from({ length: 20 }, (_, i) => vapiObs({ id: `c${i}`, at: i }, T0 + 9 * HOUR)));
    expect(result.refreshed.length).toBe(20);
    expect(index()).toEqual(before);
    ftsIntegrity(cache);
  });
});

describe('missing from the backend', () => {
  it('lists ended calls Vapi has and the backend does not, within the backend window', () => {
    const cache = tempCache();
    cache.upsert([
      vapiObs({ id: 'too-old', at: -120 }),
      vapiObs({ id: 'both', at: 0 }),
      backendSummary({ id: 'both', at: 0 }),
      vapiObs({ id: 'missing-1', at: 10 }),
      vapiObs({ id: 'live', at: 20, status: 'in-progress' }),
      vapiObs({ id: 'missing-2', at: 30 }),
      backendSummary({ id: 'backend-only', at: 40 }),
    ]);
    const report = cache.missingFromBackend();
    expect(report.since).toBe(new Date(T0).toISOString());
    expect(report.count).toBe(2);
    expect(ids(report.items)).toEqual(['missing-2', 'missing-1']);
    expect(ids(cache.listCalls({ onlyMissingFromBackend: true }).items)).toEqual(['missing-2', 'missing-1']);
    expect(cache.missingFromBackend({ since: null }).count).toBe(3);
    expect(cache.missingFromBackend({ since: new Date(T0 + 20 * MINUTE).toISOString() }).count).toBe(1);
    expect(cache.missingFromBackend({ limit: 1 })).toMatchObject({ count: 2, items: [{ id: 'missing-2' }] });
    // Once the backend has it, it is no longer missing.
    cache.upsert([backendSummary({ id: 'missing-1', at: 10 })]);
    expect(cache.missingFromBackend().count).toBe(1);
    expect(cache.counts()).toMatchObject({ calls: 6, inBackend: 3, inVapi: 5, missingFromBackend: 1 });
  });
});

describe('what the sync needs', () => {
  it('lists calls lacking a full transcript, the backend ids, and what is known of given ids', () => {
    const cache = tempCache();
    cache.upsert([
      vapiObs({ id: 'full', at: 1 }),
      backendSummary({ id: 'preview', at: 2 }),
      backendSummary({ id: 'expired', at: 3, preview: null }, T0 + 40 * HOUR),
      vapiObs({ id: 'none', at: 4, said: [] }),
    ]);
    expect(cache.callsLackingFullTranscript().map((c) => [c.id, c.transcriptState])).toEqual([
      ['none', 'none'],
      ['expired', 'expired'],
      ['preview', 'preview'],
    ]);
    expect(
      cache.callsLackingFullTranscript({ limit: 1, since: new Date(T0 + 3 * MINUTE).toISOString() }).map((c) => c.id),
    ).toEqual(['none']);
    expect([...cache.backendIds()].sort()).toEqual(['expired', 'preview']);
    const known = cache.lookup(['full', 'preview', 'unknown']);
    expect([...known.keys()]).toEqual(['full', 'preview']);
    expect(known.get('preview')).toMatchObject({
      inBackend: true,
      inVapi: false,
      transcriptState: 'preview',
      status: 'completed',
    });
    expect(cache.counts().transcripts).toEqual({ full: 1, preview: 1, expired: 1, none: 1 });
  });
});

describe('no secrets', () => {
  it('holds no secret-looking data: raw JSON is stored without the credentials calls carry', () => {
    const secrets = [
      'whsec_tilleuls_5f3a9c2e7b',
      'sk-live-abcdefghijklmnop',
      'tw-auth-0123456789abcdef',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig',
    ];
    const call = vapiCall({
      id: 'c1',
      extra: {
        assistant: {
          name: 'Réception',
          server: { url: 'https://ava.example/api/v1/webhooks/vapi', headers: { 'x-vapi-secret': secrets[0] } },
          credentials: [{ provider: 'openai', apiKey: secrets[1] }],
        },
        phoneNumber: { provider: 'twilio', twilioAccountSid: 'AC0123', twilioAuthToken: secrets[2] },
        transport: { authorization: `Bearer ${secrets[3]}` },
      },
    });
    const cache = tempCache();
    cache.upsert([observeVapiCall(call, T0) as CallObservation]);
    cache.checkpoint();
    const dir = dirname(cache.path);
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1'));
    const raw = JSON.stringify(cache.getRawJson('c1'));
    for (const secret of secrets) {
      for (const file of files) expect(file).not.toContain(secret);
      expect(raw).not.toContain(secret);
    }
    // Everything else is kept.
    expect(raw).toContain('https://ava.example/api/v1/webhooks/vapi');
    expect(raw).toContain('AC0123');
    // And nothing secret-shaped that was not given either.
    const db = inspect(cache);
    const text = (db.prepare('SELECT group_concat(value) FROM sync_state').pluck().get() as string | null) ?? '';
    db.close();
    expect(text + raw).not.toMatch(/Bearer\s+\w|sk-[A-Za-z0-9]{8}|eyJ[\w-]+\.[\w-]+\./);
  });

  it('uses a fresh folder per test', () => {
    expect(tempDir()).not.toBe(tempDir());
  });
});

describe('compression dictionaries', () => {
  it('one per assistant and prompt, shared by its calls, and none left behind by a rolled-back batch', () => {
    const cache = tempCache();
    const broken = { ...vapiObs({ id: 'x', assistantId: 'asst-new' }), seenAt: Number.NaN, version: Number.NaN };
    expect(() => cache.upsert([vapiObs({ id: 'first', assistantId: 'asst-new' }), broken])).toThrow();
    cache.upsert([vapiObs({ id: 'a1', assistantId: 'asst-new' }), vapiObs({ id: 'a2', assistantId: 'asst-new' })]);
    cache.upsert([vapiObs({ id: 'b1', assistantId: 'asst-other' })]);
    const db = inspect(cache);
    expect(db.prepare('SELECT count(*) FROM raw_dictionaries').pluck().get()).toBe(2);
    db.close();
    // Everything reads back, in this connection and in a fresh one.
    expect(cache.getRawJson('a2')?.vapi).toEqual(vapiCall({ id: 'a2', assistantId: 'asst-new' }));
    const path = cache.path;
    cache.close();
    const again = tempCache(path);
    expect(again.getCall('b1')?.turns).toHaveLength(2);
    expect(search(again, 'voudrais')).toEqual(['a1', 'a2', 'b1']);
    ftsIntegrity(again);
  });
});

describe('upkeep', () => {
  it('optimize() compacts the file and keeps every call and the search index whole', () => {
    const cache = tempCache();
    for (let page = 0; page < 5; page++) {
      cache.upsert(Array.from({ length: 40 }, (_, i) => vapiObs({ id: `p${page}-${i}`, at: -(page * 40 + i) })));
    }
    cache.deleteCalls(Array.from({ length: 40 }, (_, i) => `p2-${i}`));
    cache.optimize();
    cache.checkpoint();
    expect(cache.counts().calls).toBe(160);
    expect(cache.listCalls({ text: 'voudrais' }).total).toBe(160);
    expect(cache.getCall('p4-39')?.turns).toHaveLength(2);
    ftsIntegrity(cache);
    const db = inspect(cache);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('optimize() vacuums with a small page cache and gives the connection its own back', () => {
    const cache = tempCache();
    cache.upsert([vapiObs({ id: 'v1', at: -1 })]);
    const db = (cache as unknown as { db: Database.Database }).db;
    const sizes: unknown[] = [];
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => {
      if (/VACUUM/.test(sql)) sizes.push(db.pragma('cache_size', { simple: true }));
      return exec(sql);
    };
    cache.optimize();
    expect(sizes).toEqual([VACUUM_CACHE_SIZE]);
    expect(db.pragma('cache_size', { simple: true })).toBe(-16000);
    expect(cache.getCall('v1')?.turns).toHaveLength(2);
  });
});
