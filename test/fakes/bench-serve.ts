/**
 * How fast the Vapi fake serves the scale world's 100,000 calls in 1,000-call pages over loopback, paging with
 * `createdAtLt` the way the app's sync does. The fakes run in their own process (`cli.ts --world scale`), as they
 * do for the app, so the figures are the fake's alone: calls/s, MB/s, and the fake's RSS (from /proc).
 *   npx tsx test/fakes/bench-serve.ts [--page 1000] [--passes 2] [--concurrency 1]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Dispatcher, request } from 'undici';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const pageSize = arg('page', 1000);
  const passes = arg('passes', 2);
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--world', 'scale', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fakes exited with ${code}`)));
  });
  const info = JSON.parse(line) as { urls: { vapi: string }; vapi: { privateKey: string } };
  console.log(
    `scale world up in ${(performance.now() - started).toFixed(0)} ms (fake RSS ${rssOf(child.pid!).toFixed(0)} MB)`,
  );
  try {
    for (let pass = 1; pass <= passes; pass++) {
      let cursor: string | null = null;
      let calls = 0;
      let bytes = 0;
      let pages = 0;
      let peakRss = 0;
      const t0 = performance.now();
      for (;;) {
        const url: string = `${info.urls.vapi}/call?limit=${pageSize}${cursor ? `&createdAtLt=${encodeURIComponent(cursor)}` : ''}`;
        const res: Dispatcher.ResponseData = await request(url, {
          headers: { authorization: `Bearer ${info.vapi.privateKey}` },
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${body.subarray(0, 200).toString()}`);
        // The cursor is the last createdAt of the page: found without parsing megabytes of JSON, so the figures
        // measure the fake, not this client.
        const last = body.lastIndexOf(CREATED_AT);
        const count = countCalls(body);
        pages++;
        bytes += body.length;
        calls += count;
        peakRss = Math.max(peakRss, rssOf(child.pid!));
        if (count < pageSize || last < 0) break;
        cursor = body.subarray(last + CREATED_AT.length, body.indexOf('"', last + CREATED_AT.length)).toString();
      }
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `pass ${pass}: ${calls} calls in ${pages} pages of ${pageSize}, ${seconds.toFixed(2)} s → ` +
          `${Math.round(calls / seconds)} calls/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s ` +
          `(${(bytes / calls / 1024).toFixed(1)} KB/call); fake RSS peak ${peakRss.toFixed(0)} MB`,
      );
    }
  } finally {
    child.kill('SIGTERM');
  }
}

const CREATED_AT = Buffer.from('"createdAt":"');
const ORG_ID = Buffer.from('"orgId":');

/** Calls in a page: each call object has exactly one `"orgId":` key at its top level. */
function countCalls(body: Buffer): number {
  let n = 0;
  for (let i = body.indexOf(ORG_ID); i >= 0; i = body.indexOf(ORG_ID, i + ORG_ID.length)) n++;
  return n;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
