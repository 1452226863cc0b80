import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/shared/domain';
import {
  BUILT_IN_DICTIONARY,
  ContentReader,
  MAX_DICTIONARY_BYTES,
  dictionaryFromSample,
  dictionaryIdOf,
  loadDictionary,
  packContent,
  storeDictionary,
  textHash,
  transcriptText,
  unpackContent,
} from '../../../src/main/core/cache/codec';
import { vapiTurnsFromJson } from '../../../src/main/core/calls/observe';

const turn: fc.Arbitrary<Turn> = fc.record({
  role: fc.constantFrom('assistant', 'user', 'system', 'tool', 'other'),
  label: fc.string({ maxLength: 8 }),
  text: fc.string({ unit: 'grapheme', maxLength: 200 }),
  offsetSeconds: fc.option(
    fc.integer({ min: 0, max: 10_000_000 }).map((ms) => ms / 1000),
    { nil: null },
  ),
});
const json = fc.option(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  { nil: null },
);

describe('codec', () => {
  it('pins the built-in dictionary: stored values depend on its exact bytes', () => {
    expect(createHash('sha256').update(BUILT_IN_DICTIONARY).digest('hex')).toBe(
      'bf709128ba2ff3d2d53b8efd8e4d767c072fead341079fc3a24ee88abad2a5d8',
    );
  });

  it('round-trips any content, with text or bytes for the raw JSON (property)', () => {
    const sample = dictionaryFromSample(
      JSON.stringify({ id: 'x', artifact: { messages: [{ role: 'system', message: 'Tu es Ava.' }] } }),
    );
    const dictionaries = new Map([
      [0, BUILT_IN_DICTIONARY],
      [300_000, sample],
    ]);
    fc.assert(
      fc.property(
        fc.array(turn, { maxLength: 8 }),
        fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
        fc.option(fc.webUrl(), { nil: null }),
        json,
        json,
        fc.constantFrom(0, 300_000),
        fc.boolean(),
        (turns, summary, recordingUrl, backendJson, vapiJson, id, asBytes) => {
          const bytes = (s: string | null) => (s === null || !asBytes ? s : Buffer.from(s));
          const blob = packContent(
            { turns, summary, recordingUrl, backendJson: bytes(backendJson), vapiJson: bytes(vapiJson) },
            id,
            dictionaries.get(id) as Buffer,
          );
          expect(dictionaryIdOf(blob)).toBe(id);
          const decoded = unpackContent(blob, (n) => dictionaries.get(n));
          expect({ ...decoded, turns: decoded.turns, transcript: decoded.transcript }).toEqual({
            turns,
            transcript: turns.map((t) => t.text).join('\n'),
            turnsFromVapiJson: false,
            summary,
            recordingUrl,
            backendJson,
            vapiJson,
          });
        },
      ),
    );
  });

  it('stores the turns of a Vapi call as a reference to its JSON, and reads them back from it', () => {
    const call = {
      id: 'call-1',
      artifact: {
        messages: [
          { role: 'system', message: 'Tu es Ava.', time: 1000, secondsFromStart: 0 },
          {
            role: 'bot',
            message: 'Cabinet des Tilleuls, bonjour.',
            time: 1500,
            endTime: 3500,
            secondsFromStart: 0.5,
            duration: 2000,
          },
          {
            role: 'user',
            message: 'Bonjour, un rendez-vous pour Hélène ?',
            time: 4000,
            endTime: 6100,
            secondsFromStart: 3,
            duration: 2100,
          },
        ],
      },
    };
    const vapiJson = JSON.stringify(call);
    const turns = vapiTurnsFromJson(vapiJson);
    expect(turns.map((t) => t.text)).toEqual([
      'Cabinet des Tilleuls, bonjour.',
      'Bonjour, un rendez-vous pour Hélène ?',
    ]);
    const content = { turns, summary: 'Rappeler', recordingUrl: null, backendJson: '{"id":"call-1"}', vapiJson };
    const derived = packContent({ ...content, turnsFromVapiJson: true }, 0, BUILT_IN_DICTIONARY);
    const copied = packContent(content, 0, BUILT_IN_DICTIONARY);
    expect(derived.length).toBeLessThan(copied.length);
    for (const [blob, fromJson] of [
      [derived, true],
      [copied, false],
    ] as const) {
      const decoded = unpackContent(blob, () => BUILT_IN_DICTIONARY);
      expect(decoded.turnsFromVapiJson).toBe(fromJson);
      expect(decoded.turns).toEqual(turns);
      expect(decoded.transcript).toBe(transcriptText(turns));
      expect([decoded.summary, decoded.backendJson, decoded.vapiJson]).toEqual([
        'Rappeler',
        '{"id":"call-1"}',
        vapiJson,
      ]);
    }
    // The same JSON given as bytes (a page slice), its message timings rewritten inside: read back byte for byte.
    const fromBytes = packContent(
      { ...content, vapiJson: Buffer.from(vapiJson), turnsFromVapiJson: true },
      0,
      BUILT_IN_DICTIONARY,
    );
    expect(fromBytes.equals(derived)).toBe(true);
    const laidOut = inflateRawSync(derived.subarray(2), { dictionary: BUILT_IN_DICTIONARY }).toString('utf8');
    expect(laidOut).toMatch(/^\{"d":1,"b":\[[^\]]*\],"j":16\}\n/);
    expect(laidOut).not.toContain('endTime');
    // Without a Vapi JSON there is nothing to refer to: the turns are copied.
    const alone = packContent({ ...content, vapiJson: null, turnsFromVapiJson: true }, 0, BUILT_IN_DICTIONARY);
    expect(unpackContent(alone, () => BUILT_IN_DICTIONARY)).toMatchObject({ turnsFromVapiJson: false, turns });
  });

  it('reads content v1 blobs (schema 1) as they were stored', () => {
    const turns: Turn[] = [
      { role: 'assistant', label: 'AI', text: 'Bonjour.', offsetSeconds: 0.5 },
      { role: 'user', label: 'User', text: 'Salut ?', offsetSeconds: null },
    ];
    const header = JSON.stringify({
      t: [
        [1, 'AI', 500, 8],
        [0, 'User', null, 7],
      ],
      b: [16, 1, -1, -1, 2],
    });
    const v1 = Buffer.concat([
      Buffer.of(0x04, 0),
      deflateRawSync(Buffer.from(`${header}\nBonjour.\nSalut ?s{}`), { dictionary: BUILT_IN_DICTIONARY }),
    ]);
    const decoded = unpackContent(v1, () => BUILT_IN_DICTIONARY);
    expect(decoded).toMatchObject({ turnsFromVapiJson: false, summary: 's', recordingUrl: null, vapiJson: '{}' });
    expect(decoded.turns).toEqual(turns);
    expect(decoded.transcript).toBe('Bonjour.\nSalut ?');
  });

  it('refuses derived turns it does not know how to read', () => {
    const header = JSON.stringify({ d: 2, b: [-1, -1, -1, -1, 2] });
    const blob = Buffer.concat([
      Buffer.of(0x05, 0),
      deflateRawSync(Buffer.from(`${header}\n{}`), { dictionary: BUILT_IN_DICTIONARY }),
    ]);
    expect(() => unpackContent(blob, () => BUILT_IN_DICTIONARY)).toThrow(/Unknown transcript reading 2/);
  });

  it('round-trips contents larger than the small window, with a large dictionary', () => {
    const prompt = Array.from({ length: 900 }, (_, i) => `Règle ${i} : rappeler le ${(i * 7919) % 997}`).join('. ');
    const dictionary = dictionaryFromSample(
      JSON.stringify({ artifact: { messages: [{ role: 'system', message: prompt }] } }),
    );
    expect(dictionary.length).toBeGreaterThan(16 * 1024);
    const turns: Turn[] = Array.from({ length: 300 }, (_, i) => ({
      role: i % 2 === 0 ? 'assistant' : 'user',
      label: i % 2 === 0 ? 'AI' : 'User',
      text: `Phrase ${i} ${'é'.repeat(i % 50)} ${prompt.slice(i * 10, i * 10 + 80)}`,
      offsetSeconds: i,
    }));
    const vapiJson = JSON.stringify({ artifact: { messages: [{ role: 'system', message: prompt }] } });
    for (const [id, dict] of [
      [0, BUILT_IN_DICTIONARY],
      [1, dictionary],
    ] as const) {
      const blob = packContent({ turns, summary: 's', recordingUrl: null, backendJson: null, vapiJson }, id, dict);
      const decoded = unpackContent(blob, () => dict);
      expect(decoded.turns).toEqual(turns);
      expect(decoded.vapiJson).toBe(vapiJson);
    }
  });

  it('refuses an unknown dictionary or format', () => {
    const blob = packContent(
      { turns: [], summary: 's', recordingUrl: null, backendJson: null, vapiJson: null },
      7,
      BUILT_IN_DICTIONARY,
    );
    expect(() => unpackContent(blob, () => undefined)).toThrow(/Missing compression dictionary 7/);
    expect(() => unpackContent(Buffer.of(0x7f, 0, 1), () => BUILT_IN_DICTIONARY)).toThrow(/Unknown content format/);
  });

  it('makes dictionaries from a sample call without what its caller said', () => {
    const sample = JSON.stringify({
      id: 'call-1',
      assistantId: 'asst-1',
      customer: { number: '+33612345678', name: 'Hélène' },
      artifact: {
        messages: [
          { role: 'system', message: 'Tu es Ava, du cabinet des Tilleuls.' },
          { role: 'user', message: 'Mon code de porte est 4521' },
        ],
        recording: { mono: { combinedUrl: 'https://storage.vapi.ai/call-1-mono.wav' } },
      },
      analysis: { summary: 'Rappeler Hélène' },
    });
    const text = dictionaryFromSample(sample).toString('utf8');
    expect(text).toContain('Tu es Ava, du cabinet des Tilleuls.');
    expect(text).toContain('asst-1');
    expect(text).toContain('https://storage.vapi.ai/call-1-mono.wav');
    for (const said of ['4521', '+33612345678', 'Hélène']) expect(text).not.toContain(said);
    expect(
      dictionaryFromSample(JSON.stringify({ long: 'x', prompt: [{ role: 'system', message: 'p'.repeat(90_000) }] }))
        .length,
    ).toBe(MAX_DICTIONARY_BYTES);
    expect(loadDictionary(storeDictionary(dictionaryFromSample(sample)))).toEqual(dictionaryFromSample(sample));
  });

  it('a call packed against its assistant dictionary is much smaller', () => {
    const prompt = Array.from({ length: 200 }, (_, i) => `Règle ${i} : rappeler le ${(i * 7919) % 997}`).join('. ');
    const call = (id: string, said: string) =>
      JSON.stringify({
        id,
        assistantId: 'asst-1',
        artifact: {
          messages: [
            { role: 'system', message: prompt },
            { role: 'user', message: said },
          ],
        },
      });
    const dictionary = dictionaryFromSample(call('first', 'bonjour'));
    const content = {
      turns: [],
      summary: null,
      recordingUrl: null,
      backendJson: null,
      vapiJson: call('second', 'au revoir'),
    };
    expect(packContent(content, 1, dictionary).length).toBeLessThan(
      packContent(content, 0, BUILT_IN_DICTIONARY).length / 2,
    );
  });

  it('the reader answers the content it was just given without decompressing, and hashes tell text apart', () => {
    const reader = new ContentReader(() => BUILT_IN_DICTIONARY);
    const blob = packContent(
      { turns: [], summary: 'vrai', recordingUrl: null, backendJson: null, vapiJson: null },
      0,
      BUILT_IN_DICTIONARY,
    );
    reader.rememberForBatch(blob, { transcript: 'remembered', summary: null });
    expect(reader.read(Buffer.from(blob))).toEqual({ transcript: 'remembered', summary: null });
    const other = packContent(
      { turns: [], summary: 'autre', recordingUrl: null, backendJson: null, vapiJson: null },
      0,
      BUILT_IN_DICTIONARY,
    );
    expect(reader.read(other)).toEqual({ transcript: '', summary: 'autre' });
    reader.forgetBatch();
    expect(reader.read(blob)).toEqual({ transcript: '', summary: 'vrai' });
    expect(textHash({ transcript: 'a', summary: null })).not.toBe(textHash({ transcript: 'a', summary: '' }));
    expect(textHash({ transcript: 'a', summary: 'b' })).toBe(textHash({ transcript: 'a', summary: 'b' }));
    expect(Number.isSafeInteger(textHash({ transcript: 'x', summary: null }))).toBe(true);
  });

  it('hashes different texts differently, within 48 bits (property)', () => {
    const text = fc.record({
      transcript: fc.string({ unit: 'grapheme', maxLength: 300 }),
      summary: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
    });
    fc.assert(
      fc.property(text, text, fc.nat(), (x, y, at) => {
        const hx = textHash(x);
        expect(hx).toBeGreaterThanOrEqual(0);
        expect(hx).toBeLessThan(2 ** 48);
        if (x.transcript !== y.transcript || x.summary !== y.summary) expect(hx).not.toBe(textHash(y));
        // A one-character edit, the usual change.
        const i = x.transcript.length === 0 ? 0 : at % x.transcript.length;
        const edited = `${x.transcript.slice(0, i)}${x.transcript[i] === 'a' ? 'b' : 'a'}${x.transcript.slice(i + 1)}`;
        expect(textHash({ ...x, transcript: edited })).not.toBe(hx);
      }),
      { numRuns: 2000 },
    );
  });
});
