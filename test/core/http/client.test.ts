import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpClient, type HttpClientOptions } from '../../../src/main/core/http/client';
import { HttpError } from '../../../src/main/core/http/errors';
import { serverWaitMs } from '../../../src/main/core/http/retry';
import { createLogger, type Logger } from '../../../src/main/core/log/logger';
import { Redactor } from '../../../src/main/core/log/redact';
import { AppError } from '../../../src/shared/errors';
import { closedPort, sendJson, startConnectProxy, startHttpsServer, startServer, type TestServer } from './servers';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Harness {
  http: HttpClient;
  sleeps: number[];
  logger: Logger;
  redactor: Redactor;
}

function harness(options: Partial<HttpClientOptions> = {}): Harness {
  const redactor = options.redactor ?? new Redactor();
  const logger = createLogger({ dir: null, redactor, level: 'debug' });
  const sleeps: number[] = [];
  const http = new HttpClient({
    redactor,
    logger,
    env: {},
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  cleanups.push(() => http.close());
  return { http, sleeps, logger, redactor };
}

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  cleanups.push(() => s.close());
  return s;
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  expect(error).toBeInstanceOf(AppError);
  return error as HttpError;
}

describe('HttpClient: success and validation', () => {
  it('sends JSON, parses and validates the answer, logs the request with its request id', async () => {
    const s = await server((req, res, body) =>
      sendJson(res, 200, { id: 'a1', extra: { kept: true }, echo: JSON.parse(body) }, { 'x-request-id': 'rid-1' }),
    );
    const { http, logger } = harness();
    const schema = z.looseObject({ id: z.string() });
    const res = await http.request({
      service: 'backend',
      method: 'POST',
      url: `${s.url}/things`,
      query: { limit: 5, skip: undefined },
      json: { name: 'x' },
      schema,
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: 'a1', extra: { kept: true }, echo: { name: 'x' } });
    expect(res.requestId).toBe('rid-1');
    expect(s.requests[0]).toMatchObject({ method: 'POST', url: '/things?limit=5' });
    expect(s.requests[0]!.headers['content-type']).toBe('application/json');
    const line = JSON.parse(logger.lines().at(-1)!);
    expect(line).toMatchObject({
      msg: 'http',
      service: 'backend',
      method: 'POST',
      status: 200,
      attempt: 1,
      requestId: 'rid-1',
    });
    expect(typeof line.ms).toBe('number');
  });

  it('a body that fails the schema is invalid-response, not retried', async () => {
    const s = await server((_req, res) => sendJson(res, 200, [{ id: 42 }]));
    const { http } = harness();
    const err = await failure(
      http.json({ service: 'vapi', url: `${s.url}/call`, schema: z.array(z.looseObject({ id: z.string() })) }),
    );
    expect(err.code).toBe('invalid-response');
    expect(err.detail).toMatch(/0\.id/);
    expect(s.requests).toHaveLength(1);
  });

  it('truncated JSON in a complete response is invalid-response', async () => {
    const s = await server((_req, res) => {
      const text = '{"calls":[{"id":"1"},{"id":"2"';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
    const { http } = harness();
    const err = await failure(http.json({ service: 'backend', url: `${s.url}/api/v1/calls` }));
    expect(err.code).toBe('invalid-response');
    expect(err.detail).toMatch(/bad or truncated JSON/);
    expect(s.requests).toHaveLength(1);
  });

  it('an oversized body is invalid-response', async () => {
    const s = await server((_req, res) => sendJson(res, 200, { big: 'x'.repeat(5000) }));
    const { http } = harness();
    const err = await failure(http.json({ service: 'vapi', url: s.url, maxBodyBytes: 1000 }));
    expect(err.code).toBe('invalid-response');
  });

  it('204 and empty bodies give undefined', async () => {
    const s = await server((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const { http } = harness();
    expect(await http.json({ service: 'backend', method: 'DELETE', url: `${s.url}/x` })).toBeUndefined();
  });
});

describe('HttpClient: error mapping', () => {
  it.each([
    [400, 'bad-request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
    [422, 'bad-request'],
  ])('%i → %s, not retried', async (status, code) => {
    const s = await server((_req, res) => sendJson(res, status, { detail: 'nope' }, { 'x-request-id': 'r-9' }));
    const { http } = harness();
    const err = await failure(http.json({ service: 'backend', url: `${s.url}/api/v1/calls/abc` }));
    expect(err).toMatchObject({
      code,
      status,
      service: 'backend',
      requestId: 'r-9',
      method: 'GET',
      path: '/api/v1/calls/abc',
    });
    expect(err.detail).toBe(`GET /api/v1/calls/abc → ${status}: nope`);
    expect(s.requests).toHaveLength(1);
  });

  it("parses Vapi's 401 'Hot tip' body and NestJS message lists", async () => {
    const s = await server((req, res) =>
      req.url === '/assistant'
        ? sendJson(res, 401, {
            message: 'Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.',
            error: 'Unauthorized',
            statusCode: 401,
          })
        : sendJson(res, 400, {
            statusCode: 400,
            error: 'Bad Request',
            message: ['property serverUrl should not exist', 'name must be shorter'],
          }),
    );
    const { http } = harness();
    const a = await failure(http.json({ service: 'vapi', url: `${s.url}/assistant` }));
    expect(a.code).toBe('unauthorized');
    expect(a.detail).toContain('Invalid Key. Hot tip');
    const b = await failure(http.json({ service: 'vapi', method: 'PATCH', url: `${s.url}/assistant/1`, json: {} }));
    expect(b.code).toBe('bad-request');
    expect(b.detail).toContain('property serverUrl should not exist; name must be shorter');
  });

  it('parses FastAPI validation lists and Twilio bodies', async () => {
    const s = await server((req, res) =>
      req.url?.startsWith('/api')
        ? sendJson(res, 422, {
            detail: [{ loc: ['query', 'limit'], msg: 'ensure this value is less than or equal to 200', type: 'x' }],
          })
        : sendJson(res, 401, {
            code: 20003,
            message: 'Authenticate',
            more_info: 'https://www.twilio.com/docs/errors/20003',
            status: 401,
          }),
    );
    const { http } = harness();
    const a = await failure(http.json({ service: 'backend', url: `${s.url}/api/v1/calls?limit=500` }));
    expect(a.detail).toContain('query.limit: ensure this value');
    const b = await failure(http.json({ service: 'twilio', url: `${s.url}/2010-04-01/Accounts/AC1.json` }));
    expect(b).toMatchObject({ code: 'unauthorized', service: 'twilio' });
    expect(b.detail).toContain('20003: Authenticate');
  });
});

describe('HttpClient: retries', () => {
  it('retries 5xx on GET with ~1 s then ~2 s jittered backoff, then succeeds', async () => {
    const s = await server((_req, res, _b, i) =>
      i < 2 ? sendJson(res, 503, { detail: 'busy' }) : sendJson(res, 200, { ok: true }),
    );
    const { http, sleeps, logger } = harness();
    const res = await http.request({ service: 'backend', url: `${s.url}/x` });
    expect(res.attempts).toBe(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(logger.lines().filter((l) => l.includes('"http retry"'))).toHaveLength(2);
  });

  it('jitter stays within ±20 %', async () => {
    const flaky = (): Promise<TestServer> =>
      server((_req, res, _b, i) => (i < 2 ? sendJson(res, 500, {}) : sendJson(res, 200, {})));
    const low = harness({ random: () => 0 });
    await low.http.request({ service: 'vapi', url: (await flaky()).url });
    const high = harness({ random: () => 0.999999 });
    await high.http.request({ service: 'vapi', url: (await flaky()).url });
    expect(low.sleeps).toEqual([800, 1600]);
    expect(high.sleeps).toEqual([1200, 2400]);
  });

  it('gives up after the bounded number of retries with server-error', async () => {
    const s = await server((_req, res) => sendJson(res, 502, { detail: 'Vapi failed' }, { 'x-request-id': 'r-502' }));
    const { http, sleeps } = harness();
    const err = await failure(http.json({ service: 'backend', url: `${s.url}/api/v1/calls` }));
    expect(err).toMatchObject({ code: 'server-error', status: 502, requestId: 'r-502' });
    expect(s.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('honours Retry-After in seconds and as an HTTP date, and X-RateLimit-Reset', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const s = await server((req, res, _b, i) => {
      if (i === 0) return sendJson(res, 429, { message: 'Rate limit exceeded' }, { 'retry-after': '3' });
      if (i === 1) return sendJson(res, 503, {}, { 'retry-after': new Date(now + 5000).toUTCString() });
      if (i === 2) return sendJson(res, 429, {}, { 'x-ratelimit-reset': String(Math.floor(now / 1000) + 7) });
      return sendJson(res, 200, { ok: true });
    });
    const { http, sleeps } = harness({ now: () => now, retry: { maxRetries: 3 } });
    await http.request({ service: 'vapi', url: s.url });
    expect(sleeps).toEqual([3000, 5000, 7000]);
  });

  it('a Retry-After longer than the cap fails at once with rate-limited and retryAfterSeconds', async () => {
    const s = await server((_req, res) =>
      sendJson(res, 429, { message: 'Rate limit exceeded' }, { 'retry-after': '120' }),
    );
    const { http, sleeps } = harness();
    const err = await failure(http.json({ service: 'vapi', url: s.url }));
    expect(err).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 120 });
    expect(sleeps).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  it('does not retry a POST on 5xx, retries a POST marked idempotent', async () => {
    let mode: 'fail' | 'rate' = 'fail';
    const s = await server((_req, res, _b, i) => {
      if (mode === 'rate')
        return i % 2 === 0 ? sendJson(res, 429, {}, { 'retry-after': '1' }) : sendJson(res, 201, { id: 'x' });
      return sendJson(res, 500, { detail: 'boom' });
    });
    const { http } = harness();
    await failure(http.json({ service: 'vapi', method: 'POST', url: `${s.url}/assistant`, json: {} }));
    expect(s.requests).toHaveLength(1);
    await failure(
      http.json({ service: 'backend', method: 'POST', url: `${s.url}/api/v1/auth/login`, json: {}, idempotent: true }),
    );
    expect(s.requests).toHaveLength(4);
    mode = 'rate';
    s.requests.length = 0;
    // A route that opts in (its 429 provably means "not processed") is retried on 429.
    const created = await http.request({
      service: 'vapi',
      method: 'POST',
      url: `${s.url}/assistant`,
      json: {},
      retryOnRateLimit: true,
    });
    expect(created.status).toBe(201);
    expect(s.requests).toHaveLength(2);
  });

  it('a POST whose route does not opt in gets one attempt on 429, with the wait for the caller', async () => {
    const s = await server((_req, res) => sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '3' }));
    const { http, sleeps } = harness();
    const err = await failure(http.json({ service: 'vapi', method: 'POST', url: `${s.url}/assistant`, json: {} }));
    expect(s.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(err).toMatchObject({ code: 'rate-limited', status: 429, retryAfterSeconds: 3, attempts: 1 });
    expect(err.message).toBe('Vapi is receiving too many requests (429). Try again in 3 seconds.');
    // A GET on the same answer is retried, as before.
    s.requests.length = 0;
    await failure(http.json({ service: 'vapi', url: `${s.url}/assistant` }));
    expect(s.requests).toHaveLength(3);
  });

  it('retries: false makes one attempt', async () => {
    const s = await server((_req, res) => sendJson(res, 503, {}));
    const { http } = harness();
    await failure(http.json({ service: 'backend', url: s.url, retry: false }));
    expect(s.requests).toHaveLength(1);
  });

  it('connection refused is offline, retried even for a POST (nothing was sent)', async () => {
    const port = await closedPort();
    const { http, sleeps } = harness();
    const err = await failure(
      http.json({ service: 'vapi', method: 'POST', url: `http://127.0.0.1:${port}/assistant`, json: {} }),
    );
    expect(err).toMatchObject({ code: 'offline', status: 0 });
    expect(err.detail).toContain('ECONNREFUSED');
    expect(sleeps).toHaveLength(2);
  });

  it('parses Retry-After edge cases', () => {
    expect(serverWaitMs({ 'retry-after': '1.5' }, 0)).toBe(1500);
    expect(serverWaitMs({ 'retry-after': 'garbage' }, 0)).toBeNull();
    expect(serverWaitMs({ 'x-ratelimit-reset': '4' }, 0)).toBe(4000);
    expect(serverWaitMs({}, 0)).toBeNull();
  });
});

describe('HttpClient: timeouts and resets', () => {
  it('no answer in time is timeout', async () => {
    const s = await server(() => {
      /* never answers */
    });
    const { http } = harness();
    const err = await failure(
      http.json({ service: 'backend', url: s.url, timeouts: { headersMs: 200 }, retry: false }),
    );
    expect(err.code).toBe('timeout');
    expect(err.detail).toContain('no answer in time');
  });

  it('a body that stalls is timeout', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
      res.write('{"a":');
    });
    const { http } = harness();
    const err = await failure(http.json({ service: 'backend', url: s.url, timeouts: { bodyMs: 200 }, retry: false }));
    expect(err.code).toBe('timeout');
  });

  it('a reset before the answer is offline and retried on GET only', async () => {
    const s = await server((req) => req.socket.destroy());
    const { http } = harness();
    const err = await failure(http.json({ service: 'vapi', url: s.url }));
    expect(err.code).toBe('offline');
    expect(s.requests).toHaveLength(3);
    s.requests.length = 0;
    await failure(http.json({ service: 'vapi', method: 'PATCH', url: s.url, json: {} }));
    expect(s.requests).toHaveLength(1);
  });

  it('a connection cut in the middle of the body is offline, and a retry that succeeds wins', async () => {
    const s = await server((req, res, _b, i) => {
      if (i === 0) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write('{"calls":[', () => req.socket.destroy());
        return;
      }
      sendJson(res, 200, { calls: [] });
    });
    const { http } = harness();
    const res = await http.request({ service: 'backend', url: s.url });
    expect(res.data).toEqual({ calls: [] });
    expect(res.attempts).toBe(2);
  });

  it("an abort by the caller rethrows the caller's reason", async () => {
    const s = await server(() => {});
    const { http } = harness();
    const controller = new AbortController();
    const pending = http.json({ service: 'backend', url: s.url, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    await expect(pending).rejects.toThrow('user cancelled');
  });
});

describe('HttpClient: proxy', () => {
  it('goes through HTTPS_PROXY/HTTP_PROXY with a CONNECT tunnel', async () => {
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const s = await server((_req, res) => sendJson(res, 200, { via: 'tunnel' }));
    const { http } = harness({ env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }, proxyLoopback: true });
    expect(http.proxy).not.toBeNull();
    expect(await http.json({ service: 'backend', url: `${s.url}/healthz` })).toEqual({ via: 'tunnel' });
    expect(proxy.connects).toEqual([new URL(s.url).host]);
  });

  it('HTTPS_PROXY alone tunnels an https request (TLS to the server inside the tunnel); NO_PROXY bypasses it', async () => {
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const s = await startHttpsServer((_req, res) => sendJson(res, 200, { via: 'tls' }));
    cleanups.push(() => s.close());
    const host = new URL(s.url).host;

    const tunnelled = harness({ env: { HTTPS_PROXY: proxy.url }, proxyLoopback: true, ca: s.ca });
    expect(tunnelled.http.proxy).toMatchObject({ http: null, https: `${proxy.url}/` });
    expect(await tunnelled.http.json({ service: 'backend', url: `${s.url}/healthz` })).toEqual({ via: 'tls' });
    expect(proxy.connects).toEqual([host]);
    expect(s.requests.map((q) => q.url)).toEqual(['/healthz']);

    // The certificate is checked inside the tunnel: without its CA the same request fails as a TLS error.
    const untrusted = harness({ env: { HTTPS_PROXY: proxy.url }, proxyLoopback: true });
    const err = await failure(untrusted.http.json({ service: 'backend', url: `${s.url}/healthz` }));
    expect(err).toMatchObject({ code: 'offline' });
    expect(proxy.connects).toEqual([host, host]);
    expect(s.requests).toHaveLength(1);

    // NO_PROXY: straight to the server, the proxy never asked.
    const bypass = harness({
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
      proxyLoopback: true,
      ca: s.ca,
    });
    expect(await bypass.http.json({ service: 'backend', url: `${s.url}/healthz` })).toEqual({ via: 'tls' });
    expect(proxy.connects).toEqual([host, host]);
    expect(s.requests).toHaveLength(2);
  });

  it('loopback goes direct by default, and NO_PROXY is honoured', async () => {
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const s = await server((_req, res) => sendJson(res, 200, { ok: true }));
    const direct = harness({ env: { HTTP_PROXY: proxy.url } });
    await direct.http.json({ service: 'backend', url: s.url });
    const noProxy = harness({ env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, proxyLoopback: true });
    await noProxy.http.json({ service: 'backend', url: s.url });
    expect(proxy.connects).toEqual([]);
  });

  it('sends proxy credentials from the URL, never logs them, and a 407 is an offline error naming the proxy', async () => {
    const password = 'proxy-pa55word-xyz';
    const expected = `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`;
    const good = await startConnectProxy({ requireAuth: expected });
    cleanups.push(() => good.close());
    const s = await server((_req, res) => sendJson(res, 200, { ok: true }));
    const ok = harness({
      env: { HTTP_PROXY: `http://alice:${password}@${new URL(good.url).host}` },
      proxyLoopback: true,
    });
    await ok.http.json({ service: 'backend', url: s.url });
    expect(good.auths).toEqual([expected]);
    expect(JSON.stringify(ok.http.proxy)).not.toContain(password);

    const bad = harness({
      env: { HTTP_PROXY: `http://alice:wrong-pa55word@${new URL(good.url).host}` },
      proxyLoopback: true,
    });
    const err = await failure(bad.http.json({ service: 'backend', url: s.url }));
    expect(err.code).toBe('offline');
    expect(err.detail).toContain('proxy refused the connection (407)');
    expect(good.connects).toHaveLength(1);
    const everything = JSON.stringify(err) + err.message + bad.logger.lines().join('\n');
    expect(everything).not.toContain('wrong-pa55word');
  });

  it('a proxy that is down is offline', async () => {
    const port = await closedPort();
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const { http } = harness({ env: { HTTP_PROXY: `http://127.0.0.1:${port}` }, proxyLoopback: true });
    const err = await failure(http.json({ service: 'twilio', url: s.url }));
    expect(err.code).toBe('offline');
  });
});

describe('HttpClient: compression', () => {
  it('asks for gzip/br and decodes them; a damaged body is invalid-response', async () => {
    const { gzipSync, brotliCompressSync } = await import('node:zlib');
    const payload = JSON.stringify({
      calls: Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, transcript: 'hello '.repeat(50) })),
    });
    const s = await server((req, res) => {
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return res.end(gzipSync(payload));
      }
      if (req.url === '/br') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
        return res.end(brotliCompressSync(payload));
      }
      if (req.url === '/bad') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return res.end(gzipSync(payload).subarray(0, 100));
      }
      if (req.url === '/error') {
        res.writeHead(503, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return res.end(gzipSync(JSON.stringify({ detail: 'Service temporarily unavailable' })));
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync('x'.repeat(10_000)));
    });
    const { http } = harness();
    expect(await http.json({ service: 'vapi', url: `${s.url}/gzip` })).toEqual(JSON.parse(payload));
    expect(await http.json({ service: 'vapi', url: `${s.url}/br` })).toEqual(JSON.parse(payload));
    expect(s.requests[0]!.headers['accept-encoding']).toContain('gzip');
    const bad = await failure(http.json({ service: 'vapi', url: `${s.url}/bad` }));
    expect(bad.code).toBe('invalid-response');
    const err = await failure(http.json({ service: 'backend', url: `${s.url}/error`, retry: false }));
    expect(err.detail).toContain('Service temporarily unavailable');
    const big = await failure(http.json({ service: 'vapi', url: `${s.url}/bomb`, maxBodyBytes: 1000 }));
    expect(big.detail).toContain('too large');
  });
});
