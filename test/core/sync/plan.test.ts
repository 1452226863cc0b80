/**
 * The sync's pure decisions (plan.ts): which backend details to fetch, how fingerprints follow the list, the backend's
 * window, which slice of Vapi's log to read, and how Vapi pages are cut, including calls that share a millisecond,
 * proven against the Vapi fake with a world where many calls share a `createdAt`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallSyncInfo } from '../../../src/main/core/cache/cache';
import { forEachConcurrent } from '../../../src/main/core/sync/pool';
import {
  backendWindowOf,
  detailsToFetch,
  firstCut,
  ANALYSIS_GRACE_MS,
  isSettled,
  nextFingerprints,
  pageBounds,
  planVapi,
  stepPage,
  summaryChanged,
  summaryFingerprint,
  VAPI_OVERLAP_MS,
  VAPI_PROGRESS_KEY,
  type BackendSummaryLike,
  type PageCut,
  type VapiProgress,
} from '../../../src/main/core/sync/plan';
import { buildWorld, createFakeClock, GeneratedCalls, scaleSpec, type World } from '../../fakes';
import { START, allIds, syncRig, type SyncRig } from './helpers';

const NOW = Date.parse('2026-01-05T09:00:00.000Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function summary(id: string, startedAt: number | null, extra: Record<string, unknown> = {}): BackendSummaryLike {
  return {
    id,
    startedAt: startedAt === null ? null : iso(startedAt),
    status: 'completed',
    transcriptPreview: 'AVA: Bonjour',
    ...extra,
  } as BackendSummaryLike;
}

function info(
  id: string,
  transcriptState: CallSyncInfo['transcriptState'],
  startedAt: number | null = null,
): CallSyncInfo {
  return {
    id,
    inBackend: true,
    inVapi: false,
    status: 'completed',
    transcriptState,
    startedAt: startedAt === null ? null : iso(startedAt),
    backendSeenAt: null,
    vapiSeenAt: null,
  };
}

describe('backend: fingerprints', () => {
  it('tells a real change from the 24 h scrub, which only takes the preview away', () => {
    const before = summary('a', NOW - HOUR);
    const fp = summaryFingerprint(before);
    expect(summaryFingerprint({ ...before })).toBe(fp);
    expect(summaryChanged(fp, fp)).toBe(false);
    const scrubbed = summaryFingerprint({ ...before, transcriptPreview: null } as BackendSummaryLike);
    expect(summaryChanged(fp, scrubbed)).toBe(false);
    const restatused = summaryFingerprint({ ...before, status: 'ended' } as BackendSummaryLike);
    expect(summaryChanged(fp, restatused)).toBe(true);
    // A preview that appears, or changes, is news the detail may hold more of.
    expect(summaryChanged(scrubbed, fp)).toBe(true);
    expect(
      summaryChanged(fp, summaryFingerprint({ ...before, transcriptPreview: 'AVA: Bonsoir' } as BackendSummaryLike)),
    ).toBe(true);
    // Scrubbed and changed at once is a change.
    expect(
      summaryChanged(
        fp,
        summaryFingerprint({ ...before, status: 'ended', transcriptPreview: null } as BackendSummaryLike),
      ),
    ).toBe(true);
  });

  it('keeps only the listed calls, follows the scrub, and keeps the old fingerprint of a changed call', () => {
    const a = summary('a', NOW - HOUR);
    const b = summary('b', NOW - 2 * HOUR);
    const known = { a: summaryFingerprint(a), b: summaryFingerprint(b), gone: 'x.y' };
    const listed = [
      { ...a, transcriptPreview: null } as BackendSummaryLike,
      { ...b, status: 'ended' } as BackendSummaryLike,
      summary('new', NOW),
    ];
    const next = nextFingerprints(known, listed, summaryFingerprint);
    expect(Object.keys(next).sort()).toEqual(['a', 'b']);
    expect(next.a).toBe(summaryFingerprint(listed[0]!));
    expect(next.b).toBe(known.b);
  });
});

describe('backend: detailsToFetch', () => {
  const fp = summaryFingerprint;

  it('fetches new and changed calls, and pending transcripts while the backend may still hold them', () => {
    const rows = [
      summary('new', NOW - HOUR),
      summary('changed', NOW - 3 * DAY),
      summary('pending', NOW - 2 * HOUR),
      summary('pending-vapi-time', null),
      summary('complete', NOW - HOUR),
      summary('scrubbed', NOW - 2 * DAY),
      summary('never-started', null),
      summary('just-before-scrub', NOW - DAY + 1),
      summary('at-scrub', NOW - DAY),
    ];
    const fingerprints: Record<string, string> = {};
    for (const row of rows) if (row.id !== 'new') fingerprints[row.id] = fp(row);
    fingerprints.changed = fp({ ...rows[1]!, status: 'in-progress' } as BackendSummaryLike);
    const cached = new Map<string, CallSyncInfo>([
      ['changed', info('changed', 'full')],
      ['pending', info('pending', 'preview')],
      // The backend has no start time, Vapi's says 3 h ago.
      ['pending-vapi-time', info('pending-vapi-time', 'none', NOW - 3 * HOUR)],
      ['complete', info('complete', 'full')],
      ['scrubbed', info('scrubbed', 'expired')],
      ['never-started', info('never-started', 'none')],
      ['just-before-scrub', info('just-before-scrub', 'none')],
      ['at-scrub', info('at-scrub', 'none')],
    ]);
    expect(detailsToFetch(rows, cached, fingerprints, fp, NOW)).toEqual([
      { id: 'new', reason: 'new' },
      { id: 'changed', reason: 'changed' },
      { id: 'pending', reason: 'transcript-pending' },
      { id: 'pending-vapi-time', reason: 'transcript-pending' },
      { id: 'just-before-scrub', reason: 'transcript-pending' },
    ]);
  });

  it('asks once for an id the list repeats, and not at all for a scrub', () => {
    const row = summary('a', NOW - 2 * DAY);
    expect(detailsToFetch([row, row], new Map(), {}, fp, NOW)).toEqual([{ id: 'a', reason: 'new' }]);
    const scrubbed = { ...row, transcriptPreview: null } as BackendSummaryLike;
    expect(detailsToFetch([scrubbed], new Map([['a', info('a', 'full')]]), { a: fp(row) }, fp, NOW)).toEqual([]);
  });
});

describe('backend: the window the list covers', () => {
  it('is the oldest start time the backend itself reports; rows without one do not widen it', () => {
    const rows = [summary('a', NOW - HOUR), summary('b', null), summary('c', NOW - 5 * DAY), summary('d', NOW)];
    expect(backendWindowOf(rows, NOW)).toEqual({ since: iso(NOW - 5 * DAY), listed: 4, listedAt: NOW });
    expect(backendWindowOf([summary('b', null)], NOW).since).toBeNull();
    expect(backendWindowOf([], NOW)).toEqual({ since: null, listed: 0, listedAt: NOW });
  });
});

describe('vapi: planVapi', () => {
  it('first run: the whole window, from the newest call, nothing on top', () => {
    const plan = planVapi(undefined, NOW, 90);
    expect(plan).toEqual({
      newerThan: null,
      backfill: { from: null },
      windowStart: iso(NOW - 90 * DAY),
      progress: { highDone: null, lowDone: null, windowStart: iso(NOW - 90 * DAY) },
    });
  });

  it('an interrupted backfill resumes where it stopped, and what came since is read on top', () => {
    const stored: VapiProgress = {
      highDone: iso(NOW - HOUR),
      lowDone: iso(NOW - 30 * DAY),
      windowStart: iso(NOW - 90 * DAY),
    };
    const plan = planVapi(stored, NOW + DAY, 90);
    expect(plan.newerThan).toBe(iso(NOW - HOUR - VAPI_OVERLAP_MS));
    expect(plan.backfill).toEqual({ from: stored.lowDone });
    // The window chosen at the first run stays (a day later it is not moved forward).
    expect(plan.windowStart).toBe(stored.windowStart);
  });

  it('a complete backfill only reads what is new; a backfill that found nothing reads everything since its window', () => {
    const done: VapiProgress = {
      highDone: iso(NOW - HOUR),
      lowDone: iso(NOW - 90 * DAY),
      windowStart: iso(NOW - 90 * DAY),
    };
    expect(planVapi(done, NOW, 90).backfill).toBeNull();
    const empty: VapiProgress = { highDone: null, lowDone: done.windowStart, windowStart: done.windowStart };
    const plan = planVapi(empty, NOW, 90);
    expect(plan.backfill).toBeNull();
    expect(plan.newerThan).toBe(iso(NOW - 90 * DAY - VAPI_OVERLAP_MS));
  });

  it('honours a larger window setting by backfilling further; a smaller one keeps what is cached', () => {
    const done: VapiProgress = {
      highDone: iso(NOW - HOUR),
      lowDone: iso(NOW - 90 * DAY),
      windowStart: iso(NOW - 90 * DAY),
    };
    const wider = planVapi(done, NOW, 180);
    expect(wider.windowStart).toBe(iso(NOW - 180 * DAY));
    expect(wider.backfill).toEqual({ from: done.lowDone });
    expect(wider.progress.windowStart).toBe(iso(NOW - 180 * DAY));
    const narrower = planVapi(done, NOW, 30);
    expect(narrower.windowStart).toBe(done.windowStart);
    expect(narrower.backfill).toBeNull();
  });
});

describe('vapi: page cuts', () => {
  const call = (id: string, at: number) => ({ id, createdAt: iso(at) });
  const key = (c: { id: string; createdAt: string }) => c;
  const page = (...calls: [string, number][]) => calls.map(([id, at]) => call(id, at));

  it('a short page ends the list; a full one cuts inclusively at its oldest instant, leaving out what was seen', () => {
    expect(stepPage(firstCut(null, 3), page(['a', 3], ['b', 2]), 3, 1000, key).next).toBeNull();
    const step = stepPage(firstCut(null, 3), page(['a', 3], ['b', 2], ['c', 2]), 3, 1000, key);
    expect(step.fresh.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(step.next).toEqual({ boundary: iso(2), strict: false, seenAtBoundary: new Set(['b', 'c']), limit: 5 });
    // The next page starts again at that instant and yields only what is new there.
    const next = stepPage(step.next!, page(['c', 2], ['b', 2], ['d', 2], ['e', 1], ['f', 1]), 3, 1000, key);
    expect(next.fresh.map((c) => c.id)).toEqual(['d', 'e', 'f']);
    expect(next.next).toMatchObject({ boundary: iso(1), seenAtBoundary: new Set(['e', 'f']) });
  });

  it('a page all at one instant accumulates what was seen there', () => {
    const cut: PageCut = { boundary: iso(5), strict: false, seenAtBoundary: new Set(['a']), limit: 3 };
    const step = stepPage(cut, page(['a', 5], ['b', 5], ['c', 5]), 2, 1000, key);
    expect(step.fresh.map((c) => c.id)).toEqual(['b', 'c']);
    expect(step.next).toEqual({ boundary: iso(5), strict: false, seenAtBoundary: new Set(['a', 'b', 'c']), limit: 5 });
  });

  it('a full page of calls already seen asks for more of that instant; past the largest page it steps over it', () => {
    const cut: PageCut = { boundary: iso(5), strict: false, seenAtBoundary: new Set(['a', 'b']), limit: 2 };
    const grow = stepPage(cut, page(['a', 5], ['b', 5]), 2, 1000, key);
    expect(grow.fresh).toEqual([]);
    expect(grow.next).toEqual({ ...cut, limit: 4 });
    const atMax = stepPage({ ...cut, limit: 2 }, page(['a', 5], ['b', 5]), 2, 2, key);
    expect(atMax.skippedInstant).toBe(iso(5));
    expect(atMax.next).toEqual({ boundary: iso(5), strict: true, seenAtBoundary: new Set(), limit: 2 });
    // Below a strict cut nothing was seen yet.
    const below = stepPage(atMax.next!, page(['c', 4], ['d', 3]), 2, 2, key);
    expect(below.fresh.map((c) => c.id)).toEqual(['c', 'd']);
    expect(below.next).toMatchObject({ boundary: iso(3), strict: false, seenAtBoundary: new Set(['d']) });
  });

  it('pageBounds and isSettled', () => {
    expect(pageBounds([])).toBeNull();
    expect(pageBounds(page(['a', 2], ['b', 9], ['c', 1]))).toEqual({ oldest: iso(1), newest: iso(9) });
    const now = Date.parse('2026-03-01T12:00:00Z');
    const endedAgo = (ms: number): string => new Date(now - ms).toISOString();
    const summary = { summary: 'Booked for Tuesday.' };
    expect(isSettled({ status: 'ended', endedAt: endedAgo(1000), analysis: summary }, now)).toBe(true);
    expect(isSettled({ status: 'in-progress' }, now)).toBe(false);
    expect(isSettled({ status: null }, now)).toBe(false);
    expect(isSettled({ status: 'not-found' }, now)).toBe(true);
    // Just ended, no summary yet: Vapi may still be writing it, so read it again; later, it is what it is.
    expect(isSettled({ status: 'ended', endedAt: endedAgo(60_000) }, now)).toBe(false);
    expect(isSettled({ status: 'ended', endedAt: endedAgo(60_000), analysis: { summary: null } }, now)).toBe(false);
    expect(isSettled({ status: 'ended', endedAt: endedAgo(ANALYSIS_GRACE_MS) }, now)).toBe(true);
    expect(isSettled({ status: 'ended' }, now)).toBe(true);
  });
});

describe('pool: bounded concurrency', () => {
  const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps at most `concurrency` in flight, and a lane sends its next request before handing a result over', async () => {
    let inFlight = 0;
    let most = 0;
    const events: string[] = [];
    await forEachConcurrent(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      async (n) => {
        inFlight++;
        most = Math.max(most, inFlight);
        events.push(`start ${n}`);
        await tick(n % 2 === 0 ? 5 : 1);
        inFlight--;
        return n * 10;
      },
      (result) => {
        // While a result is handled, its lane has already started the next item.
        events.push(`result ${result} (in flight ${inFlight})`);
      },
    );
    expect(most).toBe(3);
    expect(events.filter((e) => e.startsWith('result')).length).toBe(7);
    expect(events.indexOf('start 4')).toBeLessThan(events.indexOf('result 10 (in flight 3)'));
  });

  it('the first failure stops new work and is rethrown once what is in flight has settled', async () => {
    const started: number[] = [];
    const handled: number[] = [];
    const failing = forEachConcurrent(
      [1, 2, 3, 4, 5, 6, 7, 8],
      2,
      async (n) => {
        started.push(n);
        await tick(n === 2 ? 1 : 4);
        if (n === 2) throw new Error('boom');
        return n;
      },
      (n) => void handled.push(n),
    );
    await expect(failing).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(handled).toEqual([1]);
    // An error in onResult stops it the same way.
    await expect(
      forEachConcurrent(
        [1, 2, 3],
        1,
        async (n) => n,
        (n) => {
          if (n === 1) throw new Error('commit failed');
        },
      ),
    ).rejects.toThrow('commit failed');
  });
});

/**
 * A small scale world whose calls come in groups sharing one `createdAt` (up to 37 at once, more than a page), served
 * by the real Vapi fake: the pager must yield every call exactly once.
 */
describe('vapi: calls sharing a millisecond, against the fake', () => {
  let r: SyncRig;
  let world: World;
  const GROUPS = [1, 37, 3, 10, 11, 1, 25, 2, 9, 40, 7];

  beforeAll(async () => {
    world = buildWorld(scaleSpec({ calls: 400, assistants: 4, days: 20 }), { seed: 7, anchor: START });
    const org = world.orgs[0]!;
    const calls = org.calls!;
    const times = Float64Array.from(calls.spec.times);
    // Collapse runs of calls onto the first one's instant.
    let i = 0;
    for (let g = 0; i < times.length; g++) {
      const size = GROUPS[g % GROUPS.length]!;
      for (let k = 1; k < size && i + k < times.length; k++) times[i + k] = times[i]!;
      i += size;
    }
    org.calls = new GeneratedCalls({ ...calls.spec, times });
    r = await syncRig({
      fakes: { world, clock: createFakeClock({ start: START, ticking: false }) },
      engine: { vapiPageSize: 10 },
    });
    await r.connect({ backend: false });
  });
  afterAll(async () => {
    await r.close();
  });

  it('caches every call once, whatever the page size', async () => {
    const status = await r.sync();
    expect(status.lastResults.find((x) => x.source === 'vapi')).toMatchObject({ ok: true });
    const truth = r.fakes.vapi.control.callsInWindow(r.fakes.credentials.vapi.orgId).map((c) => c.id);
    const instants = new Set(truth.map((id) => r.fakes.vapi.control.call(id)!.createdAt));
    expect(instants.size).toBeLessThan(truth.length / 5);
    const ids = allIds(r.cache);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...truth].sort());
    // Pages were cut inclusively at shared instants, and grew to read past a group larger than a page.
    const queries = r.fakes.vapi
      .requests()
      .filter((q) => q.path === '/call')
      .map((q) => q.query);
    expect(queries.some((q) => q.includes('createdAtLe='))).toBe(true);
    expect(queries.some((q) => /limit=(?:[2-9]\d|\d{3,})/.test(q))).toBe(true);
    expect(r.cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY)?.lowDone).toBe(
      r.cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY)?.windowStart,
    );
  });
});
