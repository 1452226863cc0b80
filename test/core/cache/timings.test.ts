import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTimings, encodeTimingsInto } from '../../../src/main/core/cache/timings';

/** `encodeTimingsInto` for a text: the rewritten text, or null when nothing is rewritten. */
function encodeTimings(text: string): string | null {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  const length = encodeTimingsInto(bytes, out);
  return length < 0 ? null : out.toString('utf8', 0, length);
}

/** Messages as Vapi writes them: times from `start`, `secondsFromStart` from the first one. */
function vapiMessages(start: number, gaps: number[], durations: number[]): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [
    { role: 'system', message: 'Tu es Ava.', time: start, secondsFromStart: 0 },
  ];
  let time = start;
  gaps.forEach((gap, i) => {
    time += gap;
    const duration = durations[i % durations.length] ?? 0;
    messages.push({
      role: i % 2 === 0 ? 'bot' : 'user',
      message: `phrase ${i} – « é »`,
      time,
      endTime: time + duration,
      secondsFromStart: (time - start) / 1000,
      duration,
      ...(i % 2 === 0 ? { source: '' } : {}),
    });
  });
  return messages;
}

describe('message timings', () => {
  it('rewrites what Vapi writes much shorter, and back byte for byte', () => {
    const text = JSON.stringify({
      id: 'c1',
      artifact: { messages: vapiMessages(1796316835851, [914, 7528, 5188], [6722, 4294]) },
    });
    const encoded = encodeTimings(text);
    expect(encoded).not.toBeNull();
    expect(encoded).toContain('"time":~914,"duration":6722');
    expect(encoded).not.toContain('endTime');
    expect((encoded as string).length).toBeLessThan(text.length - 150);
    expect(decodeTimings(encoded as string)).toBe(text);
  });

  it('leaves alone what would not come back exactly', () => {
    const base = { role: 'bot', message: 'x' };
    const text = JSON.stringify({
      messages: [
        { role: 'system', time: 1000, secondsFromStart: 0 },
        // endTime is not time + duration
        { ...base, time: 2000, endTime: 2600, secondsFromStart: 1, duration: 500 },
        // secondsFromStart is not measured from the first time
        { ...base, time: 3000, endTime: 3500, secondsFromStart: 1.5, duration: 500 },
        // goes back in time
        { ...base, time: 900, endTime: 1400, secondsFromStart: -0.1, duration: 500 },
        // keys in another order
        { ...base, time: 4000, secondsFromStart: 3, endTime: 4500, duration: 500 },
      ],
    });
    expect(encodeTimings(text)).toBeNull();
    // And a text already holding the mark is not JSON: never rewritten, so it decodes to itself.
    const odd = '{"time":1,"x":{"time":~5,"duration":2}}';
    expect(encodeTimings(odd)).toBeNull();
  });

  it('any JSON comes back as it was, with or without Vapi messages in it (property)', () => {
    const messages = fc
      .tuple(
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 4 }),
      )
      .map(([start, gaps, durations]) => vapiMessages(start, gaps, durations));
    fc.assert(
      fc.property(fc.jsonValue(), messages, fc.boolean(), (other, list, nested) => {
        const text = JSON.stringify(nested ? { other, artifact: { messages: list }, messages: list } : [list, other]);
        const encoded = encodeTimings(text);
        expect(encoded === null ? text : decodeTimings(encoded)).toBe(text);
        // Messages first: their system message's time is the first one, so the rest is rewritten.
        if (!nested && list.length > 1) expect(encoded).not.toBeNull();
      }),
      { numRuns: 300 },
    );
    // Messages that are almost Vapi's: a number off by one, a float, a string, a key missing, a time in the future.
    const perturbed = fc
      .tuple(
        messages,
        fc.array(
          fc.tuple(
            fc.nat(20),
            fc.constantFrom('time', 'endTime', 'secondsFromStart', 'duration'),
            fc.oneof(
              fc.integer(),
              fc.double({ noNaN: true, noDefaultInfinity: true }),
              fc.string(),
              fc.constant(undefined),
            ),
          ),
          { maxLength: 4 },
        ),
      )
      .map(([list, changes]) => {
        for (const [i, key, value] of changes) {
          const message = list[i % list.length] as Record<string, unknown>;
          if (value === undefined) delete message[key];
          else
            message[key] =
              typeof value === 'number' && key !== 'secondsFromStart' ? Number(message[key]) + value : value;
        }
        return JSON.stringify({ artifact: { messages: list } });
      });
    fc.assert(
      fc.property(perturbed, (text) => {
        const encoded = encodeTimings(text);
        expect(encoded === null ? text : decodeTimings(encoded)).toBe(text);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const encoded = encodeTimings(text);
        expect(encoded === null ? text : decodeTimings(encoded)).toBe(text);
      }),
    );
  });
});
