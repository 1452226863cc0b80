import { afterEach, describe, expect, it } from 'vitest';
import { assertSafeBackendUrl, checkBackendHealth, isLoopbackHost } from '../../../src/main/core/auth/backend-url';
import { HttpClient } from '../../../src/main/core/http/client';
import { Redactor } from '../../../src/main/core/log/redact';
import { closedPort, sendJson, startServer, type Handler, type TestServer } from '../http/servers';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function http(): HttpClient {
  const client = new HttpClient({ redactor: new Redactor(), env: {} });
  cleanups.push(() => client.close());
  return client;
}

async function server(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  cleanups.push(() => s.close());
  return s;
}

describe('assertSafeBackendUrl', () => {
  it.each([
    ['https://ava-api-production.onrender.com/', 'https://ava-api-production.onrender.com'],
    ['https://example.com/base/?x=1#y', 'https://example.com/base'],
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['http://localhost:8000/', 'http://localhost:8000'],
    ['http://[::1]:8000', 'http://[::1]:8000'],
    ['  https://EXAMPLE.com  ', 'https://example.com'],
  ])('accepts %s', (url, normalized) => {
    expect(assertSafeBackendUrl(url)).toBe(normalized);
  });

  it.each([
    ['http://ava.example.com', 'insecure-url'],
    ['http://localhost.evil.com', 'insecure-url'],
    ['http://10.0.0.5:8000', 'insecure-url'],
    ['ftp://example.com', 'invalid-input'],
    ['javascript:alert(1)', 'invalid-input'],
    ['not a url', 'invalid-input'],
    ['https://user:pass@example.com', 'invalid-input'],
  ])('refuses %s (%s)', (url, code) => {
    expect(() => assertSafeBackendUrl(url)).toThrow(expect.objectContaining({ code }));
  });

  it('knows loopback', () => {
    expect(isLoopbackHost('127.8.9.10')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });
});

describe('checkBackendHealth', () => {
  it('ok on {"status":"healthy"}, with the round trip', async () => {
    const s = await server((_req, res) => sendJson(res, 200, { status: 'healthy' }));
    let waking = 0;
    const check = await checkBackendHealth(s.url, { http: http(), onWaking: () => waking++ });
    expect(check).toMatchObject({ url: s.url, health: 'ok' });
    expect(check.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(waking).toBe(0);
    expect(s.requests[0]!.url).toBe('/healthz');
  });

  it('a slow first answer (cold start) reports waking, then ok', async () => {
    const s = await server((_req, res) => setTimeout(() => sendJson(res, 200, { status: 'healthy' }), 1200));
    let waking = 0;
    const check = await checkBackendHealth(s.url, { http: http(), onWaking: () => waking++, wakingAfterMs: 300 });
    expect(check.health).toBe('ok');
    expect(check.elapsedMs).toBeGreaterThanOrEqual(1100);
    expect(waking).toBe(1);
  });

  it('502/503 during a cold start are waited through', async () => {
    const s = await server((_req, res, _b, i) =>
      i < 2 ? sendJson(res, 503, { detail: 'waking' }) : sendJson(res, 200, { status: 'healthy' }),
    );
    let waking = 0;
    const check = await checkBackendHealth(s.url, { http: http(), onWaking: () => waking++, retryEveryMs: 50 });
    expect(check.health).toBe('ok');
    expect(s.requests).toHaveLength(3);
    expect(waking).toBe(1);
  });

  it("a 503 with Retry-After is retried after the server's wait, not the default one", async () => {
    const s = await server((_req, res, _b, i) =>
      i === 0
        ? sendJson(res, 503, { detail: 'Service Unavailable' }, { 'retry-after': '7' })
        : sendJson(res, 200, { status: 'healthy' }),
    );
    const sleeps: number[] = [];
    const check = await checkBackendHealth(s.url, {
      http: http(),
      retryEveryMs: 50,
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(check.health).toBe('ok');
    expect(sleeps).toEqual([7000]);
    // Bounded by what is left of the wait.
    const capped: number[] = [];
    const again = await server((_req, res, _b, i) =>
      i === 0 ? sendJson(res, 503, {}, { 'retry-after': '600' }) : sendJson(res, 200, { status: 'healthy' }),
    );
    await checkBackendHealth(again.url, { http: http(), maxWaitMs: 20_000, sleep: async (ms) => void capped.push(ms) });
    expect(capped).toHaveLength(1);
    expect(capped[0]).toBeLessThanOrEqual(20_000);
    expect(capped[0]).toBeGreaterThan(15_000);
  });

  it('gives up after maxWaitMs as unreachable', async () => {
    const s = await server(() => {
      /* the server never wakes */
    });
    const started = Date.now();
    const check = await checkBackendHealth(s.url, { http: http(), maxWaitMs: 1500, wakingAfterMs: 200 });
    expect(check).toMatchObject({ health: 'unreachable', elapsedMs: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a 404 (not an AVA backend) or a refused connection is unreachable at once', async () => {
    const s = await server((_req, res) => sendJson(res, 404, { detail: 'Not Found' }));
    expect((await checkBackendHealth(s.url, { http: http() })).health).toBe('unreachable');
    const port = await closedPort();
    const started = Date.now();
    expect((await checkBackendHealth(`http://127.0.0.1:${port}`, { http: http() })).health).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses an insecure URL before sending anything', async () => {
    await expect(checkBackendHealth('http://ava.example.com', { http: http() })).rejects.toMatchObject({
      code: 'insecure-url',
    });
  });
});
