/**
 * Where the cache benchmarks get their Vapi calls, over loopback HTTP in pages like the sync's `GET /call`:
 * - `fakes` (default): the project's Vapi fake with its `scale` world (test/fakes: 100,000 generated calls, paged
 *   newest first with `createdAtLt`), run as its own process by its CLI;
 * - `fixtures` (`--fixtures`): bench/cache-fixtures.ts, longer calls (a few KB of transcript each), served by
 *   bench/cache-store-server.ts.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface CallSource {
  name: string;
  /** The page after `cursor` (null: the first), as the response body's bytes; null when there is no more. */
  fetchPage(cursor: string | null): Promise<Buffer | null>;
  /** The cursor after a page, from its parsed calls. */
  nextCursor(calls: unknown[], cursor: string | null): string | null;
  /** Lets the source build the page ahead of time, so timing a fetch measures the transfer (fixtures only). */
  prepare(cursor: string | null): Promise<void>;
  close(): void;
}

export function sourceFromArgs(pageSize: number): Promise<CallSource> {
  return process.argv.includes('--fixtures') ? fixturesSource(pageSize) : fakesSource(pageSize);
}

async function fakesSource(pageSize: number): Promise<CallSource> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '../test/fakes/cli.ts'), '--world', 'scale', '--json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fakes exited with ${String(code)}`)));
  });
  const info = JSON.parse(line) as { urls: { vapi: string }; vapi: { privateKey: string } };
  return {
    name: "the Vapi fake's scale world (test/fakes)",
    async fetchPage(cursor) {
      const url = `${info.urls.vapi}/call?limit=${pageSize}${cursor ? `&createdAtLt=${encodeURIComponent(cursor)}` : ''}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${info.vapi.privateKey}` } });
      if (!response.ok) throw new Error(`GET /call: ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
    nextCursor(calls) {
      const last = calls[calls.length - 1] as { createdAt?: string } | undefined;
      return calls.length < pageSize || !last?.createdAt ? null : last.createdAt;
    },
    async prepare() {},
    close: () => stop(child),
  };
}

async function fixturesSource(pageSize: number): Promise<CallSource> {
  const calls = Number(argValue('--calls') ?? 100_000);
  const child = fork(join(__dirname, 'cache-store-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PAGE_SIZE: String(pageSize) },
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { port: number }).port)),
  );
  const pages = Math.ceil(calls / pageSize);
  const url = (cursor: string | null) => `http://127.0.0.1:${port}/call?page=${cursor ?? 0}`;
  return {
    name: 'bench/cache-fixtures.ts',
    async fetchPage(cursor) {
      if (Number(cursor ?? 0) >= pages) return null;
      return Buffer.from(await (await fetch(url(cursor))).arrayBuffer());
    },
    nextCursor(_calls, cursor) {
      const next = Number(cursor ?? 0) + 1;
      return next < pages ? String(next) : null;
    },
    async prepare(cursor) {
      await fetch(url(cursor), { method: 'POST' });
    },
    close: () => {
      child.disconnect();
    },
  };
}

function stop(child: ChildProcess): void {
  child.kill('SIGTERM');
}

export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function argNumber(name: string, fallback: number): number {
  const value = Number(argValue(name));
  return Number.isFinite(value) ? value : fallback;
}

/** `artifact.transcript` (else the legacy top-level one), in UTF-8 bytes: what the size ratio is measured against. */
export function transcriptBytes(call: unknown): number {
  const c = call as { artifact?: { transcript?: unknown }; transcript?: unknown };
  const text = typeof c.artifact?.transcript === 'string' ? c.artifact.transcript : c.transcript;
  return typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0;
}
