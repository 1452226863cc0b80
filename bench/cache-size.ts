/**
 * Cache size on disk against the raw transcript bytes it holds (target ≤ 2.5×).
 *
 *   npx tsx bench/cache-size.ts [--calls 100000] [--both]
 *
 * Stores generated Vapi calls (bench/cache-fixtures.ts) through the real path (observeVapiCall → Cache.upsert, pages
 * of 1,000). With `--both`, every call is also seen by the backend (a detail with its own webhook-format transcript
 * and the Vapi payload in `metadata`, the contract's worst case), so both sources' raw JSON is kept for every call.
 * Prints bytes on disk (main file + WAL after a checkpoint), raw transcript bytes (`artifact.transcript`, UTF-8),
 * the ratio, and where the bytes go (dbstat).
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { observeBackendDetail, observeVapiCall } from '../src/main/core/calls/observe';
import type { CallObservation } from '../src/main/core/calls/merge';
import { openCache } from '../src/main/core/cache';
import { generateVapiCall, seededRandom } from './cache-fixtures';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const CALLS = arg('--calls', 100_000);
const BOTH = process.argv.includes('--both');
const PAGE = 1000;

const dir = mkdtempSync(join(tmpdir(), 'ava-cache-size-'));
const path = join(dir, 'calls.db');
const cache = openCache(path);
const rand = seededRandom(42);
let transcriptBytes = 0;
const started = performance.now();
for (let first = 0; first < CALLS; first += PAGE) {
  const observations: CallObservation[] = [];
  const seenAt = Date.UTC(2026, 0, 15, 12);
  for (let i = first; i < Math.min(first + PAGE, CALLS); i++) {
    const { call, transcriptBytes: bytes } = generateVapiCall(rand, i);
    transcriptBytes += bytes;
    observations.push(observeVapiCall(call, seenAt) as CallObservation);
    if (BOTH) {
      const artifact = call.artifact as { transcript: string };
      const detail = {
        id: call.id,
        assistantId: call.assistantId,
        customerNumber: (call.customer as { number: string }).number,
        status: 'completed',
        startedAt: call.startedAt,
        endedAt: call.endedAt,
        durationSeconds: null,
        cost: call.cost,
        transcript: artifact.transcript
          .replace(/^AI: /gm, 'AVA: ')
          .replace(/^User: /gm, 'Caller: ')
          .replace(/\n/g, '\n\n'),
        recordingUrl: null,
        metadata: { vapi: call },
      };
      observations.push(observeBackendDetail(detail, seenAt) as CallObservation);
    }
  }
  cache.upsert(observations);
}
const storeSeconds = (performance.now() - started) / 1000;
cache.checkpoint();
cache.close();

const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
const onDisk = size(path) + size(`${path}-wal`) + size(`${path}-shm`);
const db = new Database(path, { readonly: true });
const tables = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as {
  name: string;
  bytes: number;
}[];
const pageSize = db.pragma('page_size', { simple: true });
db.close();
rmSync(dir, { recursive: true, force: true });

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
console.log(
  `cache-size: ${CALLS} Vapi calls${BOTH ? ' + a backend detail for each' : ''} (generator: bench/cache-fixtures.ts)`,
);
console.log(`  raw transcript bytes  ${mb(transcriptBytes)} (${Math.round(transcriptBytes / CALLS)} B/call)`);
console.log(`  on disk (db+wal+shm)  ${mb(onDisk)}, page size ${String(pageSize)}`);
console.log(`  ratio                 ${(onDisk / transcriptBytes).toFixed(2)}× (target ≤ 2.5×)`);
console.log(`  stored in             ${storeSeconds.toFixed(1)} s`);
for (const t of tables.filter((t) => t.bytes / onDisk > 0.005)) {
  console.log(`    ${t.name.padEnd(34)} ${mb(t.bytes).padStart(9)}  ${(t.bytes / transcriptBytes).toFixed(3)}×`);
}
