/**
 * Store speed: a Vapi backfill through the cache, against a fetch-and-parse-only floor.
 *
 *   npx tsx bench/cache-store.ts [--calls 100000] [--page 1000] [--fixtures] [--stringify] [--no-floor]
 *
 * Pages of Vapi calls come over loopback HTTP (bench/cache-source.ts: the Vapi fake's scale world, or
 * `--fixtures`). For each page:
 * - the floor fetches it and JSON-parses it (`--no-floor` skips it, to see memory and speed without it);
 * - the full path fetches it again, splits the array into each call's bytes (splitJsonArray), parses each call,
 *   normalises it (observeVapiCall, with its bytes) and stores the page (Cache.upsert, one transaction). With
 *   `--stringify` it parses the page whole instead, and the cache serializes each call again for its raw JSON.
 * Then `Cache.optimize()`, as the sync does after a backfill, timed apart.
 * Prints calls/s end to end, ms per page for the floor, the full path and the store part alone (normalise + upsert),
 * their ratio, and the peak RSS of this process (the fake's memory is its own), each next to its target, then one
 * PASS/FAIL line per target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitJsonArray } from '../src/main/core/calls/json-array';
import type { CallObservation } from '../src/main/core/calls/merge';
import { observeVapiCall } from '../src/main/core/calls/observe';
import { openCache } from '../src/main/core/cache';
import { argNumber, sourceFromArgs } from './cache-source';
import { Targets } from './targets';

const CALLS = argNumber('--calls', 100_000);
const PAGE = argNumber('--page', 1000);
const STRINGIFY = process.argv.includes('--stringify');
const FLOOR = !process.argv.includes('--no-floor');

async function main(): Promise<void> {
  const source = await sourceFromArgs(PAGE);
  const dir = mkdtempSync(join(tmpdir(), 'ava-cache-store-'));
  const cache = openCache(join(dir, 'calls.db'));
  let floorMs = 0;
  let fullMs = 0;
  let storeMs = 0;
  let bytes = 0;
  let pages = 0;
  let stored = 0;
  let cursor: string | null = null;
  try {
    while (stored < CALLS) {
      await source.prepare(cursor);
      if (FLOOR) {
        const t0 = performance.now();
        const body = await source.fetchPage(cursor);
        if (body === null) break;
        JSON.parse(body.toString('utf8'));
        floorMs += performance.now() - t0;
      }

      const t0 = performance.now();
      const body = await source.fetchPage(cursor);
      if (body === null) break;
      let calls: unknown[];
      const observations: CallObservation[] = [];
      let t1: number;
      if (STRINGIFY) {
        calls = JSON.parse(body.toString('utf8')) as unknown[];
        t1 = performance.now();
        const seenAt = Date.now();
        for (const call of calls) {
          const obs = observeVapiCall(call, seenAt);
          if (obs) observations.push(obs);
        }
      } else {
        const slices = splitJsonArray(body);
        calls = slices.map(
          (s) =>
            JSON.parse(
              body.toString('utf8', s.byteOffset - body.byteOffset, s.byteOffset - body.byteOffset + s.byteLength),
            ) as unknown,
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
      bytes += body.length;
      pages++;
      cursor = source.nextCursor(calls, cursor);
      if (cursor === null) break;
    }
    const backfillRssMb = process.resourceUsage().maxRSS / 1024;
    const t0 = performance.now();
    cache.optimize();
    const optimizeMs = performance.now() - t0;

    const perPage = (ms: number) => `${(ms / pages).toFixed(1)} ms`;
    const targets = new Targets();
    const pageMb = bytes / pages / 1e6;
    console.log(
      `cache-store: ${stored} Vapi calls in ${pages} pages of ${PAGE} from ${source.name}; ` +
        (STRINGIFY
          ? 'raw JSON re-serialized from the parsed calls'
          : "raw JSON from each call's bytes (splitJsonArray)"),
    );
    console.log(
      `  page                   ${pageMb.toFixed(2)} MB of JSON (${(bytes / stored / 1024).toFixed(1)} KB/call)`,
    );
    if (FLOOR) console.log(`  floor (fetch+parse)    ${perPage(floorMs)} per page`);
    console.log(
      `  full path              ${perPage(fullMs)} per page → ${Math.round(stored / (fullMs / 1000))} calls/s end to end ` +
        targets.check('store speed', Math.round(stored / (fullMs / 1000)), '>=', 3000, ' calls/s'),
    );
    console.log(
      `  store part alone       ${perPage(storeMs)} per page (${(storeMs / pages / (pageMb * 10)).toFixed(2)} ms per 100 KB), ` +
        `${Math.round(stored / (storeMs / 1000))} calls/s`,
    );
    if (FLOOR) {
      console.log(
        `  ratio full / floor     ${(fullMs / floorMs).toFixed(2)} ${targets.check('full / floor', fullMs / floorMs, '<=', 2)}`,
      );
    }
    console.log(`  optimize() after       ${(optimizeMs / 1000).toFixed(1)} s (FTS merge + VACUUM)`);
    const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(
      `  peak RSS               ${backfillRssMb.toFixed(0)} MB during the backfill, ` +
        `${peakMb} MB after optimize() ${targets.check('peak RSS', peakMb, '<', 400, ' MB')}`,
    );
    targets.report();
  } finally {
    cache.close();
    source.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
