import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitJsonArray } from '../../../src/main/core/calls/json-array';

const decode = (slice: Uint8Array) => JSON.parse(Buffer.from(slice).toString('utf8')) as unknown;

describe('splitJsonArray', () => {
  it('splits any JSON array into its elements, as JSON.parse sees them (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 12 }), fc.boolean(), (items, pretty) => {
        const text = JSON.stringify(items, null, pretty ? 2 : undefined);
        const slices = splitJsonArray(Buffer.from(text));
        expect(slices.map(decode)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('handles escapes, brackets inside strings, unicode and whitespace', () => {
    const text = ' \n[ {"a":"x\\\\"} , "]\\"[,{" ,\t[1,[2]], "é😀", null ,3.5e2 ]\n';
    expect(splitJsonArray(Buffer.from(text)).map(decode)).toEqual([{ a: 'x\\' }, ']"[,{', [1, [2]], 'é😀', null, 350]);
    expect(splitJsonArray(Buffer.from('[]'))).toEqual([]);
    expect(splitJsonArray(Buffer.from('\ufeff[1]')).map(decode)).toEqual([1]);
  });

  it('returns views into the body, not copies', () => {
    const body = Buffer.from('[{"id":"a"},{"id":"b"}]');
    const [first] = splitJsonArray(body);
    expect(first?.buffer).toBe(body.buffer);
  });

  it.each(['', '{}', '[', '[1,', '[1 2', '["abc]', '[1,]', '[1]x', '[,1]'])('refuses %j', (text) => {
    expect(() => splitJsonArray(Buffer.from(text))).toThrow(SyntaxError);
  });
});
