/**
 * Store speed: a Vapi backfill through the cache, against a fetch-and-parse-only floor.
 *
 *   npx tsx bench/cache-store.ts [--calls 100000] [--page 1000] [--stringify]
 *
 * A child process serves generated pages of Vapi calls (bench/cache-store-server.ts) over loopback HTTP. For each page,
 * already serialized by the server:
 * - the floor fetches it and JSON-parses it;
 * - the full path fetches it, splits the array into each call's bytes (splitJsonArray), parses each call, normalises
 *   it (observeVapiCall, with its bytes) and stores the page (Cache.upsert, one transaction). With `--stringify` it
 *   parses the page whole instead, and the cache serializes each call again for its raw JSON.
 * Prints calls/s end to end, ms per page for the floor, the full path and the store part alone (normalise + upsert),
 * their ratio, and the peak RSS of this process (the server's memory is its own).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitJsonArray } from '../src/main/core/calls/json-array';
import type { CallObservation } from '../src/main/core/calls/merge';
import { observeVapiCall } from '../src/main/core/calls/observe';
import { openCache } from '../src/main/core/cache';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const CALLS = arg('--calls', 100_000);
const PAGE = arg('--page', 1000);
const PAGES = Math.ceil(CALLS / PAGE);
const STRINGIFY = process.argv.includes('--stringify');

async function main(): Promise<void> {
  const server = fork(join(__dirname, 'cache-store-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PAGE_SIZE: String(PAGE) },
  });
  const port = await new Promise<number>((resolve) =>
    server.once('message', (m) => resolve((m as { port: number }).port)),
  );
  const pageUrl = (page: number) => `http://127.0.0.1:${port}/call?page=${page}&limit=${PAGE}`;

  const dir = mkdtempSync(join(tmpdir(), 'ava-cache-store-'));
  const cache = openCache(join(dir, 'calls.db'));
  let floorMs = 0;
  let fullMs = 0;
  let storeMs = 0;
  let bytes = 0;
  let stored = 0;
  for (let page = 0; page < PAGES; page++) {
    await fetch(`http://127.0.0.1:${port}/prepare?page=${page}`, { method: 'POST' });

    let t0 = performance.now();
    const text = await (await fetch(pageUrl(page))).text();
    JSON.parse(text);
    floorMs += performance.now() - t0;
    bytes += Buffer.byteLength(text);

    t0 = performance.now();
    const observations: CallObservation[] = [];
    let t1: number;
    if (STRINGIFY) {
      const calls = JSON.parse(await (await fetch(pageUrl(page))).text()) as unknown[];
      t1 = performance.now();
      const seenAt = Date.now();
      for (const call of calls) {
        const obs = observeVapiCall(call, seenAt);
        if (obs) observations.push(obs);
      }
    } else {
      const body = Buffer.from(await (await fetch(pageUrl(page))).arrayBuffer());
      const slices = splitJsonArray(body);
      const calls = slices.map(
        (slice) => JSON.parse(body.toString('utf8', slice.byteOffset, slice.byteOffset + slice.byteLength)) as unknown,
      );
      t1 = performance.now();
      const seenAt = Date.now();
      calls.forEach((call, i) => {
        const obs = observeVapiCall(call, seenAt, { json: slices[i] as Uint8Array });
        if (obs) observations.push(obs);
      });
    }
    stored += cache.upsert(observations).created.length;
    const t2 = performance.now();
    fullMs += t2 - t0;
    storeMs += t2 - t1;
  }
  cache.close();
  server.disconnect();
  rmSync(dir, { recursive: true, force: true });

  const perPage = (ms: number) => `${(ms / PAGES).toFixed(1)} ms`;
  const pageMb = bytes / PAGES / 1e6;
  console.log(
    `cache-store: ${CALLS} Vapi calls in pages of ${PAGE} (generator: bench/cache-fixtures.ts), ${stored} stored; ` +
      (STRINGIFY ? 'raw JSON re-serialized from the parsed calls' : "raw JSON from each call's bytes (splitJsonArray)"),
  );
  console.log(`  page                   ${pageMb.toFixed(1)} MB of JSON`);
  console.log(`  floor (fetch+parse)    ${perPage(floorMs)} per page`);
  console.log(
    `  full path              ${perPage(fullMs)} per page → ${Math.round(CALLS / (fullMs / 1000))} calls/s end to end`,
  );
  console.log(
    `  store part alone       ${perPage(storeMs)} per page (${(storeMs / PAGES / (pageMb * 10)).toFixed(2)} ms per 100 KB), ` +
      `${Math.round(CALLS / (storeMs / 1000))} calls/s`,
  );
  console.log(`  ratio full / floor     ${(fullMs / floorMs).toFixed(2)} (target ≤ 2)`);
  console.log(`  peak RSS               ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (target < 400 MB)`);
}

void main();
