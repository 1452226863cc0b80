/**
 * The "missing from the backend" report (what `calls.missing` returns: `cache.missingFromBackend()`), after a full
 * sync of both sources, against the fakes' own truth: the same ids, the same count, the same window start; then
 * again after calls placed to the clinic's broken assistants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, OLD_BACKEND_WEBHOOK } from '../../fakes';
import type { Cache } from '../../../src/main/core/cache';
import { syncRig, type SyncRig } from './helpers';

let r: SyncRig;

beforeAll(async () => {
  r = await syncRig();
  await r.connect();
});
afterAll(async () => {
  await r.close();
});

/** The report and the fakes' truth, side by side. */
function compare(cache: Cache): { count: number; ids: string[] } {
  const truth = r.fakes.truth.missingFromBackend();
  const window = r.fakes.truth.backendWindow();
  const report = cache.missingFromBackend();
  expect(report.count).toBe(truth.length);
  expect(report.since).toBe(window.from === null ? null : new Date(window.from).toISOString());
  const all = cache.missingFromBackend({ limit: 1000 });
  const ids = all.items.map((c) => c.id);
  expect(ids.slice().sort()).toEqual(truth.map((c) => c.id).sort());
  // The default report lists the newest 100 of them; the count covers all.
  expect(report.items.map((c) => c.id)).toEqual(ids.slice(0, Math.min(100, truth.length)));
  // The same figure wherever the app shows it.
  expect(cache.counts().missingFromBackend).toBe(truth.length);
  expect(cache.listCalls({ onlyMissingFromBackend: true, limit: 1 }).total).toBe(truth.length);
  return { count: truth.length, ids };
}

describe('missing from the backend', () => {
  it('after a full sync of both sources, the report is the fakes’ truth exactly', async () => {
    const status = await r.sync();
    expect(status.lastResults.map((x) => [x.source, x.ok, x.skipped])).toEqual([
      ['backend', true, undefined],
      ['vapi', true, undefined],
    ]);
    const { count } = compare(r.cache);
    expect(count).toBeGreaterThan(20);
  });

  it('calls placed to the broken assistants show up in it, and nothing else moves', async () => {
    const orgId = r.fakes.credentials.vapi.orgId;
    const assistants = r.fakes.vapi.control.assistants(orgId);
    const legacy = assistants.find((a) => (a.server as { url?: string } | undefined)?.url === OLD_BACKEND_WEBHOOK)!;
    const noReport = assistants.find(
      (a) => Array.isArray(a.serverMessages) && !(a.serverMessages as string[]).includes('end-of-call-report'),
    )!;
    expect(legacy).toBeDefined();
    expect(noReport).toBeDefined();
    const before = compare(r.cache).count;
    const placed: string[] = [];
    for (const assistant of [legacy, noReport, legacy]) {
      r.fakes.clock.advance(5 * MINUTE);
      placed.push(String((await r.fakes.vapi.control.placeCall({ assistantId: String(assistant.id) })).call.id));
    }
    await r.sync();
    const after = compare(r.cache);
    expect(after.count).toBe(before + placed.length);
    // Newest first, each with its assistant (the report links to webhook repair from there).
    expect(after.ids.slice(0, 3)).toEqual(placed.slice().reverse());
    const items = r.cache.missingFromBackend().items.slice(0, 3);
    expect(items.map((c) => c.assistantId)).toEqual([legacy.id, noReport.id, legacy.id]);
  });
});
