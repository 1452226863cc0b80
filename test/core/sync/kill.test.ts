/**
 * The kill test: a child process (kill-child.ts, the real core and engine, its own cache file) syncs against the fakes
 * running here, and is SIGKILLed at seeded moments spread over the backend list, the backend details and the Vapi
 * pages (latency faults give each phase time to be hit mid-flight, including mid-commit). After every kill the file
 * passes `PRAGMA integrity_check` and the search index's own check, has no duplicate call, every call in it reads
 * back whole, and nothing a previous run committed is gone. Each chain of kills ends with one uninterrupted run, and
 * the cache then equals a clean reference made by one uninterrupted run into a fresh folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, startFakes, type Fakes } from '../../fakes';
import { openCache } from '../../../src/main/core/cache';
import { VAPI_PROGRESS_KEY } from '../../../src/main/core/sync/plan';
import { START, fileHealth, snapshot, type CallSnapshot } from './helpers';

const CHILD = join(__dirname, 'kill-child.ts');
const ROOT = resolve(__dirname, '../../..');
const PHASES = ['backend-list', 'backend-details', 'vapi-calls'] as const;
type Phase = (typeof PHASES)[number];
const KILLS = 24;
/** The phase each kill of a chain aims at, in turn (a chain that completes starts over with an empty cache). */
const SCHEDULE: Phase[] = [
  'backend-details',
  'backend-list',
  'backend-details',
  'vapi-calls',
  'vapi-calls',
  'backend-list',
  'vapi-calls',
  'vapi-calls',
];
/** How long after a phase began a kill may land (ms), drawn uniformly. */
const WINDOW: Record<Phase, number> = { 'backend-list': 80, 'backend-details': 150, 'vapi-calls': 450 };

let fakes: Fakes;
const dirs: string[] = [];
let childScript: string;

/** mulberry32: the kill schedule is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last phase the child reported before it ended or was killed. */
  phase: string | null;
  lines: string[];
  stderr: string;
}

/** Runs the child on `dir`; with a `kill`, SIGKILLs it `delay` ms after it reports that phase (or a later one). */
function runChild(dir: string, kill?: { phase: Phase; delay: number }): Promise<ChildRun> {
  const { credentials } = fakes;
  const child = spawn(process.execPath, [childScript], {
    env: {
      ...process.env,
      // The bundle's native modules (better-sqlite3, keytar) come from the project.
      NODE_PATH: join(ROOT, 'node_modules'),
      AVA_KILL_DATA_DIR: dir,
      AVA_KILL_NOW: String(fakes.clock.now()),
      AVA_KILL_VAPI_URL: credentials.urls.vapi,
      AVA_KILL_BACKEND_URL: credentials.urls.backend,
      AVA_KILL_EMAIL: credentials.backend.email,
      AVA_KILL_PASSWORD: credentials.backend.password,
      AVA_KILL_VAPI_KEY: credentials.vapi.privateKey,
      AVA_KILL_CONCURRENCY: '8',
      AVA_KILL_PAGE_SIZE: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: ChildRun = { code: null, signal: null, phase: null, lines: [], stderr: '' };
  let armed = false;
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    run.lines.push(line);
    const [kind, , phase] = line.split(' ');
    if (kind !== 'progress' || phase === undefined) return;
    run.phase = phase;
    const at = PHASES.indexOf(phase as Phase);
    if (kill && !armed && (at < 0 || at >= PHASES.indexOf(kill.phase))) {
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), kill.delay);
    }
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ ...run, code, signal }));
  });
}

beforeAll(async () => {
  // The child is bundled once with tsx's own esbuild (what `--import tsx` does per file, done ahead): a kill test is
  // mostly child start-ups, and a bundle starts in half the time.
  const bundleDir = freshDir();
  childScript = join(bundleDir, 'kill-child.cjs');
  const esbuild = (await import(createRequire(require.resolve('tsx/package.json')).resolve('esbuild'))) as {
    build: typeof build;
  };
  await esbuild.build({
    entryPoints: [CHILD],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'keytar', 'electron'],
    logLevel: 'warning',
  });
  fakes = await startFakes({ clock: createFakeClock({ start: START, ticking: false }) });
  // Time for kills to land mid-flight: the list, each detail and each Vapi page are held back a little.
  fakes.faults.backend.set('GET /api/v1/calls', { kind: 'latency', ms: 80 });
  fakes.faults.backend.set('GET /api/v1/calls/:id', { kind: 'latency', ms: 12 });
  fakes.faults.vapi.set('GET /call', { kind: 'latency', ms: 40 });
});
afterAll(async () => {
  await fakes.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ava-kill-'));
  dirs.push(dir);
  return dir;
}

function readCache(dir: string): { snapshot: Map<string, CallSnapshot>; progress: unknown } {
  const cache = openCache(join(dir, 'calls.db'));
  try {
    return { snapshot: snapshot(cache), progress: cache.getSyncState(VAPI_PROGRESS_KEY) };
  } finally {
    cache.close();
  }
}

/** The same for two caches: their snapshots hold the same calls, each the same. */
function expectSameCalls(got: Map<string, CallSnapshot>, want: Map<string, CallSnapshot>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [id, call] of want) expect(got.get(id), id).toEqual(call);
}

interface Chains {
  kills: number;
  chains: number;
  killedIn: Record<string, number>;
}

/**
 * Kills children syncing into one cache, `SCHEDULE` in turn, until `kills` kills; a child that finishes before its
 * kill lands completes the chain (its cache must equal the reference) and a new chain starts on an empty cache. The
 * last chain is finished by one uninterrupted run.
 */
async function killChains(seed: number, kills: number, reference: Map<string, CallSnapshot>): Promise<Chains> {
  const random = seeded(seed);
  const out: Chains = { kills: 0, chains: 1, killedIn: {} };
  let step = 0;
  let dir = freshDir();
  let committed = new Set<string>();
  const expectComplete = (): void => {
    expect(fileHealth(join(dir, 'calls.db'))).toMatchObject({ integrity: 'ok', fts: 'ok' });
    expectSameCalls(readCache(dir).snapshot, reference);
  };
  while (out.kills < kills) {
    const phase = SCHEDULE[step++ % SCHEDULE.length]!;
    const run = await runChild(dir, { phase, delay: Math.floor(random() * WINDOW[phase]) });
    if (run.signal !== 'SIGKILL') {
      // It finished before the kill landed: a complete run after the kills before it. A new chain starts.
      expect(run.code, run.stderr).toBe(0);
      expectComplete();
      dir = freshDir();
      committed = new Set();
      out.chains++;
      step = 0;
      continue;
    }
    out.kills++;
    out.killedIn[run.phase ?? 'start'] = (out.killedIn[run.phase ?? 'start'] ?? 0) + 1;
    const health = fileHealth(join(dir, 'calls.db'));
    expect(health, `kill ${out.kills}, in ${run.phase}`).toMatchObject({ integrity: 'ok', fts: 'ok' });
    expect(health.distinctIds).toBe(health.calls);
    // Every call reads back whole, and nothing committed before is gone.
    const now = readCache(dir).snapshot;
    for (const id of committed) expect(now.has(id), id).toBe(true);
    committed = new Set(now.keys());
  }
  const last = await runChild(dir);
  expect(last.code, last.stderr).toBe(0);
  expectComplete();
  return out;
}

describe('kill test', () => {
  it(`SIGKILLed ${KILLS} times mid-sync, the cache stays whole and the next run finishes the job`, async () => {
    // The reference: one uninterrupted run into a fresh folder (it also makes the backend scrub what it will).
    const referenceDir = freshDir();
    const clean = await runChild(referenceDir);
    expect(clean.code, clean.stderr).toBe(0);
    const reference = readCache(referenceDir).snapshot;
    expect(reference.size).toBeGreaterThan(500);

    // Two caches killed side by side (the parent mostly waits on its children).
    const both = await Promise.all([
      killChains(20_261_124, KILLS / 2, reference),
      killChains(4_242, KILLS / 2, reference),
    ]);
    const killedIn: Record<string, number> = {};
    for (const one of both) {
      for (const [phase, n] of Object.entries(one.killedIn)) killedIn[phase] = (killedIn[phase] ?? 0) + n;
    }
    const kills = both[0].kills + both[1].kills;
    // At least 20 kills, spread over the list, the details and the Vapi pages.
    const spread = JSON.stringify({ killedIn, chains: both.map((b) => b.chains) });
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(killedIn['backend-list'] ?? 0, spread).toBeGreaterThanOrEqual(3);
    expect(killedIn['backend-details'] ?? 0, spread).toBeGreaterThanOrEqual(3);
    expect(killedIn['vapi-calls'] ?? 0, spread).toBeGreaterThanOrEqual(5);
  }, 180_000);
});
