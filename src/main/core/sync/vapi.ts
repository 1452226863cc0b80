/**
 * Sync from Vapi, the source of truth: `GET /call` newest first, paged with `createdAtLt`, one transaction per page
 * that also moves the progress marker, so memory stays flat however many calls there are and a killed process
 * resumes where its last committed page ended. Then the calls that were still in progress are read again.
 */
import type { SyncProgress } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import type { Cache } from '../cache/cache';
import type { CallObservation } from '../calls/merge';
import { observeVapiCall } from '../calls/observe';
import type { VapiCall } from '../clients/schemas';
import type { VapiCallsQuery, VapiClient } from '../clients/vapi';
import type { Logger } from '../log/logger';
import {
  isSettled,
  maxIso,
  pageBounds,
  planVapi,
  VAPI_PROGRESS_KEY,
  VAPI_UNSETTLED_KEY,
  type VapiProgress,
} from './plan';
import { forEachConcurrent } from './pool';
import type { SourceOutcome } from './backend';

export interface VapiSyncDeps {
  cache: Cache;
  vapi: VapiClient;
  logger: Logger;
  now: () => number;
  backfillDays: number;
  /** Calls per `GET /call` page (Vapi allows up to 1,000). */
  pageSize: number;
  concurrency: number;
  progress: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

export async function syncFromVapi(deps: VapiSyncDeps): Promise<SourceOutcome> {
  const { cache } = deps;
  const plan = planVapi(cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY), deps.now(), deps.backfillDays);
  let progress: VapiProgress = plan.initial ?? cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY)!;
  if (plan.initial) cache.setSyncState(VAPI_PROGRESS_KEY, plan.initial);
  let changed = 0;
  let done = 0;
  const report = (): void => deps.progress({ source: 'vapi', phase: 'vapi-calls', done, total: null });
  report();

  // Calls seen still in progress: read again at the end of this run (and of the next, until they settle).
  const unsettled = new Set(cache.getSyncState<string[]>(VAPI_UNSETTLED_KEY) ?? []);

  const store = (page: VapiCall[], next: VapiProgress): void => {
    const seenAt = deps.now();
    const observations: CallObservation[] = [];
    for (const call of page) {
      const observation = observeVapiCall(call, seenAt);
      if (observation) observations.push(observation);
      if (isSettled(call.status)) unsettled.delete(call.id);
      else unsettled.add(call.id);
    }
    const result = cache.upsert(observations, {
      syncState: { [VAPI_PROGRESS_KEY]: next, [VAPI_UNSETTLED_KEY]: [...unsettled] },
    });
    changed += result.created.length + result.changed.length;
    progress = next;
    done += page.length;
    report();
  };

  // 1. What is new since the last run: from now down to just below the last run's newest call.
  if (plan.newerThan !== null) {
    let newest = progress.highDone;
    for await (const page of pagesOf(deps, { createdAtGt: plan.newerThan }, undefined)) {
      newest = maxIso(newest, pageBounds(page)!.newest);
      // highDone moves only when this phase is complete: until then a crash re-reads it (it is small).
      store(page, progress);
    }
    if (newest !== progress.highDone) {
      progress = { ...progress, highDone: newest };
      cache.setSyncState(VAPI_PROGRESS_KEY, progress);
    }
  }

  // 2. The backfill, resumable: each page moves lowDone down with the calls it stored.
  if (plan.backfillFrom !== null) {
    for await (const page of pagesOf(deps, { createdAtGe: plan.windowStart }, plan.backfillFrom)) {
      store(page, { ...progress, lowDone: pageBounds(page)!.oldest });
    }
    progress = { ...progress, lowDone: plan.windowStart };
    cache.setSyncState(VAPI_PROGRESS_KEY, progress);
    deps.logger.info('vapi sync: backfill complete', { windowStart: plan.windowStart, calls: done });
  }

  // 3. Calls that were still in progress when read: read each again so it ends up final.
  if (unsettled.size > 0) {
    const fresh: VapiCall[] = [];
    const gone: string[] = [];
    await forEachConcurrent(
      [...unsettled],
      deps.concurrency,
      async (id) => {
        try {
          return await deps.vapi.getCall(id, deps.signal);
        } catch (error) {
          if (error instanceof AppError && error.code === 'not-found') {
            gone.push(id);
            return null;
          }
          throw error;
        }
      },
      (call) => {
        if (call) fresh.push(call);
      },
      deps.signal,
    );
    for (const id of gone) unsettled.delete(id);
    store(fresh, progress);
  }
  return { changed };
}

/**
 * Vapi's call log, newest first, one page at a time, from `from` (inclusive) down. Pages are cut at the oldest
 * `createdAt` of the previous page, inclusive, with the calls already seen at that instant left out: calls created in
 * the same millisecond are never skipped, and a page made only of them moves on strictly below it.
 */
async function* pagesOf(
  deps: Pick<VapiSyncDeps, 'vapi' | 'pageSize' | 'signal'>,
  window: VapiCallsQuery,
  from: string | undefined,
): AsyncGenerator<VapiCall[]> {
  let boundary = from;
  let strict = false;
  let seenAtBoundary = new Set<string>();
  for (;;) {
    const cut = boundary === undefined ? {} : strict ? { createdAtLt: boundary } : { createdAtLe: boundary };
    const page = await deps.vapi.listCalls({ ...window, ...cut, limit: deps.pageSize }, deps.signal);
    const fresh = page.filter((call) => !seenAtBoundary.has(call.id));
    const full = page.length >= deps.pageSize;
    if (fresh.length === 0) {
      if (!full || strict || boundary === undefined) return;
      strict = true;
      continue;
    }
    yield fresh;
    if (!full) return;
    const oldest = pageBounds(page)!.oldest;
    const atOldest = page.filter((call) => call.createdAt === oldest).map((call) => call.id);
    seenAtBoundary = oldest === boundary ? new Set([...seenAtBoundary, ...atOldest]) : new Set(atOldest);
    boundary = oldest;
    strict = false;
  }
}
