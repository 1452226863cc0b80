/**
 * Cache size on disk against the raw transcript bytes it holds (target ≤ 2.5×).
 *
 *   npx tsx bench/cache-size.ts [--calls 100000] [--fixtures] [--both]
 *
 * Stores Vapi calls (bench/cache-source.ts: the Vapi fake's scale world, or `--fixtures`) through the real path
 * (splitJsonArray → observeVapiCall → Cache.upsert, pages of 1,000), then `Cache.optimize()` and a checkpoint, as the
 * sync does after a backfill. With `--both`, every call is also seen by the backend: a detail with the transcript in
 * the backend's webhook format and the Vapi payload in `metadata` (the contract's worst case), so both sources' raw
 * JSON is kept for every call.
 * Prints bytes on disk (main file + WAL + shm), raw transcript bytes (`artifact.transcript`, UTF-8), the ratio, and
 * where the bytes go (dbstat); then the PASS/FAIL line of the target.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitJsonArray } from '../src/main/core/calls/json-array';
import type { CallObservation } from '../src/main/core/calls/merge';
import { observeBackendDetail, observeVapiCall } from '../src/main/core/calls/observe';
import { openCache } from '../src/main/core/cache';
import { argNumber, sourceFromArgs, transcriptBytes } from './cache-source';
import { Targets } from './targets';

const CALLS = argNumber('--calls', 100_000);
const BOTH = process.argv.includes('--both');

/** What the backend would hold for this call, had its webhook saved it. */
function backendDetailOf(call: Record<string, unknown>): Record<string, unknown> {
  const artifact = call.artifact as { transcript?: string } | undefined;
  return {
    id: call.id,
    assistantId: call.assistantId,
    customerNumber: (call.customer as { number?: string } | undefined)?.number ?? 'Unknown',
    status: 'completed',
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    durationSeconds: null,
    cost: call.cost,
    transcript: (artifact?.transcript ?? '')
      .replace(/^AI: /gm, 'AVA: ')
      .replace(/^User: /gm, 'Caller: ')
      .replace(/\n/g, '\n\n'),
    recordingUrl: null,
    metadata: { vapi: call },
  };
}

async function main(): Promise<void> {
  const source = await sourceFromArgs(1000);
  const dir = mkdtempSync(join(tmpdir(), 'ava-cache-size-'));
  const path = join(dir, 'calls.db');
  const cache = openCache(path);
  let transcript = 0;
  let stored = 0;
  let cursor: string | null = null;
  const started = performance.now();
  try {
    while (stored < CALLS) {
      const body = await source.fetchPage(cursor);
      if (body === null) break;
      const slices = splitJsonArray(body);
      const calls = slices.map((s) => JSON.parse(Buffer.from(s).toString('utf8')) as Record<string, unknown>);
      const seenAt = Date.now();
      const observations: CallObservation[] = [];
      calls.forEach((call, i) => {
        transcript += transcriptBytes(call);
        observations.push(observeVapiCall(call, seenAt, { json: slices[i] as Uint8Array }) as CallObservation);
        if (BOTH) observations.push(observeBackendDetail(backendDetailOf(call), seenAt) as CallObservation);
      });
      stored += cache.upsert(observations).created.length;
      cursor = source.nextCursor(calls, cursor);
      if (cursor === null) break;
    }
    const storeSeconds = (performance.now() - started) / 1000;
    cache.optimize();
    cache.checkpoint();
    // What reading costs at this size: the first page of the list, searches, one call.
    const reads: string[] = [];
    const timed = (label: string, read: () => unknown) => {
      const t0 = performance.now();
      read();
      reads.push(`${label} ${(performance.now() - t0).toFixed(1)} ms`);
    };
    timed('list page 1', () => cache.listCalls({ limit: 100 }));
    timed('search "rendez-vous"', () => cache.listCalls({ text: 'rendez-vous', limit: 100 }));
    timed('search "hel" (prefix)', () => cache.listCalls({ text: 'hel', limit: 100 }));
    timed('missing report', () => cache.missingFromBackend());
    const first = cache.listCalls({ limit: 1 }).items[0];
    if (first) timed('getCall', () => cache.getCall(first.id));
    cache.close();

    const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    const onDisk = size(path) + size(`${path}-wal`) + size(`${path}-shm`);
    const db = new Database(path, { readonly: true });
    const tables = db
      .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
      .all() as { name: string; bytes: number }[];
    const pageSize = db.pragma('page_size', { simple: true });
    db.close();

    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    console.log(`cache-size: ${stored} Vapi calls${BOTH ? ' + a backend detail for each' : ''} from ${source.name}`);
    console.log(`  raw transcript bytes  ${mb(transcript)} (${Math.round(transcript / stored)} B/call)`);
    console.log(
      `  on disk (db+wal+shm)  ${mb(onDisk)} (${Math.round(onDisk / stored)} B/call), page size ${String(pageSize)}`,
    );
    const targets = new Targets();
    console.log(
      `  ratio                 ${(onDisk / transcript).toFixed(2)}× ` +
        targets.check('cache size / raw transcripts', onDisk / transcript, '<=', 2.5, '×'),
    );
    console.log(`  stored in             ${storeSeconds.toFixed(1)} s`);
    console.log(`  reads                 ${reads.join(', ')}`);
    for (const t of tables.filter((t) => t.bytes / onDisk > 0.005)) {
      console.log(
        `    ${t.name.padEnd(34)} ${mb(t.bytes).padStart(9)}  ${String(Math.round(t.bytes / stored)).padStart(5)} B/call  ${(t.bytes / transcript).toFixed(3)}×`,
      );
    }
    targets.report();
  } finally {
    if (cache.isOpen) cache.close();
    source.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
