/**
 * Sync from the AVA backend: its list (the newest 200 calls, nothing older is reachable), then the detail of each
 * call that is new, changed, or still missing a full transcript while the backend may have it, a few at a time.
 * Results are committed in small batches, each with the fingerprints of the details it holds, so a killed process
 * keeps what it committed and the next run fetches only the rest. The list's own window (the oldest start time the
 * backend reported) is recorded with the list: it bounds the "missing from the backend" report.
 */
import { AppError } from '../../../shared/errors';
import type { SyncProgress } from '../../../shared/domain';
import type { AuthSession } from '../auth/session';
import type { Cache } from '../cache/cache';
import type { CallObservation } from '../calls/merge';
import { observeBackendDetail, observeBackendSummary } from '../calls/observe';
import { BACKEND_MAX_LIMIT, type BackendClient } from '../clients/backend';
import type { BackendCallDetail } from '../clients/schemas';
import type { Logger } from '../log/logger';
import {
  BACKEND_DETAILS_KEY,
  BACKEND_WINDOW_KEY,
  backendWindowOf,
  detailsToFetch,
  nextFingerprints,
  summaryFingerprint,
} from './plan';
import { forEachConcurrent } from './pool';

export interface BackendSyncDeps {
  cache: Cache;
  backend: BackendClient;
  session: AuthSession;
  logger: Logger;
  now: () => number;
  /** Details fetched at once (the backend answers each in ~50 ms to seconds). */
  concurrency: number;
  /** Details committed per transaction. */
  batchSize: number;
  progress: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

export interface SourceOutcome {
  changed: number;
}

/**
 * Failures that say the whole backend is out of reach or refuses us: asking for the other details cannot succeed.
 * Anything else (a 5xx, a bad body, a 429 that outlasted the retries) is about one call: the others go on, and the
 * run reports the failure at the end.
 */
const FATAL = new Set([
  'offline',
  'timeout',
  'signed-out',
  'session-expired',
  'unauthorized',
  'forbidden',
  'insecure-url',
  'busy',
]);

function isFatal(error: unknown): boolean {
  return !(error instanceof AppError) || FATAL.has(error.code);
}

export async function syncFromBackend(deps: BackendSyncDeps): Promise<SourceOutcome> {
  const { cache, backend, session, now } = deps;
  deps.progress({ source: 'backend', phase: 'backend-list', done: 0, total: null });
  const list = await session.authorized((token) => backend.listCalls(token, { limit: BACKEND_MAX_LIMIT }, deps.signal));
  const seenAt = now();
  const summaries = list.calls;
  let changed = 0;

  const cachedBefore = cache.lookup(summaries.map((s) => s.id));
  const known = cache.getSyncState<Record<string, string>>(BACKEND_DETAILS_KEY) ?? {};
  const todo = detailsToFetch(summaries, cachedBefore, known, summaryFingerprint, seenAt);
  const fingerprints = nextFingerprints(known, summaries, summaryFingerprint);
  const observations = summaries
    .map((summary) => observeBackendSummary(summary, seenAt))
    .filter((o): o is CallObservation => o !== null);
  const listResult = cache.upsert(observations, {
    syncState: {
      [BACKEND_DETAILS_KEY]: fingerprints,
      [BACKEND_WINDOW_KEY]: backendWindowOf(summaries, seenAt),
    },
  });
  changed += listResult.created.length + listResult.changed.length;
  const byId = new Map(summaries.map((s) => [s.id, s]));
  deps.logger.info('backend sync: list read', { listed: summaries.length, details: todo.length });

  let done = 0;
  let pending: CallObservation[] = [];
  let pendingFingerprints: Record<string, string> = {};
  const flush = (): void => {
    if (pending.length === 0 && Object.keys(pendingFingerprints).length === 0) return;
    const next = { ...fingerprints, ...pendingFingerprints };
    const result = cache.upsert(pending, { syncState: { [BACKEND_DETAILS_KEY]: next } });
    Object.assign(fingerprints, pendingFingerprints);
    changed += result.created.length + result.changed.length;
    pending = [];
    pendingFingerprints = {};
  };
  // A full batch is committed once the answers that arrived with it have sent their lanes' next requests (the commit
  // then runs while those are in flight, instead of holding them back).
  let flushScheduled = false;
  let flushError: { error: unknown } | null = null;
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      try {
        flush();
      } catch (error) {
        flushError ??= { error };
      }
    });
  };
  const report = (): void => deps.progress({ source: 'backend', phase: 'backend-details', done, total: todo.length });
  report();

  let firstFailure: unknown = null;
  let failures = 0;
  try {
    await forEachConcurrent(
      todo,
      deps.concurrency,
      async ({ id }): Promise<{ detail: BackendCallDetail | null; ok: boolean }> => {
        try {
          return { detail: await session.authorized((token) => backend.getCall(token, id, deps.signal)), ok: true };
        } catch (error) {
          // Deleted between the list and the detail: nothing to fetch, and nothing to fail the sync for.
          if (error instanceof AppError && error.code === 'not-found') return { detail: null, ok: true };
          if (deps.signal?.aborted || isFatal(error)) throw error;
          failures++;
          firstFailure ??= error;
          deps.logger.warn('backend sync: a call detail failed; the next sync asks again', { id, error });
          return { detail: null, ok: false };
        }
      },
      ({ detail, ok }, { id }) => {
        if (flushError !== null) throw flushError.error;
        done++;
        const summary = byId.get(id);
        // A failed detail keeps its old fingerprint (or none), so the next run asks again.
        if (ok && summary) pendingFingerprints[id] = summaryFingerprint(summary);
        const observation = detail ? observeBackendDetail(detail, now()) : null;
        if (observation) pending.push(observation);
        if (pending.length >= deps.batchSize) scheduleFlush();
        if (done % 10 === 0 || done === todo.length) report();
      },
      deps.signal,
    );
  } finally {
    // What arrived before a failure is kept.
    if (flushError === null) flush();
  }
  if (flushError !== null) throw (flushError as { error: unknown }).error;
  if (firstFailure !== null) {
    deps.logger.warn('backend sync: some call details failed', { failed: failures, of: todo.length });
    throw firstFailure;
  }
  return { changed };
}
