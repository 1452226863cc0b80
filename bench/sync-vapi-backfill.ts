/**
 * The Vapi backfill through the real sync engine, against a floor that only fetches and parses the same pages.
 *
 *   npx tsx bench/sync-vapi-backfill.ts [--page N] [--calls 100000] [--days 130] [--seed 1] [--no-floor]
 *
 * The fakes run in their own process (`test/fakes/cli.ts --world scale`: 100,000 generated calls over 120 days,
 * realistic transcripts), as the services do for the app. This process is the app: a trust base as `createCore`
 * builds it (in-memory keychain holding the fake's Vapi key, signed out of the backend so only Vapi syncs), a fresh
 * cache file, and `SyncEngine.run()` with a backfill window covering every call (`--days`, default 130).
 * `--calls N` builds a smaller scale world (scaleSpec) in the fakes process instead.
 *
 * Prints
 * - the sync: calls stored, wall time, calls/s, the CPU time of this process and of the fakes' (both share the
 *   machine's cores), how much of the wall time was spent in `Cache.upsert` and `Cache.optimize`, and this process's
 *   peak RSS during it (the kernel's VmHWM, reset just before the sync through /proc/self/clear_refs);
 * - the floor: the very `GET /call` requests the sync made (read back from the fake's request log), replayed in order
 *   with undici, each body `JSON.parse`d, nothing stored: calls/s over two passes after the sync, and the ratio sync
 *   time / floor time (mean of the two passes), with each pass's CPU time here and in the fakes. For reference, also
 *   a plain `createdAtLt` walk with the same page size, which the fake serves faster than any other paging (it builds
 *   the page such a cursor asks for next while the client parses, and the sync's inclusive cuts are never those);
 * - the cache on disk (main file + WAL + shm) after the sync against the raw transcript bytes of the same calls
 *   (`artifact.transcript`, else the legacy top-level `transcript`, UTF-8): the ratio.
 * Targets (the issue): ≥ 3,000 calls/s, ratio ≤ 2, peak RSS < 400 MB, size ≤ 2.5×: each printed next to its figure,
 * then one PASS/FAIL line per target at the end (bench/targets.ts). With `--no-floor`, only the first two are judged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { createTrustBase } from '../src/main/core/auth/accounts';
import { openCache } from '../src/main/core/cache';
import { SyncEngine, DEFAULT_VAPI_PAGE_SIZE } from '../src/main/core/sync/engine';
import type { KeychainBackend } from '../src/main/core/secrets/vault';
import { Targets } from './targets';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function num(name: string, fallback: number): number {
  const v = Number(arg(name));
  return Number.isFinite(v) && arg(name) !== undefined ? v : fallback;
}

const PAGE = num('page', DEFAULT_VAPI_PAGE_SIZE);
const DAYS = num('days', 130);
const CALLS = arg('calls') === undefined ? null : num('calls', 100_000);
const SEED = num('seed', 1);
/** Skips the floor passes (profiling the sync alone). */
const NO_FLOOR = process.argv.includes('--no-floor');

function memoryKeychain(): KeychainBackend {
  const store = new Map<string, string>();
  return {
    getPassword: async (s, a) => store.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void store.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => store.delete(`${s}/${a}`),
  };
}

function statusKb(pid: number | 'self', field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** CPU time (user + system) a process has used so far, in seconds (/proc/<pid>/stat; NaN where there is none). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

interface FakesInfo {
  urls: { vapi: string };
  vapi: { privateKey: string };
}

async function startFakesProcess(): Promise<{ child: ChildProcess; info: FakesInfo }> {
  const script = CALLS === null ? join(__dirname, '../test/fakes/cli.ts') : join(__dirname, 'sync-fakes-server.ts');
  const args =
    CALLS === null
      ? ['--world', 'scale', '--json', '--seed', String(SEED)]
      : ['--calls', String(CALLS), '--seed', String(SEED)];
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fakes exited with ${String(code)}`)));
  });
  return { child, info: JSON.parse(line) as FakesInfo };
}

interface FloorPass {
  ms: number;
  calls: number;
  transcript: number;
}

/** Fetch + JSON.parse of each page, nothing kept (also counts the raw transcript bytes). */
async function floorPass(info: FakesInfo, pages: AsyncIterable<string> | Iterable<string>): Promise<FloorPass> {
  const agent = new Agent({ connections: 1 });
  let calls = 0;
  let transcript = 0;
  const t0 = performance.now();
  try {
    for await (const query of pages) {
      const res = await request(`${info.urls.vapi}/call?${query}`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${info.vapi.privateKey}`, 'accept-encoding': 'gzip, br, deflate' },
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200) throw new Error(`GET /call → ${res.statusCode}: ${body.subarray(0, 200).toString()}`);
      const page = JSON.parse(body.toString('utf8')) as Page;
      lastPage = page;
      calls += page.length;
      for (const call of page) {
        const t = typeof call.artifact?.transcript === 'string' ? call.artifact.transcript : call.transcript;
        if (typeof t === 'string') transcript += Buffer.byteLength(t, 'utf8');
      }
    }
  } finally {
    await agent.close();
  }
  return { ms: performance.now() - t0, calls, transcript };
}

type Page = { createdAt: string; artifact?: { transcript?: unknown }; transcript?: unknown }[];
let lastPage: Page = [];

/** A `createdAtLt` walk from the newest call down to the window start, one page after the other. */
function* ltWalk(windowStart: string): Generator<string> {
  let cursor: string | null = null;
  for (;;) {
    yield `limit=${PAGE}&createdAtGe=${encodeURIComponent(windowStart)}${cursor ? `&createdAtLt=${encodeURIComponent(cursor)}` : ''}`;
    if (lastPage.length < PAGE) return;
    cursor = lastPage[lastPage.length - 1]!.createdAt;
  }
}

/** The `GET /call` queries the fake has seen, in order (its request log). */
async function loggedPageQueries(info: FakesInfo): Promise<string[]> {
  const res = await fetch(`${info.urls.vapi}/__control/requests`);
  const log = (await res.json()) as { method: string; path: string; query: string }[];
  return log.filter((q) => q.method === 'GET' && q.path === '/call').map((q) => q.query.replace(/^\?/, ''));
}

async function clearRequestLog(info: FakesInfo): Promise<void> {
  await fetch(`${info.urls.vapi}/__control/requests`, { method: 'DELETE' });
}

function sizeOnDisk(path: string): number {
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return size(path) + size(`${path}-wal`) + size(`${path}-shm`);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, node ${process.version}`,
  );
  const t = performance.now();
  const { child, info } = await startFakesProcess();
  console.log(`fakes up in ${(performance.now() - t).toFixed(0)} ms (pid ${child.pid})`);
  const dir = mkdtempSync(join(tmpdir(), 'ava-sync-bench-'));
  const targets = new Targets();
  const now = Date.now();
  const windowStart = new Date(now - DAYS * 86_400_000).toISOString();
  try {
    const trust = createTrustBase({
      dataDir: dir,
      env: {},
      keychain: memoryKeychain(),
      vapiUrl: info.urls.vapi,
      userAgent: 'AVA-Desk/bench',
    });
    await trust.vault.set('vapiPrivateKey', info.vapi.privateKey);
    trust.settings.update({ vapiBackfillDays: DAYS });
    const cachePath = join(dir, 'calls.db');
    const cache = openCache(cachePath);
    // Where the time goes: the cache's own share (merge, pack, SQLite, search index), timed around each call.
    let upsertMs = 0;
    let optimizeMs = 0;
    const upsert = cache.upsert.bind(cache);
    cache.upsert = (...args) => {
      const t = performance.now();
      try {
        return upsert(...args);
      } finally {
        upsertMs += performance.now() - t;
      }
    };
    const optimize = cache.optimize.bind(cache);
    cache.optimize = () => {
      const t = performance.now();
      optimize();
      optimizeMs += performance.now() - t;
    };
    let lastProgress = '';
    const engine = new SyncEngine({
      cache,
      backend: trust.backend,
      session: trust.session,
      vapi: trust.vapi,
      vault: trust.vault,
      settings: trust.settings,
      logger: trust.logger,
      vapiPageSize: PAGE,
      onProgress: (p) => (lastProgress = `${p.phase} ${p.done}`),
    });
    const hwmReset = resetPeakRss();
    const rssBefore = statusKb('self', 'VmRSS');
    let sampledPeak = rssBefore;
    const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, statusKb('self', 'VmRSS'))), 50);
    await clearRequestLog(info);
    const cpu0 = process.cpuUsage();
    const fakesCpu0 = cpuSeconds(child.pid);
    const t0 = performance.now();
    engine.start();
    const status = await engine.run();
    const syncMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const fakesCpu = cpuSeconds(child.pid) - fakesCpu0;
    clearInterval(sampler);
    const peak = Math.max(statusKb('self', 'VmHWM'), sampledPeak);
    await engine.stop();
    const vapi = status.lastResults.find((r) => r.source === 'vapi');
    if (!vapi?.ok) throw new Error(`the Vapi sync failed: ${JSON.stringify(vapi)}`);
    const counts = cache.counts();
    cache.close();
    await trust.close();
    const rate = Math.round((counts.inVapi / syncMs) * 1000);
    console.log(
      `sync: ${counts.inVapi} calls in ${(syncMs / 1000).toFixed(2)} s → ${rate} calls/s ` +
        `${targets.check('sync speed', rate, '>=', 3000, ' calls/s')} ` +
        `(page ${PAGE}; last progress: ${lastProgress}); CPU time of this process ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, of the fakes ${fakesCpu.toFixed(2)} s`,
    );
    console.log(
      `  of which Cache.upsert ${(upsertMs / 1000).toFixed(2)} s, Cache.optimize (compaction after the backfill) ${(optimizeMs / 1000).toFixed(2)} s, ` +
        `the rest (HTTP, split + parse + edge check, normalising, waiting for the fake) ${((syncMs - upsertMs - optimizeMs) / 1000).toFixed(2)} s`,
    );
    const peakMb = Math.round(peak / 1024);
    console.log(
      `peak RSS of this process during the sync: ${peakMb} MB ${targets.check('peak RSS', peakMb, '<', 400, ' MB')} ` +
        `(${hwmReset ? 'VmHWM reset before the sync' : 'VmHWM not resettable: sampled'}; ${(rssBefore / 1024).toFixed(0)} MB before)`,
    );

    const onDisk = sizeOnDisk(cachePath);
    if (NO_FLOOR) {
      targets.report();
      return;
    }
    // The floor after the sync (its garbage would otherwise count in the sync's peak RSS): the sync's own requests.
    const queries = await loggedPageQueries(info);
    const floors: (FloorPass & { cpu: number; fakesCpu: number })[] = [];
    for (let i = 0; i < 2; i++) {
      const fakes0 = cpuSeconds(child.pid);
      const own0 = process.cpuUsage();
      const pass = await floorPass(info, queries);
      const own = process.cpuUsage(own0);
      floors.push({ ...pass, cpu: (own.user + own.system) / 1e6, fakesCpu: cpuSeconds(child.pid) - fakes0 });
    }
    for (const [i, floor] of floors.entries()) {
      console.log(
        `floor pass ${i + 1} (the sync's ${queries.length} page requests replayed): ${floor.calls} calls in ${(floor.ms / 1000).toFixed(2)} s → ` +
          `${Math.round((floor.calls / floor.ms) * 1000)} calls/s; CPU time of this process ${floor.cpu.toFixed(2)} s, of the fakes ${floor.fakesCpu.toFixed(2)} s`,
      );
    }
    const floorMs = (floors[0]!.ms + floors[1]!.ms) / 2;
    const ratio = syncMs / floorMs;
    console.log(
      `ratio sync / floor (mean of the two passes): ${ratio.toFixed(2)} ${targets.check('sync / floor', ratio, '<=', 2)}`,
    );
    const lt = await floorPass(info, ltWalk(windowStart));
    console.log(
      `for reference, a createdAtLt walk (pages the fake prefetches): ${lt.calls} calls in ${(lt.ms / 1000).toFixed(2)} s → ` +
        `${Math.round((lt.calls / lt.ms) * 1000)} calls/s (sync / this: ${(syncMs / lt.ms).toFixed(2)})`,
    );
    const transcript = lt.transcript;
    const size = onDisk / transcript;
    console.log(
      `cache on disk: ${mb(onDisk)} for ${mb(transcript)} of raw transcripts → ${size.toFixed(2)}× ` +
        targets.check('cache size / raw transcripts', size, '<=', 2.5, '×'),
    );
    if (counts.inVapi !== lt.calls) {
      console.log(`WARNING: the cache holds ${counts.inVapi} Vapi calls, the createdAtLt walk read ${lt.calls}`);
    }
    targets.report();
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
