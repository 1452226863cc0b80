/**
 * The sync under the fakes' fault injection (seeded rules on the backend list, the backend details and the Vapi
 * pages): 429 storms with and without Retry-After, 5xx, connection resets, truncated and malformed JSON. Runs may
 * fail, but repeated runs, with the faults still on, end in a cache equal to a fault-free reference, without
 * duplicates; and each source fails on its own (a Vapi failure does not stop the backend part, nor the reverse).
 * HTTP retries do not wait here (the rig's sleep only records), so a storm costs no wall time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultController, FaultRuleOptions, FaultSpec } from '../../fakes';
import type { SyncSourceResult } from '../../../src/shared/domain';
import type { Cache } from '../../../src/main/core/cache';
import { RETRY_FIRST_MS } from '../../../src/main/core/sync/engine';
import { fileHealth, snapshot, syncRig, type CallSnapshot, type SyncRig } from './helpers';

let r: SyncRig;
let reference: Map<string, CallSnapshot>;

beforeAll(async () => {
  r = await syncRig({ fakes: { seed: 11 } });
  await r.connect();
  // The fault-free reference. (Reading the backend scrubs its old transcripts for good, so every cache below sees
  // the same backend as this one did.)
  const status = await r.sync();
  expect(status.lastResults.every((x) => x.ok && !x.skipped)).toBe(true);
  reference = snapshot(r.cache);
  expect(reference.size).toBeGreaterThan(500);
});
afterAll(async () => {
  await r.close();
});

const LIST = 'GET /api/v1/calls';
const DETAIL = 'GET /api/v1/calls/:id';
const PAGES = 'GET /call';

type Rule = [service: 'backend' | 'vapi', match: string, fault: FaultSpec, options: FaultRuleOptions];

interface Outcome {
  runs: number;
  results: SyncSourceResult[][];
  cache: Cache;
  path: string;
}

/** A fresh cache synced again and again with the rules on, until one run has both sources succeed. */
async function syncUntilComplete(name: string, rules: Rule[], maxRuns = 40): Promise<Outcome> {
  const cache = r.openOther(`${name}.db`);
  const engine = r.newEngine({ cache });
  const faults: Record<'backend' | 'vapi', FaultController> = r.fakes.faults;
  r.fakes.faults.clearAll();
  for (const [service, match, fault, options] of rules) faults[service].set(match, fault, options);
  const results: SyncSourceResult[][] = [];
  try {
    engine.start();
    for (let run = 1; run <= maxRuns; run++) {
      const status = await engine.run();
      results.push(status.lastResults);
      const health = fileHealth(cache.path);
      expect(health).toMatchObject({ integrity: 'ok', fts: 'ok' });
      expect(health.distinctIds).toBe(health.calls);
      if (status.lastResults.every((x) => x.ok && !x.skipped)) return { runs: run, results, cache, path: cache.path };
    }
    throw new Error(`${name}: no complete run in ${maxRuns}: ${JSON.stringify(results.at(-1))}`);
  } finally {
    r.fakes.faults.clearAll();
    await engine.stop();
  }
}

function expectEqualToReference(cache: Cache): void {
  const got = snapshot(cache);
  expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
  for (const [id, want] of reference) expect(got.get(id), id).toEqual(want);
}

const everywhere = (fault: FaultSpec, probability: number): Rule[] => [
  ['backend', LIST, fault, { probability }],
  ['backend', DETAIL, fault, { probability }],
  ['vapi', PAGES, fault, { probability }],
];

describe('faults: repeated runs end in a complete cache', { timeout: 120_000 }, () => {
  it('429 storms, with Retry-After (short and too long to wait) and without', async () => {
    const outcome = await syncUntilComplete('storm', [
      ...everywhere({ kind: 'status', status: 429 }, 0.5),
      ['backend', DETAIL, { kind: 'status', status: 429, retryAfter: 2 }, { probability: 0.3 }],
      ['vapi', PAGES, { kind: 'status', status: 429, retryAfter: 1 }, { probability: 0.3 }],
      // A server asking for two minutes: the client does not sleep through it, the request fails for this run.
      ['backend', DETAIL, { kind: 'status', status: 429, retryAfter: 120 }, { probability: 0.1 }],
      ['vapi', PAGES, { kind: 'status', status: 429, retryAfter: 120 }, { probability: 0.15 }],
    ]);
    // Retry-After was honoured where it was short, the backoff used where there was none.
    expect(r.sleeps).toContain(2000);
    expect(r.sleeps).toContain(1000);
    expect(r.sleeps.some((ms) => ms >= 800 && ms <= 1200)).toBe(true);
    expect(outcome.results.flat().some((x) => x.error?.code === 'rate-limited')).toBe(true);
    expectEqualToReference(outcome.cache);
  });

  it('5xx answers and connection resets', async () => {
    const outcome = await syncUntilComplete('unreliable', [
      ...everywhere({ kind: 'status', status: 500 }, 0.3),
      ...everywhere({ kind: 'status', status: 503 }, 0.2),
      ['backend', DETAIL, { kind: 'status', status: 502 }, { probability: 0.2 }],
      // A reset that outlasts the retries reads as offline: the rest of the details wait for the next run.
      ...everywhere({ kind: 'reset' }, 0.15),
    ]);
    expect(outcome.results.flat().some((x) => x.error?.code === 'server-error')).toBe(true);
    expectEqualToReference(outcome.cache);
  });

  it('truncated and malformed JSON on the list, the details and the Vapi pages', async () => {
    const outcome = await syncUntilComplete('damaged', [
      ...everywhere({ kind: 'truncated', variant: 'short-body' }, 0.25),
      ...everywhere({ kind: 'truncated', variant: 'cut-json' }, 0.2),
      ...everywhere({ kind: 'malformed' }, 0.2),
    ]);
    // A damaged body is not retried: some runs failed with it, and the next ones finished the job.
    expect(outcome.runs).toBeGreaterThan(1);
    expect(outcome.results.flat().some((x) => x.error?.code === 'invalid-response')).toBe(true);
    expectEqualToReference(outcome.cache);
  });
});

describe('faults: each source on its own', { timeout: 60_000 }, () => {
  it('Vapi down: the backend part still syncs, and Vapi says why it failed', async () => {
    const cache = r.openOther('vapi-down.db');
    const engine = r.newEngine({ cache });
    r.fakes.faults.vapi.set(PAGES, { kind: 'status', status: 503 });
    try {
      engine.start();
      const status = await engine.run();
      expect(status.lastResults).toEqual([
        expect.objectContaining({ source: 'backend', ok: true, changed: expect.any(Number) }),
        expect.objectContaining({
          source: 'vapi',
          ok: false,
          changed: 0,
          error: expect.objectContaining({ code: 'server-error' }),
        }),
      ]);
      expect(status.pausedReason).toBeNull();
      expect(status.lastSyncAt).not.toBeNull();
      // A passing fault brings the next run forward: in a minute, then two, never past the interval.
      expect(Date.parse(status.nextSyncAt!)).toBe(r.fakes.clock.now() + RETRY_FIRST_MS);
      expect(Date.parse((await engine.run()).nextSyncAt!)).toBe(r.fakes.clock.now() + 2 * RETRY_FIRST_MS);
      const inBackend = [...reference.values()].filter((c) => c.inBackend).map((c) => c.id);
      expect(cache.counts()).toMatchObject({ calls: inBackend.length, inBackend: inBackend.length, inVapi: 0 });
    } finally {
      r.fakes.faults.clearAll();
    }
    // Once Vapi is back, the next run completes the cache, and the schedule is the interval again.
    const status = await engine.run();
    expect(status.lastResults.every((x) => x.ok)).toBe(true);
    expect(Date.parse(status.nextSyncAt!)).toBe(r.fakes.clock.now() + 15 * 60_000);
    expectEqualToReference(cache);
    await engine.stop();
  });

  it('backend down: Vapi still syncs, and the backend says why it failed', async () => {
    const cache = r.openOther('backend-down.db');
    const engine = r.newEngine({ cache });
    r.fakes.faults.backend.set(LIST, { kind: 'status', status: 500 });
    try {
      engine.start();
      const status = await engine.run();
      expect(status.lastResults).toEqual([
        expect.objectContaining({
          source: 'backend',
          ok: false,
          error: expect.objectContaining({ code: 'server-error' }),
        }),
        expect.objectContaining({ source: 'vapi', ok: true, changed: 500 }),
      ]);
      expect(cache.counts()).toMatchObject({ calls: 500, inBackend: 0, inVapi: 500 });
    } finally {
      r.fakes.faults.clearAll();
    }
    await engine.run();
    expectEqualToReference(cache);
    await engine.stop();
  });
});
