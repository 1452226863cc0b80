import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { contract, type EventMap, type EventName, type Handlers } from '../../src/shared/contract';
import { createDispatcher } from '../../src/main/core/rpc';
import { startPreviewHost, type PreviewHost } from '../../src/preview/server/host';

type Listener = <E extends EventName>(event: E, payload: EventMap[E]) => void;

const calls: { channel: string; input: unknown }[] = [];
const listeners = new Set<Listener>();
let host: PreviewHost;
let rendererDir: string;

function handlers(): Handlers {
  const out: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {};
  for (const [ns, methods] of Object.entries(contract)) {
    out[ns] = {};
    for (const method of Object.keys(methods)) {
      out[ns][method] = async (input) => {
        calls.push({ channel: `${ns}.${method}`, input });
        return { ran: `${ns}.${method}` };
      };
    }
  }
  return out as unknown as Handlers;
}

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'ava-preview-test-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<html><head><script type="module" src="/assets/app.js"></script></head></html>',
  );
  writeFileSync(join(rendererDir, 'assets/app.js'), 'console.log(1)');
  writeFileSync(join(rendererDir, '..', 'outside.txt'), 'outside');
  const shimFile = join(rendererDir, 'shim.js');
  writeFileSync(shimFile, '/* shim */');
  host = await startPreviewHost({
    core: {
      dispatch: createDispatcher(handlers(), { warn: vi.fn(), error: vi.fn() }),
      on(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    rendererDir,
    shimFile,
  });
});

afterAll(async () => {
  await host.close();
});

/** A GET with the path sent exactly as written (fetch would normalise `..`). */
async function rawGet(path: string, headers: Record<string, string>): Promise<number> {
  const { request } = await import('node:http');
  const { port } = new URL(host.origin);
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const rpc = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${host.origin}/__ava/rpc/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: host.origin, 'X-AVA-Token': host.token, ...headers },
    body: JSON.stringify(body),
  });

describe('the preview host', () => {
  it('binds to 127.0.0.1 and prints a URL carrying the token', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.url).toBe(`${host.origin}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie, and refuses a wrong token', async () => {
    const good = await fetch(host.url, { redirect: 'manual' });
    expect(good.status).toBe(303);
    expect(good.headers.get('set-cookie')).toMatch(/^ava_preview=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const bad = await fetch(`${host.origin}/?token=nope`, { redirect: 'manual' });
    expect(bad.status).toBe(401);
  });

  it('refuses every request without the token: page, assets, calls, events', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/__ava/shim.js', '/__ava/events']) {
      expect((await fetch(host.origin + path)).status, path).toBe(401);
    }
    const response = await rpc('app.info', {}, { 'X-AVA-Token': 'wrong' });
    expect(response.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('serves the page with the cookie, the shim injected before the app, and the CSP', async () => {
    const cookie = `ava_preview=${host.token}`;
    const page = await fetch(`${host.origin}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.indexOf('/__ava/shim.js')).toBeGreaterThan(0);
    expect(html.indexOf('/__ava/shim.js')).toBeLessThan(html.indexOf('/assets/app.js'));
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect((await fetch(`${host.origin}/assets/app.js`, { headers: { cookie } })).status).toBe(200);
  });

  it('runs a call from the right origin and validates its input like the IPC transport', async () => {
    const ok = await rpc('calls.get', { input: { id: 'abc' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, value: { ran: 'calls.get' } });
    expect(calls.at(-1)).toEqual({ channel: 'calls.get', input: { id: 'abc' } });

    const invalid = await rpc('calls.get', { input: { id: 42 } });
    expect(await invalid.json()).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const unknown = await rpc('shell.exec', { input: 'rm -rf /' });
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    const notJson = await fetch(`${host.origin}/__ava/rpc/calls.get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: host.origin, 'X-AVA-Token': host.token },
      body: '{nope',
    });
    expect(await notJson.json()).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('refuses a call from another Origin, a cross-site fetch, or a call without Origin, as an untrusted sender', async () => {
    const before = calls.length;
    for (const headers of <Record<string, string>[]>[
      { Origin: 'http://evil.example' },
      { Origin: 'http://localhost:1234' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { Origin: '' },
    ]) {
      const response = await rpc('app.info', {}, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
    }
    expect(calls.length).toBe(before);
  });

  it('refuses an untrusted call before reading its body: a malformed body from another Origin is 403, not 400', async () => {
    const before = calls.length;
    for (const headers of <Record<string, string>[]>[
      { Origin: 'http://evil.example' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: host.origin },
      {},
    ]) {
      const response = await fetch(`${host.origin}/__ava/rpc/calls.get`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-AVA-Token': host.token, ...headers },
        body: '{not json',
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
    }
    // Without the token it is refused before anything else.
    const noToken = await fetch(`${host.origin}/__ava/rpc/calls.get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: '{not json',
    });
    expect(noToken.status).toBe(401);
    expect(calls.length).toBe(before);
  });

  it('refuses the events stream to another Origin or a cross-site request, even with the token', async () => {
    for (const headers of <Record<string, string>[]>[
      { Origin: 'http://evil.example' },
      { Origin: 'http://localhost:1234' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ]) {
      const response = await fetch(`${host.origin}/__ava/events`, {
        headers: { 'X-AVA-Token': host.token, ...headers },
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(response.headers.get('content-type')).not.toContain('text/event-stream');
      await response.body?.cancel();
    }
  });

  it('refuses a request naming another host (DNS rebinding)', async () => {
    expect(await rawGet('/', { Host: 'evil.example', 'X-AVA-Token': host.token })).toBe(421);
  });

  it('never serves a file outside the renderer folder, whatever the encoding', async () => {
    const paths = ['/../outside.txt', '/..%2Foutside.txt', '/assets/..%2F..%2Foutside.txt', '/%2e%2e%2foutside.txt'];
    for (const path of paths) {
      expect(await rawGet(path, { 'X-AVA-Token': host.token }), path).toBe(404);
    }
    expect(await rawGet('/assets/app.js', { 'X-AVA-Token': host.token })).toBe(200);
  });

  it('streams events to the page as Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${host.origin}/__ava/events`, {
      headers: { 'X-AVA-Token': host.token },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await reader.read(); // the opening comment
    for (const listener of listeners) listener('data.changed', { tables: ['calls'] });
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe('event: data.changed\ndata: {"tables":["calls"]}\n\n');
    controller.abort();
  });
});
