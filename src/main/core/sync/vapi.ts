/**
 * Sync from Vapi, the source of truth: `GET /call` newest first, paged by `createdAt` (see `PageCut` in plan.ts), one
 * transaction per `STORE_BATCH_CALLS` calls (a few pages) that also moves the progress marker to the last page it
 * holds, so memory stays flat however many calls there are and a killed process resumes where its last committed batch
 * ended. The next page is already on its way while one is being stored. Then the calls that were still in progress at
 * an earlier run, and not seen again, are read again.
 */
import type { SyncProgress } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import type { Cache } from '../cache/cache';
import type { CallObservation } from '../calls/merge';
import { observeVapiCall } from '../calls/observe';
import type { VapiCall } from '../clients/schemas';
import { VAPI_MAX_LIMIT, type RawVapiCall, type VapiCallsQuery, type VapiClient } from '../clients/vapi';
import type { Logger } from '../log/logger';
import {
  firstCut,
  isSettled,
  laterIso,
  pageBounds,
  planVapi,
  stepPage,
  VAPI_PROGRESS_KEY,
  VAPI_UNSETTLED_KEY,
  type PageCut,
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

/**
 * Calls stored per transaction. A commit costs about 20 ms however few calls it holds (the search index flushes a
 * segment, and every index page a batch touched is written again: with the random call ids and assistants, that is
 * most leaves of those indexes); four pages of 250 take a quarter of the commits. What waits for its commit is only the
 * observations (about 10 KB a call with its JSON bytes), not the parsed pages.
 */
export const STORE_BATCH_CALLS = 1000;

export interface VapiOutcome extends SourceOutcome {
  /** Calls the cache did not hold before this run. */
  created: number;
  /** Whether this run completed the backfill (a good moment to compact the cache). */
  backfillCompleted: boolean;
}

export async function syncFromVapi(deps: VapiSyncDeps): Promise<VapiOutcome> {
  const { cache } = deps;
  const plan = planVapi(cache.getSyncState<VapiProgress>(VAPI_PROGRESS_KEY), deps.now(), deps.backfillDays);
  let progress = plan.progress;
  let changed = 0;
  let created = 0;
  let done = 0;
  const report = (): void => deps.progress({ source: 'vapi', phase: 'vapi-calls', done, total: null });
  report();

  // Calls seen still in progress by an earlier run: read again at the end unless this run sees them first.
  const carried = new Set(cache.getSyncState<string[]>(VAPI_UNSETTLED_KEY) ?? []);
  const unsettled = new Set(carried);

  /** What waits for the next commit: the observations of the pages read since the last one, and their progress. */
  let batch: { observations: CallObservation[]; calls: number; next: VapiProgress } | null = null;

  /** The progress marker of the last page read (committed or waiting in the batch). */
  const readUpTo = (): VapiProgress => batch?.next ?? progress;

  /** Commits the batch: its calls and the progress marker of its last page, in one transaction. */
  const flush = (): void => {
    if (batch === null) return;
    const { observations, calls, next } = batch;
    batch = null;
    const result = cache.upsert(observations, {
      syncState: { [VAPI_PROGRESS_KEY]: next, [VAPI_UNSETTLED_KEY]: [...unsettled] },
    });
    changed += result.created.length + result.changed.length;
    created += result.created.length;
    progress = next;
    done += calls;
    report();
  };

  /**
   * Stores calls (a page's come with their bytes: stored as received, not serialized again) and the progress, with the
   * next pages' up to `STORE_BATCH_CALLS` (`flush` commits what is left).
   */
  const store = (page: readonly { call: VapiCall; json?: Uint8Array }[], next: VapiProgress): void => {
    const seenAt = deps.now();
    batch ??= { observations: [], calls: 0, next };
    for (const { call, json } of page) {
      const observation = observeVapiCall(call, seenAt, json ? { json } : {});
      if (observation) batch.observations.push(observation);
      carried.delete(call.id);
      if (isSettled(call, seenAt)) unsettled.delete(call.id);
      else unsettled.add(call.id);
    }
    batch.calls += page.length;
    batch.next = next;
    if (batch.calls >= STORE_BATCH_CALLS) flush();
  };

  let backfillCompleted = false;
  try {
    // 1. What is new since the last run: from the newest call down to just below the last run's newest.
    if (plan.newerThan !== null) {
      let newest = progress.highDone;
      for await (const page of pagesOf(deps, { createdAtGt: plan.newerThan }, null)) {
        newest = laterIso(newest, pageBounds(page.map(keyOf))!.newest);
        // highDone moves only when this phase is complete: until then a crash re-reads it (it is small).
        store(page, progress);
      }
      flush();
      if (newest !== progress.highDone) {
        progress = { ...progress, highDone: newest };
        cache.setSyncState(VAPI_PROGRESS_KEY, progress);
      }
    }

    // 2. The backfill, resumable: each page moves lowDone down (and, on the first run, highDone up) with its calls.
    if (plan.backfill !== null) {
      for await (const page of pagesOf(deps, { createdAtGe: plan.windowStart }, plan.backfill.from)) {
        const bounds = pageBounds(page.map(keyOf))!;
        // The marker of the last page read, not of the last one committed: a batch moves it with its last page's calls.
        const last = readUpTo();
        store(page, { ...last, highDone: laterIso(last.highDone, bounds.newest), lowDone: bounds.oldest });
      }
      flush();
      // Done down to the window start; with nothing in the window at all, the next run reads everything newer.
      progress = { ...progress, highDone: progress.highDone ?? plan.windowStart, lowDone: plan.windowStart };
      cache.setSyncState(VAPI_PROGRESS_KEY, progress);
      backfillCompleted = true;
      deps.logger.info('vapi sync: backfill complete', { windowStart: plan.windowStart, calls: done });
    }

    // 3. Calls an earlier run saw in progress and this one did not see again: read each so it ends up final.
    if (carried.size > 0) {
      const fresh: VapiCall[] = [];
      const gone: string[] = [];
      await forEachConcurrent(
        [...carried],
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
      store(
        fresh.map((call) => ({ call })),
        progress,
      );
      flush();
    }
  } catch (error) {
    // A page that failed (a 429 storm, a reset) does not undo the pages read before it: they are committed with their
    // progress marker, so the next run goes on from there instead of reading them again.
    try {
      flush();
    } catch (flushError) {
      deps.logger.warn('vapi sync: the pages read before the failure were not saved', { error: flushError });
    }
    throw error;
  }
  return { changed, created, backfillCompleted };
}

/**
 * Vapi's call log within `window`, newest first, one page at a time, from `from` (inclusive; null = the newest call)
 * down. The request for the next page is sent before the current one is handed over, so the network and the fake or
 * real Vapi work while the caller stores.
 */
async function* pagesOf(
  deps: Pick<VapiSyncDeps, 'vapi' | 'pageSize' | 'signal' | 'logger'>,
  window: VapiCallsQuery,
  from: string | null,
): AsyncGenerator<RawVapiCall[]> {
  const fetchPage = (cut: PageCut): Promise<RawVapiCall[]> => {
    const bound =
      cut.boundary === undefined ? {} : cut.strict ? { createdAtLt: cut.boundary } : { createdAtLe: cut.boundary };
    const request = deps.vapi.listCallsRaw({ ...window, ...bound, limit: cut.limit }, deps.signal);
    // Settled even if the caller stops before awaiting it (its failure is then nobody's concern).
    request.catch(() => undefined);
    return request;
  };
  let cut = firstCut(from, deps.pageSize);
  let pending = fetchPage(cut);
  for (;;) {
    const page = await pending;
    const step = stepPage(cut, page, deps.pageSize, VAPI_MAX_LIMIT, keyOf);
    if (step.skippedInstant !== undefined) {
      deps.logger.warn('vapi sync: more calls in one millisecond than a page holds; the rest of it is skipped', {
        at: step.skippedInstant,
      });
    }
    if (step.next !== null) {
      cut = step.next;
      pending = fetchPage(cut);
    }
    if (step.fresh.length > 0) yield step.fresh;
    if (step.next === null) return;
  }
}

function keyOf(item: RawVapiCall): { id: string; createdAt: string } {
  return item.call;
}
