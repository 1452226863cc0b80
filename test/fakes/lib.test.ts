import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool } from './lib/buffer-pool';
import { createFakeClock } from './lib/clock';
import { compileRouteMatcher, createFaultController } from './lib/faults';
import { JsonWriter } from './lib/json-writer';
import { IndexedUuids, Rng, uuidFor } from './lib/rng';
import { Router, startFakeServer } from './lib/server';

describe('seeded randomness', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.uint32()
      )(Rng.of('x', 1)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.uint32()
      )(Rng.of('x', 1)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.uint32()
      )(Rng.of('x', 2)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(uuidFor(1, 'org')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFor(1, 'org')).toBe(uuidFor(1, 'org'));
  });

  it('encodes indexes into UUIDs and decodes them back without a table', () => {
    const ids = new IndexedUuids('seed:org');
    const seen = new Set<string>();
    for (const i of [0, 1, 2, 99_999, 123_456, 2 ** 40]) {
      const id = ids.encode(i);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(ids.decode(id)).toBe(i);
      seen.add(id);
    }
    expect(seen.size).toBe(6);
    expect(ids.decode('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(new IndexedUuids('other').decode(ids.encode(5))).toBeUndefined();
  });
});

describe('JSON writer', () => {
  /** Any UTF-16 code units: lone surrogates, controls, quotes and backslashes included. */
  const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
  const written = (write: (w: JsonWriter) => void): string => {
    const w = new JsonWriter(8);
    write(w);
    return w.view().toString('latin1');
  };
  const expected = (json: string): string => Buffer.from(json, 'utf8').toString('latin1');

  it('writes strings with the bytes of Buffer.from(JSON.stringify(s))', () => {
    const property = (s: string): void => {
      // A string built by concatenation too: the writer must not depend on how V8 holds it.
      const built = [...s].reduce((out, c) => out + c, '');
      expect(written((w) => w.string(s))).toBe(expected(JSON.stringify(s)));
      expect(written((w) => w.string(built))).toBe(expected(JSON.stringify(s)));
      expect(written((w) => w.sharedString(s))).toBe(expected(JSON.stringify(s)));
      expect(written((w) => w.raw(JSON.stringify(s)))).toBe(expected(JSON.stringify(s)));
      expect(written((w) => w.raw(s))).toBe(expected(s));
    };
    fc.assert(fc.property(anyUnits, property), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), property), { numRuns: 300 });
    for (const s of [
      '',
      '"',
      '\\',
      '\n\t\r\b\f\u0000\u001f\u007f',
      'l’été 🙏 \u2028',
      '\ud83d',
      '\ude4f',
      '\ude4f\ud83d',
      'x'.repeat(600),
    ]) {
      property(s);
    }
  });

  it('prints numbers and ISO dates as JSON.stringify does', () => {
    const numbers = [0, -0, 1, 9, 10, 99, 100, 999_999_999, 1e9, 1e9 + 7, 1_741_946_243_456, 1e15 - 1, 1e15, 2 ** 53];
    for (const x of [...numbers, -1, 0.5, 1e-7, 1e21, NaN, Infinity, -Infinity]) {
      expect(written((w) => w.number(x))).toBe(JSON.stringify(x));
    }
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.integer({ min: 0, max: 1e15 }), fc.double()), (x) => {
        expect(written((w) => w.number(x))).toBe(JSON.stringify(x));
      }),
      { numRuns: 2000 },
    );
    const digits = [1, 2, 3, 4, 5, 6] as const;
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 0, max: 1e4 }), fc.double({ min: 0, max: 1e10 }), fc.double()), (v) => {
        for (const d of digits) {
          const rounded = Math.round(v * 10 ** d) / 10 ** d;
          expect(written((w) => w.decimal(rounded, d))).toBe(JSON.stringify(rounded));
          expect(written((w) => w.decimal(v, d))).toBe(JSON.stringify(v));
        }
      }),
      { numRuns: 2000 },
    );
    for (const x of [0, 0.1, 0.0001, 0.000001, 12.345, 0.1 + 0.2, 1e-7, 1e15 / 1000, -0.5]) {
      for (const d of digits) expect(written((w) => w.decimal(x, d))).toBe(JSON.stringify(x));
    }
    const dates = [0, -0, -1, 1, 86_399_999, 86_400_000, -86_400_001, 951_782_400_000, 1_741_946_243_456, 8.64e15];
    for (const ms of [...dates, -8.64e15, 253_402_300_800_000, -62_198_755_200_001, 1.5, -1.5]) {
      expect(written((w) => w.isoDate(ms))).toBe(JSON.stringify(new Date(ms)));
    }
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(written((w) => w.isoDate(ms))).toBe(JSON.stringify(new Date(ms)));
      }),
      { numRuns: 2000 },
    );
    expect(() => new JsonWriter().isoDate(NaN)).toThrow(RangeError);
  });

  it('grows as needed, repeats what it wrote, and starts over on reset', () => {
    const w = new JsonWriter(4);
    w.ascii('{"messages":');
    const start = w.length;
    w.string('é'.repeat(5000));
    const end = w.length;
    w.ascii(',"again":');
    w.repeat(start, end);
    w.ascii(',"short":');
    w.repeat(start, start + 3);
    w.byte(0x7d);
    const long = JSON.stringify('é'.repeat(5000));
    // The last repeat is the quote and the 2 bytes of the first é.
    expect(w.toString()).toBe(`{"messages":${long},"again":${long},"short":"é}`);
    w.reset();
    w.bytes(Buffer.from('[1]'));
    expect(w.view().toString()).toBe('[1]');
  });
});

describe('buffer pool', () => {
  it('hands a buffer out again only after its last release', () => {
    const pool = new BufferPool(1024 * 1024);
    const a = pool.copyOf(Buffer.from('first page'));
    expect(a.bytes.toString()).toBe('first page');
    a.retain();
    a.release();
    const b = pool.copyOf(Buffer.from('second page'));
    expect(b.bytes.buffer).not.toBe(a.bytes.buffer);
    expect(a.bytes.toString()).toBe('first page');
    a.release();
    expect(() => a.release()).toThrow();
    expect(() => a.retain()).toThrow();
    const c = pool.copyOf(Buffer.from('third'));
    expect(c.bytes.buffer).toBe(a.bytes.buffer);
    expect(c.bytes.toString()).toBe('third');
  });

  it('keeps at most its limit of free buffers, the largest ones', () => {
    const pool = new BufferPool(258 * 1024);
    const small = pool.copyOf(Buffer.alloc(10)); // a 4 KB buffer
    const large = pool.copyOf(Buffer.alloc(200 * 1024)); // a 256 KB one
    small.release();
    large.release();
    // Over the limit: the small buffer went. A small page does not take the large one; a large page does.
    const next = pool.copyOf(Buffer.alloc(10));
    expect(next.bytes.buffer).not.toBe(small.bytes.buffer);
    expect(next.bytes.buffer).not.toBe(large.bytes.buffer);
    expect(pool.copyOf(Buffer.alloc(190 * 1024)).bytes.buffer).toBe(large.bytes.buffer);
  });
});

describe('fake clock', () => {
  it('stands still unless told, and moves with advance/set', () => {
    const clock = createFakeClock({ start: 1_000, ticking: false });
    expect(clock.now()).toBe(1_000);
    clock.advance(500);
    expect(clock.now()).toBe(1_500);
    clock.set(10);
    expect(clock.now()).toBe(10);
  });

  it('ticks with real time by default, from the real now', async () => {
    const clock = createFakeClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
    const before = clock.now();
    await new Promise((r) => setTimeout(r, 30));
    expect(clock.now()).toBeGreaterThanOrEqual(before + 25);
    clock.advance(86_400_000);
    expect(clock.now() - Date.now()).toBeGreaterThan(86_300_000);
  });
});

describe('route matchers', () => {
  it.each([
    ['GET /call', 'GET', '/call', true],
    ['GET /call', 'POST', '/call', false],
    ['GET /call', 'GET', '/call/abc', false],
    ['GET /call/:id', 'GET', '/call/abc', true],
    ['* /assistant/*', 'PATCH', '/assistant/abc', true],
    ['/assistant/**', 'DELETE', '/assistant/abc/x', true],
    ['GET|PATCH /assistant/:id', 'PATCH', '/assistant/1', true],
    ['GET|PATCH /assistant/:id', 'DELETE', '/assistant/1', false],
    ['*', 'GET', '/anything', true],
  ])('%s matches %s %s: %s', (pattern, method, path, expected) => {
    expect(compileRouteMatcher(pattern)(method, path)).toBe(expected);
  });

  it('removes a "times" rule after its last hit and keeps a history', () => {
    const faults = createFaultController(1, 'x');
    faults.set('GET /a', { kind: 'reset' }, { times: 2 });
    expect(faults.decide('GET', '/a')?.kind).toBe('reset');
    expect(faults.decide('GET', '/b')).toBeNull();
    expect(faults.decide('GET', '/a')?.kind).toBe('reset');
    expect(faults.decide('GET', '/a')).toBeNull();
    expect(faults.history()).toHaveLength(2);
    expect(() => faults.set('*', { kind: 'status', status: 42 })).toThrow();
  });
});

/** A fake server with the given routes and faults, nothing else. */
function testServer(api: Router, faults = createFaultController(1, 'test')) {
  return startFakeServer({
    name: 'test',
    api,
    control: new Router(),
    faults,
    clock: createFakeClock(),
    errors: (status) => ({ status, json: { status } }),
  });
}

describe('fake servers', () => {
  it('bind 127.0.0.1 on an OS-picked port and close at once even with a stalled request open', async () => {
    const faults = createFaultController(1, 'test');
    const server = await testServer(
      new Router().add('GET', '/ok', () => ({ status: 200, json: { ok: true } })),
      faults,
    );
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
    faults.set('*', { kind: 'stall' });
    const pending = fetch(`${server.url}/ok`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    faults.set('*', { kind: 'latency', ms: 60_000 });
    const slow = fetch(`${server.url}/ok`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(Error);
    expect(await slow).toBeInstanceOf(Error);
  });

  it('tell a response when it is over, so its buffer can be reused', async () => {
    const sent: string[] = [];
    const body = Buffer.from('x'.repeat(1_000_000));
    const api = new Router().add('GET', '/big', () => ({
      status: 200,
      bytes: body,
      onSent: () => sent.push('big'),
    }));
    const faults = createFaultController(1, 'test');
    const server = await testServer(api, faults);
    try {
      const res = await fetch(`${server.url}/big`);
      expect((await res.arrayBuffer()).byteLength).toBe(1_000_000);
      await new Promise((r) => setTimeout(r, 20));
      expect(sent).toEqual(['big']);
      faults.set('*', { kind: 'truncated' }, { times: 1 });
      await fetch(`${server.url}/big`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
      expect(sent).toEqual(['big', 'big']);
    } finally {
      await server.close();
    }
  });

  it('serve control routes without faults', async () => {
    const faults = createFaultController(1, 'test');
    const server = await startFakeServer({
      name: 'test',
      api: new Router(),
      control: new Router(),
      faults,
      clock: createFakeClock({ start: 5, ticking: false }),
      errors: (status) => ({ status, json: { status } }),
    });
    try {
      faults.set('*', { kind: 'reset' });
      const res = await fetch(`${server.url}/__control/clock`);
      expect(await res.json()).toMatchObject({ now: 5, ticking: false });
    } finally {
      await server.close();
    }
  });
});
