import { describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { compileRouteMatcher, createFaultController } from './lib/faults';
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

describe('fake servers', () => {
  it('bind 127.0.0.1 on an OS-picked port and close at once even with a stalled request open', async () => {
    const faults = createFaultController(1, 'test');
    const api = new Router().add('GET', '/ok', () => ({ status: 200, json: { ok: true } }));
    const server = await startFakeServer({
      name: 'test',
      api,
      control: new Router(),
      faults,
      clock: createFakeClock(),
      errors: (status) => ({ status, json: { status } }),
    });
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
