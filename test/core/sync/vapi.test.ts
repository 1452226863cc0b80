/**
 * Sync from Vapi against its fake (clinic world, fixed clock), backend signed out: the backfill holds exactly the
 * fake's calls within the window, an incremental run picks up a placed call and reads again a call that was in
 * progress once it has ended, and the window setting is honoured (narrower on a first run, widened later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratedCalls, MINUTE, type World } from '../../fakes';
import type { Settings } from '../../../src/shared/domain';
import { VAPI_PROGRESS_KEY, VAPI_UNSETTLED_KEY, type VapiProgress } from '../../../src/main/core/sync/plan';
import { STORE_BATCH_CALLS } from '../../../src/main/core/sync/vapi';
import { allIds, syncRig, type SyncRig } from './helpers';

const DAY = 24 * 60 * MINUTE;
let r: SyncRig;
let orgId: string;

beforeAll(async () => {
  r = await syncRig();
  orgId = r.fakes.credentials.vapi.orgId;
  await r.connect({ backend: false });
});
afterAll(async () => {
  await r.close();
});

const vapiIdsSince = (from: number): string[] =>
  r.fakes.vapi.control
    .callsInWindow(orgId, from, r.fakes.clock.now())
    .map((c) => c.id)
    .sort();

/** The same world with every call ended (the live one has finished), loaded into the running Vapi fake. */
function endLiveCalls(world: World): void {
  const ended: World = {
    ...world,
    orgs: world.orgs.map((org) =>
      org.calls ? { ...org, calls: new GeneratedCalls({ ...org.calls.spec, inProgressFrom: org.calls.count }) } : org,
    ),
  };
  r.fakes.vapi.control.reset();
  r.fakes.vapi.control.loadWorld(ended, {
    vapi: r.fakes.credentials.urls.vapi,
    backend: r.fakes.credentials.urls.backend,
  });
}

describe('vapi sync', () => {
  let live: string;

  it('backfills exactly the calls of the 90-day window, page by page, newest first', async () => {
    const status = await r.sync();
    expect(status.lastResults).toEqual([
      expect.objectContaining({ source: 'backend', skipped: 'signed-out' }),
      expect.objectContaining({ source: 'vapi', ok: true, changed: 500 }),
    ]);
    const ids = allIds(r.cache);
    expect(ids.sort()).toEqual(vapiIdsSince(r.fakes.clock.now() - 90 * DAY));
    expect(ids).toHaveLength(500);
    const counts = r.cache.counts();
    expect(counts).toMatchObject({ calls: 500, inVapi: 500, inBackend: 0 });
    // Every call that had a conversation has its transcript.
    for (const id of ids) {
      const raw = r.fakes.vapi.control.call(id)!;
      const messages = ((raw.artifact as { messages?: { role: string }[] } | undefined)?.messages ?? []).filter(
        (m) => m.role === 'user' || m.role === 'bot',
      );
      if (messages.length > 0) expect(r.cache.getCall(id)!.transcriptState, id).toBe('full');
    }
    const pages = r.fakes.vapi.requests().filter((q) => q.path === '/call');
    expect(pages[0]!.query).not.toContain('createdAtLe');
    expect(pages.slice(1).every((q) => q.query.includes('createdAtLe='))).toBe(true);
    expect(pages.every((q) => q.query.includes('createdAtGe=') && q.authorization)).toBe(true);
    // The call still in progress is remembered, to be read again.
    live = r.fakes.vapi.control.callsInWindow(orgId).find((c) => c.status === 'in-progress')!.id;
    expect(r.cache.getSyncState<string[]>(VAPI_UNSETTLED_KEY)).toEqual([live]);
    expect(r.cache.getCall(live)!.status).toBe('in-progress');
    const progress = r.cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY)!;
    expect(progress.lowDone).toBe(progress.windowStart);
  });

  it('an incremental run picks up a placed call; the one in progress is read again once it has ended', async () => {
    const [assistant] = r.fakes.vapi.control.assistants(orgId);
    r.fakes.clock.advance(30 * MINUTE);
    const first = await r.fakes.vapi.control.placeCall({ assistantId: String(assistant!.id) });
    r.fakes.vapi.clearRequests();
    await r.sync();
    expect(r.cache.getCall(String(first.call.id))).toMatchObject({ inVapi: true, status: 'ended' });
    // Only what is new was read: one page, cut just below the last run's newest call.
    const pages = r.fakes.vapi.requests().filter((q) => q.path === '/call');
    expect(pages).toHaveLength(1);
    expect(pages[0]!.query).toContain('createdAtGt=');
    expect(r.cache.getCall(live)!.status).toBe('in-progress');

    // The live call ends; later calls come in.
    endLiveCalls(r.fakes.world);
    r.fakes.clock.advance(30 * MINUTE);
    const second = await r.fakes.vapi.control.placeCall({ assistantId: String(assistant!.id) });
    r.fakes.vapi.clearRequests();
    await r.sync();
    expect(r.cache.getCall(String(second.call.id))).toMatchObject({ inVapi: true, status: 'ended' });
    expect(r.fakes.vapi.requests().map((q) => q.path)).toContain(`/call/${live}`);
    expect(r.cache.getCall(live)).toMatchObject({ status: 'ended', transcriptState: 'full' });
    expect(r.cache.getSyncState<string[]>(VAPI_UNSETTLED_KEY)).toEqual([]);
    expect(r.cache.counts().calls).toBe(502);
  });

  it('honours the window setting: a narrower first backfill, widened when the setting grows', async () => {
    let days = 20;
    const settings = { get: (): Settings => ({ ...r.settings.get(), vapiBackfillDays: days }) };
    const cache = r.openOther('narrow.db');
    const engine = r.newEngine({ cache, settings });
    engine.start();
    await engine.run();
    const narrow = allIds(cache).sort();
    expect(narrow).toEqual(vapiIdsSince(r.fakes.clock.now() - 20 * DAY));
    expect(narrow.length).toBeGreaterThan(50);
    expect(narrow.length).toBeLessThan(400);
    days = 90;
    await engine.run();
    expect(allIds(cache).sort()).toEqual(vapiIdsSince(r.fakes.clock.now() - 90 * DAY));
    await engine.stop();
  });

  it('commits the backfill a few pages at a time, each batch with the progress marker of its last page', async () => {
    const cache = r.openOther('batched.db');
    const commits: { calls: number; lowDone: string }[] = [];
    const upsert = cache.upsert.bind(cache);
    cache.upsert = (observations, options) => {
      const marker = options?.syncState?.[VAPI_PROGRESS_KEY] as VapiProgress | undefined;
      commits.push({ calls: observations.length, lowDone: marker?.lowDone ?? '' });
      return upsert(observations, options);
    };
    r.fakes.vapi.clearRequests();
    const engine = r.newEngine({ cache, vapiPageSize: 40 });
    engine.start();
    await engine.run();
    await engine.stop();
    const expected = vapiIdsSince(r.fakes.clock.now() - 90 * DAY);
    expect(allIds(cache).sort()).toEqual(expected);
    const pages = r.fakes.vapi.requests().filter((q) => q.path === '/call').length;
    // Pages of 40: one commit per STORE_BATCH_CALLS calls (and one for the rest), not one per page.
    expect(pages).toBeGreaterThan(expected.length / 40);
    expect(commits).toHaveLength(Math.ceil(expected.length / STORE_BATCH_CALLS));
    expect(commits.reduce((n, c) => n + c.calls, 0)).toBe(expected.length);
    // Each commit moves the marker down to the oldest call it holds.
    expect(commits.every((c) => c.lowDone !== '')).toBe(true);
    expect(commits.map((c) => c.lowDone)).toEqual([...commits.map((c) => c.lowDone)].sort().reverse());
  });

  it('a page that fails keeps the pages read before it: they are committed with their marker', async () => {
    const cache = r.openOther('failed-midway.db');
    let pageRequests = 0;
    // The fifth page request and every one after it (its retries too) fail: four pages of 40, fewer than a batch.
    r.fakes.faults.vapi.set((method, path) => method === 'GET' && path === '/call' && ++pageRequests >= 5, {
      kind: 'status',
      status: 503,
    });
    const engine = r.newEngine({ cache, vapiPageSize: 40 });
    try {
      engine.start();
      const status = await engine.run();
      expect(status.lastResults.find((x) => x.source === 'vapi')).toMatchObject({ ok: false });
    } finally {
      r.fakes.faults.clearAll();
      await engine.stop();
    }
    const kept = allIds(cache);
    expect(kept).toHaveLength(4 * 40);
    const marker = cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY)!;
    const createdAt = new Map(r.fakes.vapi.control.callsInWindow(orgId).map((c) => [c.id, c.createdAt]));
    const oldest = Math.min(...kept.map((id) => createdAt.get(id)!));
    expect(Date.parse(marker.lowDone!)).toBe(oldest);
  });
});
