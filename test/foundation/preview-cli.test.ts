/**
 * `npm run preview`'s host process itself (src/preview/server/cli.ts, what scripts/preview.mjs starts after the
 * build): spawned as a user would, in a throwaway data folder. It prints its URL (`--json`), trades the token for
 * the cookie, serves the shell with the shim, answers a call, and stops on SIGTERM.
 *
 * No side effects outside the test: the data folder's settings point the backend at a local stand-in (the default is
 * the production server), and D-Bus points nowhere, so no Secret Service (the user's keychain) can be reached.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/domain';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

let child: ChildProcess;
let scratch: string;
let backend: Server;
const backendRequests: string[] = [];
let printed: { url: string; origin: string; dataDir: string };
let stderr = '';

beforeAll(async () => {
  for (const built of ['out/renderer/index.html', 'out/preview/preview-shim.js']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first.`);
  }
  scratch = mkdtempSync(join(tmpdir(), 'ava-preview-cli-'));
  backend = createServer((req, res) => {
    backendRequests.push(`${req.method} ${req.url}`);
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
  });
  await new Promise<void>((done) => backend.listen(0, '127.0.0.1', done));
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  const dataDir = join(scratch, 'data');
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, backendUrl }));

  child = spawn(TSX, ['src/preview/server/cli.ts', '--json', '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: scratch,
      XDG_DATA_HOME: join(scratch, 'xdg'),
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(scratch, 'no-bus')}`,
      AVA_KEYCHAIN_SERVICE: 'AVA Desk (preview CLI test)',
    },
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).once('line', done);
    child.once('exit', (code) => fail(new Error(`the preview CLI exited (${code}) before printing: ${stderr}`)));
  });
  printed = JSON.parse(line) as typeof printed;
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await new Promise<void>((done) => (backend ? backend.close(() => done()) : done()));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm run preview (the host CLI)', () => {
  it('prints a loopback URL carrying a fresh token, and the data folder it was given', () => {
    expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32,}$/);
    expect(printed.url.startsWith(`${printed.origin}/?token=`)).toBe(true);
    expect(printed.dataDir).toBe(join(scratch, 'data'));
  });

  it('trades the token for the cookie and serves the shell with the shim and the CSP', async () => {
    const exchange = await fetch(printed.url, { redirect: 'manual' });
    expect(exchange.status).toBe(303);
    expect(exchange.headers.get('location')).toBe('/');
    const setCookie = exchange.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^ava_preview=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const cookie = setCookie.split(';')[0]!;

    expect((await fetch(`${printed.origin}/`)).status).toBe(401);
    const page = await fetch(`${printed.origin}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    expect(html).toContain('/__ava/shim.js');
    const shim = await fetch(`${printed.origin}/__ava/shim.js`, { headers: { cookie } });
    expect(shim.status).toBe(200);
    expect(shim.headers.get('content-type')).toContain('javascript');

    const info = await fetch(`${printed.origin}/__ava/rpc/app.info`, {
      method: 'POST',
      headers: { cookie, Origin: printed.origin, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(await info.json()).toMatchObject({ ok: true, value: { transport: 'preview', dataDir: printed.dataDir } });
  });

  it("talks to the data folder's backend, not the internet", async () => {
    await expect.poll(() => backendRequests, { timeout: 15_000 }).toContain('GET /healthz');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(printed.origin)).rejects.toThrow();
  });
});
