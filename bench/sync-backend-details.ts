/**
 * Backend details at bounded concurrency: the sync's detail phase for 200 listed calls, each detail held back 50 ms by
 * a latency fault, against the bound ceil(200 ÷ concurrency) × 50 ms (target ≤ 1.3× the bound).
 *
 *   npx tsx bench/sync-backend-details.ts [--passes 3] [--latency 50] [--concurrency 4,8,16]
 *
 * The fakes run in their own process (`test/fakes/cli.ts --world clinic`: the demo tenant's backend lists 200 calls);
 * the latency fault is set through their control route. This process is the app: a trust base as `createCore` builds
 * it (in-memory keychain, signed in with the demo account, no Vapi key so only the backend syncs) and, per pass, a
 * fresh cache and `SyncEngine.run()`. The detail phase is timed from the engine's first `backend-details` progress
 * event (sent once the list is stored) to the end of the run (the last details committed; Vapi is skipped). Each pass
 * must have fetched exactly 200 details (counted from the fake's request log), or the bench stops: a bound met by
 * fetching fewer proves nothing. Each concurrency's median is printed against the target, then one PASS/FAIL line each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTrustBase } from '../src/main/core/auth/accounts';
import { openCache } from '../src/main/core/cache';
import type { KeychainBackend } from '../src/main/core/secrets/vault';
import { SyncEngine } from '../src/main/core/sync/engine';
import { Targets } from './targets';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const PASSES = Number(arg('passes') ?? 3);
const LATENCY = Number(arg('latency') ?? 50);
const CONCURRENCY = (arg('concurrency') ?? '4,8,16').split(',').map(Number);
/** The clinic world's backend lists 200 calls, and the sync fetches the detail of each on a fresh cache. */
const DETAILS = 200;

interface FakesInfo {
  urls: { vapi: string; backend: string };
  backend: { email: string; password: string };
}

function memoryKeychain(): KeychainBackend {
  const store = new Map<string, string>();
  return {
    getPassword: async (s, a) => store.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void store.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => store.delete(`${s}/${a}`),
  };
}

async function startFakesProcess(): Promise<{ child: ChildProcess; info: FakesInfo }> {
  const cli = join(__dirname, '../test/fakes/cli.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--world', 'clinic', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fakes exited with ${String(code)}`)));
  });
  return { child, info: JSON.parse(line) as FakesInfo };
}

async function control(base: string, path: string, init: RequestInit): Promise<void> {
  const res = await fetch(`${base}/__control${path}`, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status}: ${await res.text()}`);
}

/** Calls whose detail (`GET /api/v1/calls/<id>`) the backend fake served (200) since its request log was cleared. */
async function detailsServed(base: string): Promise<number> {
  const res = await fetch(`${base}/__control/requests`);
  if (!res.ok) throw new Error(`GET /__control/requests → ${res.status}`);
  const log = (await res.json()) as { method: string; path: string; status: number }[];
  const paths = log.filter((r) => r.method === 'GET' && r.status === 200 && /^\/api\/v1\/calls\/[^/]+$/.test(r.path));
  return new Set(paths.map((r) => r.path)).size;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, node ${process.version}`,
  );
  const { child, info } = await startFakesProcess();
  const dir = mkdtempSync(join(tmpdir(), 'ava-sync-details-'));
  const targets = new Targets();
  try {
    await control(info.urls.backend, '/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: 'GET /api/v1/calls/:id', fault: { kind: 'latency', ms: LATENCY } }),
    });
    const trust = createTrustBase({ dataDir: dir, env: {}, keychain: memoryKeychain(), userAgent: 'AVA-Desk/bench' });
    trust.settings.setBackendUrl(info.urls.backend);
    await trust.accounts.signIn(info.backend.email, info.backend.password, false);
    console.log(
      `200 backend details, ${LATENCY} ms of latency each, ${PASSES} passes per concurrency (fresh cache each)`,
    );
    for (const concurrency of CONCURRENCY) {
      const times: number[] = [];
      let details = 0;
      for (let pass = 0; pass < PASSES; pass++) {
        const cache = openCache(join(dir, `c${concurrency}-${pass}.db`));
        let started = NaN;
        let ended = NaN;
        const engine = new SyncEngine({
          cache,
          backend: trust.backend,
          session: trust.session,
          vapi: trust.vapi,
          vault: trust.vault,
          settings: trust.settings,
          logger: trust.logger,
          backendConcurrency: concurrency,
          onProgress: (p) => {
            if (p.phase !== 'backend-details') return;
            if (Number.isNaN(started)) started = performance.now();
            if (p.total !== null && p.done >= p.total) details = p.total;
          },
        });
        await control(info.urls.backend, '/requests', { method: 'DELETE' });
        engine.start();
        const status = await engine.run();
        // The phase ends with its last commit, which comes after the last detail's progress event.
        ended = performance.now();
        await engine.stop();
        cache.close();
        if (!status.lastResults[0]?.ok) throw new Error(`the backend sync failed: ${JSON.stringify(status)}`);
        const fetched = await detailsServed(info.urls.backend);
        if (details !== DETAILS || fetched !== DETAILS) {
          throw new Error(
            `expected ${DETAILS} details, the sync reported ${details} and the backend served ${fetched} (concurrency ${concurrency}, pass ${pass + 1})`,
          );
        }
        times.push(ended - started);
      }
      const bound = Math.ceil(details / concurrency) * LATENCY;
      const best = Math.min(...times);
      const mid = median(times);
      console.log(
        `concurrency ${String(concurrency).padStart(2)}: ${details} details in ${times.map((t) => t.toFixed(0)).join(' / ')} ms ` +
          `(median ${mid.toFixed(0)}); bound ceil(${details}/${concurrency}) × ${LATENCY} = ${bound} ms → ` +
          `${(mid / bound).toFixed(2)}× the bound (best ${(best / bound).toFixed(2)}×) ` +
          targets.check(`details at concurrency ${concurrency} (median / bound)`, mid / bound, '<=', 1.3, '×'),
      );
    }
    targets.report();
    await trust.close();
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
