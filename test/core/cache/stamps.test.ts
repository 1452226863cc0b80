import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALL_FIELDS, type CallRecord, type Stamp } from '../../../src/main/core/calls/merge';
import { packStamps, unpackStamps } from '../../../src/main/core/cache/stamps';

const stamp: fc.Arbitrary<Stamp> = fc.oneof(
  fc.constant([]),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -8.64e12, max: 8.64e12 })), {
    minLength: 1,
    maxLength: 3,
  }),
);

function recordWith(fields: Stamp[], transcript: Stamp, backend: Stamp | null, vapi: Stamp | null): CallRecord {
  const track = (s: Stamp | null) => (s === null ? null : { seenAt: 1, raw: { value: { text: '{}' }, stamp: s } });
  return {
    id: 'c',
    fields: Object.fromEntries(
      CALL_FIELDS.map((f, i) => [f, { value: null, stamp: fields[i] ?? [] }]),
    ) as unknown as CallRecord['fields'],
    transcript: { value: { state: 'none', turns: [] }, stamp: transcript },
    backend: track(backend),
    vapi: track(vapi),
    firstSeenAt: 1,
  };
}

describe('merge stamps, packed', () => {
  it('round-trip, times before 1970 included (property)', () => {
    fc.assert(
      fc.property(
        fc.array(stamp, { minLength: CALL_FIELDS.length, maxLength: CALL_FIELDS.length }),
        stamp,
        fc.option(stamp, { nil: null }),
        fc.option(stamp, { nil: null }),
        (fields, transcript, backend, vapi) => {
          const unpacked = unpackStamps(packStamps(recordWith(fields, transcript, backend, vapi)));
          expect(unpacked).toEqual({ fields, transcript, backend: backend ?? [], vapi: vapi ?? [] });
        },
      ),
    );
  });

  it('take a few dozen bytes for a typical call', () => {
    const v = Date.parse('2026-01-15T10:05:00Z');
    const fields = CALL_FIELDS.map((f) => (f === 'status' ? [4, 2, v] : f === 'assistantName' ? [] : [2, v]));
    expect(packStamps(recordWith(fields, [3, 2, v], null, [v])).length).toBeLessThan(60);
  });

  it('write an observation time once however many stamps hold it, and read v1 stamps as they were', () => {
    const v = Date.parse('2026-01-15T10:05:00Z');
    const fields = CALL_FIELDS.map((f) => (f === 'status' ? [4, 2, v] : f === 'cost' ? [v, 3] : [2, v]));
    const packed = packStamps(recordWith(fields, [3, 2, v], null, [v]));
    // 2v in LEB128 takes 6 bytes: written once, then a 1-byte repeat in each of the 4 other stamps.
    expect(packed.length).toBeLessThan(CALL_FIELDS.length + 3 + 1 + 1 + 5 * 3 + 6 + 4 + 4);
    expect(unpackStamps(packed).fields).toEqual(fields);
    // v1, as schema 1 wrote it: one stamp [2, 1000], every field and the Vapi raw on it, no transcript or backend.
    const refs = [...CALL_FIELDS.map(() => 1), 0, 0, 1];
    const v1 = Buffer.from([1, 2, 4, 0xd0, 0x0f, ...refs]);
    expect(unpackStamps(v1)).toEqual({
      fields: CALL_FIELDS.map(() => [2, 1000]),
      transcript: [],
      backend: [],
      vapi: [2, 1000],
    });
  });

  it('refuse what is not a whole number', () => {
    expect(() => packStamps(recordWith([[1.5]], [], null, null))).toThrow(/not a rank or a time/);
  });
});
