import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIT_END, HIT_START, snippetParts, toFtsQuery } from '../../../src/main/core/cache/search';

describe('toFtsQuery', () => {
  it('quotes each word, requires all, and matches the last as a prefix', () => {
    expect(toFtsQuery('rendez-vous Hélène')).toBe('"rendez-vous" "Hélène"*');
    expect(toFtsQuery('  mardi  ')).toBe('"mardi"*');
    expect(toFtsQuery('"quoted" AND( NEAR')).toBe('"quoted" "AND" "NEAR"*');
    expect(toFtsQuery('say "hi"')).toBe('"say" "hi"*');
    expect(toFtsQuery('a"b')).toBe('"a""b"*');
  });

  it('gives no query for text with nothing searchable', () => {
    expect(toFtsQuery('')).toBeNull();
    expect(toFtsQuery('   ')).toBeNull();
    expect(toFtsQuery('( ) * " -- 😀')).toBeNull();
  });

  it('never produces an FTS syntax error, whatever the input (property)', () => {
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE t USING fts5 (a, tokenize = 'unicode61 remove_diacritics 2')");
    db.prepare('INSERT INTO t (a) VALUES (?)').run('Bonjour Hélène, rendez-vous mardi à 10h30 "quoted" AND NEAR(x)');
    const search = db.prepare('SELECT count(*) FROM t WHERE t MATCH ?').pluck();
    const nasty = fc.constantFrom(
      '"',
      "'",
      '(',
      ')',
      '*',
      '^',
      ':',
      '-',
      '+',
      'AND',
      'OR',
      'NOT',
      'NEAR',
      'NEAR(',
      '{',
      '}',
      ',',
      '\\',
      '\u0000',
      '😀',
      'é',
      'e\u0301',
    );
    const text = fc.array(fc.oneof(nasty, fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constant(' ')), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(text, (parts) => {
        const query = toFtsQuery(parts.join(''));
        if (query !== null) expect(() => search.get(query)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
    db.close();
  });
});

describe('snippetParts', () => {
  it('turns the hit markers into pieces, with no markup', () => {
    expect(snippetParts(`…prendre ${HIT_START}rendez${HIT_END}-${HIT_START}vous${HIT_END} mardi`)).toEqual([
      { text: '…prendre ', hit: false },
      { text: 'rendez', hit: true },
      { text: '-', hit: false },
      { text: 'vous', hit: true },
      { text: ' mardi', hit: false },
    ]);
    expect(snippetParts('')).toEqual([]);
    expect(snippetParts(`${HIT_START}tout${HIT_END}`)).toEqual([{ text: 'tout', hit: true }]);
  });
});
