import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_DICTIONARY,
  MAX_DICTIONARY_BYTES,
  TextUnpacker,
  dictionaryFor,
  packJson,
  packText,
  unpack,
} from '../../../src/main/core/cache/codec';

describe('codec', () => {
  it('pins the built-in dictionary: stored values depend on its exact bytes', () => {
    expect(createHash('sha256').update(BUILT_IN_DICTIONARY).digest('hex')).toBe(
      'bf709128ba2ff3d2d53b8efd8e4d767c072fead341079fc3a24ee88abad2a5d8',
    );
  });

  it('round-trips any text, packed as JSON or as prose', () => {
    const dictionaries = new Map([
      [0, BUILT_IN_DICTIONARY],
      [7, dictionaryFor('You are AVA.')],
    ]);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), fc.constantFrom(0, 7), (text, id) => {
        expect(unpack(packText(text))).toBe(text);
        expect(unpack(packJson(text, id, dictionaries.get(id) as Buffer), (n) => dictionaries.get(n))).toBe(text);
        expect(
          unpack(packJson(Buffer.from(text), id, dictionaries.get(id) as Buffer), (n) => dictionaries.get(n)),
        ).toBe(text);
      }),
    );
  });

  it('writes large dictionary ids and refuses an unknown one', () => {
    const dictionary = dictionaryFor('prompt');
    const packed = packJson(JSON.stringify({ text: 'x'.repeat(500) }), 300_000, dictionary);
    expect(unpack(packed, (id) => (id === 300_000 ? dictionary : undefined))).toContain('xxx');
    expect(() => unpack(packed)).toThrow(/Missing compression dictionary 300000/);
    expect(() => unpack(Buffer.of(0x7f, 1, 2))).toThrow(/Unknown packed format/);
  });

  it('keeps only the usable end of a long prompt', () => {
    expect(dictionaryFor('a'.repeat(100_000)).length).toBe(MAX_DICTIONARY_BYTES);
  });

  it('compresses a prompt-heavy call well below its size', () => {
    const prompt = 'You are AVA. '.repeat(200) + 'Opening hours: 8:00 to 19:00.';
    const call = JSON.stringify({
      artifact: { messages: [{ role: 'system', message: prompt }], transcript: 'AI: Bonjour' },
    });
    const withDictionary = packJson(call, 1, dictionaryFor(prompt));
    const without = packJson(call, 0, BUILT_IN_DICTIONARY);
    expect(withDictionary.length).toBeLessThan(without.length);
  });

  it('the text unpacker answers the value it was just given without decompressing', () => {
    const texts = new TextUnpacker();
    const text = 'Bonjour Hélène, rendez-vous mardi à 10 h 30. '.repeat(20);
    const packed = packText(text);
    texts.remember(packed, 'remembered');
    expect(texts.unpack(Buffer.from(packed))).toBe('remembered');
    expect(texts.unpack(packText('autre chose, assez long pour être compressé. '.repeat(10)))).toMatch(/^autre chose/);
  });
});
