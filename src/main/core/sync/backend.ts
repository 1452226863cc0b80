/**
 * Sync from the AVA backend: its list (the newest 200 calls, nothing older is reachable), then the detail of each
 * call that is new, changed, or still missing a full transcript while the backend may have it, a few at a time.
 * Results are committed in small batches, each with the fingerprints of the details it holds, so a killed process
 * keeps what it committed and the next run fetches only the rest.
 */
import { AppError } from '../../../shared/errors';
import type { SyncProgress } from '../../../shared/domain';
import type { AuthSession } from '../auth/session';
import type { Cache } from '../cache/cache';
import type { CallObservation } from '../calls/merge';
import { observeBackendDetail, observeBackendSummary } from '../calls/observe';
import { BACKEND_MAX_LIMIT, type BackendClient } from '../clients/backend';
import type { Logger } from '../log/logger';
import { BACKEND_DETAILS_KEY, detailsToFetch, pruneFingerprints, summaryFingerprint } from './plan';
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

export async function syncFromBackend(deps: BackendSyncDeps): Promise<SourceOutcome> {
  const { cache, backend, session, now } = deps;
  deps.progress({ source: 'backend', phase: 'backend-list', done: 0, total: null });
  const list = await session.authorized((token) => backend.listCalls(token, { limit: BACKEND_MAX_LIMIT }, deps.signal));
  const seenAt = now();
  const summaries = list.calls;
  let changed = 0;

  const listed = new Set(summaries.map((s) => s.id));
  const fingerprints = pruneFingerprints(cache.getSyncState<Record<string, string>>(BACKEND_DETAILS_KEY) ?? {}, listed);
  const observations = summaries
    .map((summary) => observeBackendSummary(summary, seenAt))
    .filter((o): o is CallObservation => o !== null);
  const listResult = cache.upsert(observations, { syncState: { [BACKEND_DETAILS_KEY]: fingerprints } });
  changed += listResult.created.length + listResult.changed.length;

  const cached = cache.lookup([...listed]);
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const todo = detailsToFetch(summaries, cached, fingerprints, summaryFingerprint, seenAt);
  deps.logger.info('backend sync: list read', { listed: summaries.length, details: todo.length });

  let done = 0;
  let pending: CallObservation[] = [];
  let pendingFingerprints: Record<string, string> = {};
  const flush = (): void => {
    if (pending.length === 0 && Object.keys(pendingFingerprints).length === 0) return;
    Object.assign(fingerprints, pendingFingerprints);
    const result = cache.upsert(pending, { syncState: { [BACKEND_DETAILS_KEY]: { ...fingerprints } } });
    changed += result.created.length + result.changed.length;
    pending = [];
    pendingFingerprints = {};
  };
  const report = (): void => deps.progress({ source: 'backend', phase: 'backend-details', done, total: todo.length });
  report();

  try {
    await forEachConcurrent(
      todo,
      deps.concurrency,
      async ({ id }) => {
        try {
          return await session.authorized((token) => backend.getCall(token, id, deps.signal));
        } catch (error) {
          // Deleted between the list and the detail: nothing to fetch, and nothing to fail the sync for.
          if (error instanceof AppError && error.code === 'not-found') return null;
          throw error;
        }
      },
      (detail, { id }) => {
        done++;
        const summary = byId.get(id);
        if (summary) pendingFingerprints[id] = summaryFingerprint(summary);
        const observation = detail ? observeBackendDetail(detail, now()) : null;
        if (observation) pending.push(observation);
        if (pending.length >= deps.batchSize) flush();
        if (done % 10 === 0 || done === todo.length) report();
      },
      deps.signal,
    );
  } finally {
    // What arrived before a failure is kept.
    flush();
  }
  return { changed };
}
