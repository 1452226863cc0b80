/**
 * The sync engine's behaviour against the fakes: one run at a time (concurrent calls share it), a request during a
 * run gives one follow-up, the schedule follows the interval setting, progress and status events, stopping, and the
 * reasons a sync is paused (signed out with no key, keychain unavailable, offline) with the status after each, the
 * cache staying browsable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings, SyncPhase, SyncProgress, SyncStatus } from '../../../src/shared/domain';
import { AuthSession } from '../../../src/main/core/auth/session';
import { Vault, type KeychainBackend } from '../../../src/main/core/secrets/vault';
import { RETRY_FIRST_MS } from '../../../src/main/core/sync/engine';
import { syncRig, type SyncRig } from './helpers';

let r: SyncRig;

beforeAll(async () => {
  r = await syncRig();
});
afterAll(async () => {
  await r.close();
});

const lists = (): number => r.fakes.backend.requests().filter((q) => q.path === '/api/v1/calls').length;
const until = async (done: () => boolean, ms = 10_000): Promise<void> => {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('sync engine', { timeout: 60_000 }, () => {
  it('signed out with no Vapi key: paused, nothing sent, the status says why', async () => {
    const status = await r.sync();
    expect(status).toMatchObject({
      running: false,
      phase: 'idle',
      lastSyncAt: null,
      pausedReason: 'signed-out',
      lastResults: [
        expect.objectContaining({ source: 'backend', ok: true, changed: 0, skipped: 'signed-out' }),
        expect.objectContaining({ source: 'vapi', ok: true, changed: 0, skipped: 'no-vapi-key' }),
      ],
    });
    // Still scheduled: the next try comes on its own.
    expect(Date.parse(status.nextSyncAt!)).toBe(r.fakes.clock.now() + 15 * 60_000);
    expect(r.fakes.backend.requests().filter((q) => q.path.startsWith('/api/v1/'))).toEqual([]);
    expect(r.fakes.vapi.requests()).toEqual([]);
    expect(r.engine.status()).toEqual(status);
  });

  it('concurrent runs share one; progress and status events go out as it works', async () => {
    await r.connect();
    r.progress.length = 0;
    r.statuses.length = 0;
    r.fakes.backend.clearRequests();
    const a = r.engine.run();
    const b = r.engine.run();
    expect(b).toBe(a);
    expect(r.engine.status().running).toBe(true);
    const status = await a;
    expect(await b).toBe(status);
    expect(lists()).toBe(1);
    expect(status).toMatchObject({ running: false, phase: 'idle', pausedReason: null });
    expect(status.lastResults.map((x) => [x.source, x.ok])).toEqual([
      ['backend', true],
      ['vapi', true],
    ]);
    expect(status.lastSyncAt).toBe(new Date(r.fakes.clock.now()).toISOString());

    // Progress: every event has the same shape; phases come in order; counts only go up; the details end at total.
    for (const p of r.progress) expect(Object.keys(p).sort()).toEqual(['done', 'phase', 'source', 'total']);
    const phases = r.progress.map((p) => `${p.source}:${p.phase}`).filter((x, i, all) => all[i - 1] !== x);
    expect(phases).toEqual(['backend:backend-list', 'backend:backend-details', 'vapi:vapi-calls']);
    const of = (phase: SyncPhase): SyncProgress[] => r.progress.filter((p) => p.phase === phase);
    expect(of('backend-list')).toEqual([{ source: 'backend', phase: 'backend-list', done: 0, total: null }]);
    const details = of('backend-details');
    expect(details.at(-1)).toEqual({ source: 'backend', phase: 'backend-details', done: 200, total: 200 });
    expect(details.every((p, i) => p.total === 200 && (i === 0 || p.done >= details[i - 1]!.done))).toBe(true);
    const vapi = of('vapi-calls');
    expect(vapi.every((p, i) => p.total === null && (i === 0 || p.done >= vapi[i - 1]!.done))).toBe(true);
    // Status events follow the phases, and the last one says it is over.
    expect(r.statuses[0]).toMatchObject({ running: true });
    expect(r.statuses.map((s) => s.phase)).toEqual(
      expect.arrayContaining(['backend-list', 'backend-details', 'vapi-calls']),
    );
    expect(r.statuses.at(-1)).toEqual(status);
  });

  it('a request during a run gives exactly one follow-up', async () => {
    r.fakes.backend.clearRequests();
    r.fakes.faults.backend.set('GET /api/v1/calls', { kind: 'latency', ms: 150 }, { times: 1 });
    const first = r.engine.run();
    r.engine.requestRun();
    r.engine.requestRun();
    r.engine.requestRun();
    await first;
    await until(() => lists() === 2 && !r.engine.status().running);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lists()).toBe(2);
    // Nothing asked for after that: back to the schedule.
    expect(r.engine.status()).toMatchObject({ running: false, nextSyncAt: expect.any(String) });
  });

  it('stop() lets go of a running sync, keeps what it committed, and runs nothing more', async () => {
    const engine = r.newEngine({ cache: r.openOther('stopped.db') });
    r.fakes.faults.backend.set('GET /api/v1/calls/:id', { kind: 'latency', ms: 40 });
    try {
      engine.start();
      await until(() => engine.status().phase === 'backend-details');
      await new Promise((resolve) => setTimeout(resolve, 150));
      const started = performance.now();
      await engine.stop();
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      r.fakes.faults.clearAll();
    }
    expect(engine.status()).toMatchObject({ running: false, nextSyncAt: null });
    expect(engine.status().lastResults[0]).toMatchObject({ source: 'backend', ok: false });
    expect(await engine.run()).toEqual(engine.status());
  });

  it('runs again on the interval from the settings, one run at a time', async () => {
    let minutes = 0.002; // 120 ms
    const settings = { get: (): Settings => ({ ...r.settings.get(), syncIntervalMinutes: minutes }) };
    const seen: SyncStatus[] = [];
    const engine = r.newEngine({ cache: r.openOther('scheduled.db'), settings, onStatus: (s) => seen.push(s) });
    r.fakes.backend.clearRequests();
    engine.start();
    await until(() => lists() >= 3, 20_000);
    // Never two at once: each run's start follows the previous one's end.
    const runs = seen.filter((s, i) => s.running && !seen[i - 1]?.running).length;
    expect(runs).toBeGreaterThanOrEqual(3);
    const listTimes = r.fakes.backend
      .requests()
      .filter((q) => q.path === '/api/v1/calls')
      .map((q) => q.at);
    for (let i = 1; i < listTimes.length; i++) expect(listTimes[i]! - listTimes[i - 1]!).toBeGreaterThanOrEqual(100);
    // A new setting takes effect at once (`reschedule`, as the core calls it on a settings change).
    await until(() => !engine.status().running);
    minutes = 60;
    engine.reschedule();
    expect(Date.parse(engine.status().nextSyncAt!)).toBe(r.fakes.clock.now() + 60 * 60_000);
    const count = lists();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lists()).toBe(count);
    await engine.stop();
  });

  it('keychain unavailable: paused for that reason, which hides both the key and the session', async () => {
    const broken: KeychainBackend = {
      getPassword: async () => {
        throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
      },
      setPassword: async () => {
        throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
      },
      deletePassword: async () => {
        throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
      },
    };
    const vault = new Vault({ service: 'AVA Desk test', backend: broken, redactor: r.redactor });
    const session = new AuthSession({ backend: r.backend, vault, settings: r.settings, now: r.fakes.clock.now });
    await expect(session.restore()).rejects.toMatchObject({ code: 'keychain-unavailable' });
    const engine = r.newEngine({ cache: r.openOther('no-keychain.db'), vault, session });
    engine.start();
    const status = await engine.run();
    expect(status).toMatchObject({
      running: false,
      pausedReason: 'keychain-unavailable',
      lastResults: [
        expect.objectContaining({ source: 'backend', skipped: 'signed-out' }),
        expect.objectContaining({ source: 'vapi', skipped: 'keychain-unavailable' }),
      ],
    });
    await engine.stop();
  });

  it('offline (the services gone): paused as offline, the cache still browsable', async () => {
    const before = r.cache.listCalls({ limit: 50 });
    expect(before.total).toBeGreaterThan(500);
    const lastSyncAt = r.engine.status().lastSyncAt;
    await r.fakes.close();
    r.fakes.clock.advance(60_000);
    const status = await r.engine.run();
    expect(status).toMatchObject({ running: false, pausedReason: 'offline', lastSyncAt });
    // Offline, the next try comes in a minute, then two, four…, never later than the interval (15 minutes here).
    const nextIn = (s: SyncStatus): number => Date.parse(s.nextSyncAt!) - r.fakes.clock.now();
    expect(nextIn(status)).toBe(RETRY_FIRST_MS);
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(nextIn(await r.engine.run()));
    expect(waits).toEqual([2, 4, 8, 15, 15].map((m) => m * 60_000));
    expect(status.lastResults).toEqual([
      expect.objectContaining({ source: 'backend', ok: false, error: expect.objectContaining({ code: 'offline' }) }),
      expect.objectContaining({ source: 'vapi', ok: false, error: expect.objectContaining({ code: 'offline' }) }),
    ]);
    expect(r.cache.listCalls({ limit: 50 })).toEqual(before);
    expect(r.cache.getCall(before.items[0]!.id)).not.toBeNull();
  });
});
