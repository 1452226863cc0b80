/**
 * The sync's decisions, as plain functions over data: which backend calls need their detail fetched, and which
 * slice of Vapi's call log to read next. The I/O that gathers the data and applies the result is in `backend.ts`
 * and `vapi.ts`.
 */
import { createHash } from 'node:crypto';
import { BACKEND_WINDOW_STATE_KEY, type CallSyncInfo } from '../cache/cache';
import { BACKEND_SCRUB_AFTER_MS } from '../calls/observe';

// ---------------------------------------------------------------------------------------------------------------
// Backend

/** A backend summary as the list returns it (only what the plan reads). */
export interface BackendSummaryLike {
  id: string;
  startedAt?: string | null;
}

/** sync_state key: id → fingerprint of the summary whose detail was last fetched. */
export const BACKEND_DETAILS_KEY = 'backend.detailFingerprints';

/**
 * A stable fingerprint of what the backend listed for a call: a new one means the call changed there. Two parts,
 * `<everything but the preview>.<the preview, or empty>`, so the 24 h scrub (which only takes the preview away) can be
 * told from a real change: see `summaryChanged`.
 */
export function summaryFingerprint(summary: BackendSummaryLike): string {
  const { transcriptPreview, ...rest } = summary as BackendSummaryLike & { transcriptPreview?: unknown };
  const hash = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
  const preview = typeof transcriptPreview === 'string' && transcriptPreview !== '' ? hash(transcriptPreview) : '';
  return `${hash(rest)}.${preview}`;
}

/**
 * Whether a call changed on the backend since its detail was fetched. The scrub alone (the same row, its preview
 * gone) is not a change: after it the detail has nothing the cache does not already hold.
 */
export function summaryChanged(known: string, current: string): boolean {
  if (known === current) return false;
  const dot = current.indexOf('.');
  const scrubbedOnly = dot >= 0 && current.length === dot + 1 && known.startsWith(current);
  return !scrubbedOnly;
}

export type DetailReason = 'new' | 'changed' | 'transcript-pending';

/**
 * Which listed calls need `GET /calls/{id}`: calls never fetched, calls whose summary changed since their detail was
 * fetched, and calls whose transcript is not complete here while the backend may still hold it (a start time, the
 * backend's or Vapi's, less than 24 h ago: after that the backend has scrubbed it and asking again cannot help; with
 * no start time at all the call never started, and only a change of its row can bring a transcript).
 */
export function detailsToFetch(
  summaries: readonly BackendSummaryLike[],
  cached: ReadonlyMap<string, CallSyncInfo>,
  fingerprints: Readonly<Record<string, string>>,
  fingerprintOf: (summary: BackendSummaryLike) => string,
  now: number,
): { id: string; reason: DetailReason }[] {
  const out: { id: string; reason: DetailReason }[] = [];
  const seen = new Set<string>();
  for (const summary of summaries) {
    // The backend lists a row once; a repeated id would only be fetched twice.
    if (seen.has(summary.id)) continue;
    seen.add(summary.id);
    const known = fingerprints[summary.id];
    if (known === undefined) {
      out.push({ id: summary.id, reason: 'new' });
      continue;
    }
    if (summaryChanged(known, fingerprintOf(summary))) {
      out.push({ id: summary.id, reason: 'changed' });
      continue;
    }
    const info = cached.get(summary.id);
    if (!info || info.transcriptState === 'full') continue;
    const started = Date.parse(summary.startedAt ?? info.startedAt ?? '');
    if (Number.isFinite(started) && now - started < BACKEND_SCRUB_AFTER_MS) {
      out.push({ id: summary.id, reason: 'transcript-pending' });
    }
  }
  return out;
}

/**
 * The fingerprints to keep after a list: those of the calls the backend still lists (so the map never grows past its
 * 200 rows), each moved to the listed summary's when the only difference is the scrub (so it is not compared again).
 */
export function nextFingerprints(
  fingerprints: Readonly<Record<string, string>>,
  summaries: readonly BackendSummaryLike[],
  fingerprintOf: (summary: BackendSummaryLike) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const summary of summaries) {
    const known = fingerprints[summary.id];
    if (known === undefined) continue;
    const current = fingerprintOf(summary);
    out[summary.id] = summaryChanged(known, current) ? known : current;
  }
  return out;
}

/** sync_state key: the backend's list window as the backend itself reported it at the last list read. */
export const BACKEND_WINDOW_KEY = BACKEND_WINDOW_STATE_KEY;

export interface BackendWindow {
  /**
   * The oldest `startedAt` among the listed rows, as the backend gave it (rows without one are left out), ISO; null
   * when none has one. Calls older than this are beyond what the backend shows, so they cannot be called missing.
   */
  since: string | null;
  /** How many rows the list returned. */
  listed: number;
  /** When the list was read (ms). */
  listedAt: number;
}

export function backendWindowOf(summaries: readonly BackendSummaryLike[], listedAt: number): BackendWindow {
  let oldest = Infinity;
  for (const summary of summaries) {
    const t = summary.startedAt ? Date.parse(summary.startedAt) : NaN;
    if (Number.isFinite(t) && t < oldest) oldest = t;
  }
  return {
    since: Number.isFinite(oldest) ? new Date(oldest).toISOString() : null,
    listed: summaries.length,
    listedAt,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Vapi

/** sync_state key of the Vapi progress, written in the same transaction as the calls it covers. */
export const VAPI_PROGRESS_KEY = 'vapi.progress';

/**
 * What of Vapi's call log is already in the cache: every call created in `[lowDone, highDone]` (ISO times, Vapi's own
 * `createdAt` clock, never the desktop's, so a skewed desktop clock cannot open a gap). The backfill walks `lowDone`
 * down to the window start page by page; later runs read what is newer than `highDone`.
 */
export interface VapiProgress {
  /** The newest `createdAt` stored; null while nothing is. */
  highDone: string | null;
  /** Where the backfill has reached (inclusive); null while it has not stored a page yet (it starts at the top). */
  lowDone: string | null;
  /** The oldest `createdAt` the backfill must reach. */
  windowStart: string;
}

/** How far back before `highDone` a new run reads again, for calls that became visible late. */
export const VAPI_OVERLAP_MS = 2 * 60 * 1000;

export interface VapiPlan {
  /** Read calls created after this (newer than the last run), newest first. Null: nothing to read on top. */
  newerThan: string | null;
  /**
   * The backfill still to do: from `from` (inclusive; null = the newest call) down to `windowStart`. Null: the
   * backfill is complete.
   */
  backfill: { from: string | null } | null;
  windowStart: string;
  /** The progress to work from (the stored one, its window widened when the setting asks for more). */
  progress: VapiProgress;
}

/**
 * The slice of Vapi's call log to read next. The window is chosen at the first run from `backfillDays`; a later,
 * larger setting widens it (the backfill resumes from where it stopped down to the new start), a smaller one keeps
 * what is cached.
 */
export function planVapi(stored: VapiProgress | undefined, now: number, backfillDays: number): VapiPlan {
  const asked = now - backfillDays * 24 * 60 * 60 * 1000;
  const windowStart =
    stored && Date.parse(stored.windowStart) <= asked ? stored.windowStart : new Date(asked).toISOString();
  const progress: VapiProgress = stored ? { ...stored, windowStart } : { highDone: null, lowDone: null, windowStart };
  const { highDone, lowDone } = progress;
  const newest = highDone ?? (lowDone !== null ? windowStart : null);
  const newerThan = newest === null ? null : new Date(Date.parse(newest) - VAPI_OVERLAP_MS).toISOString();
  const complete = lowDone !== null && Date.parse(lowDone) <= Date.parse(windowStart);
  return { newerThan, backfill: complete ? null : { from: lowDone }, windowStart, progress };
}

/** The oldest and newest `createdAt` of a page (Vapi lists newest first, but nothing here relies on it). */
export function pageBounds(page: readonly { createdAt: string }[]): { oldest: string; newest: string } | null {
  if (page.length === 0) return null;
  let oldest = page[0]!.createdAt;
  let newest = oldest;
  let oldestMs = Date.parse(oldest);
  let newestMs = oldestMs;
  for (const call of page) {
    const t = Date.parse(call.createdAt);
    if (t < oldestMs) {
      oldestMs = t;
      oldest = call.createdAt;
    }
    if (t > newestMs) {
      newestMs = t;
      newest = call.createdAt;
    }
  }
  return { oldest, newest };
}

/**
 * Where the next `GET /call` page starts. Vapi has no cursor: a page is cut with `createdAtLe` (inclusive) at the
 * oldest `createdAt` of the previous page, leaving out the calls already yielded at that instant, so calls created in
 * the same millisecond are never skipped; `createdAtLt` (strict) is only used to step past an instant that holds more
 * calls than the largest page.
 */
export interface PageCut {
  /** Undefined: from the newest call. */
  boundary?: string;
  strict: boolean;
  /** Ids already yielded at the boundary instant (left out of the next page). */
  seenAtBoundary: ReadonlySet<string>;
  limit: number;
}

export interface PageStep<T> {
  /** The calls of the page not yielded before. */
  fresh: T[];
  /** The next cut, or null when the list is exhausted. */
  next: PageCut | null;
  /** An instant with more calls than `maxLimit` that had to be stepped past (the rest of it could not be read). */
  skippedInstant?: string;
}

export function firstCut(from: string | null | undefined, pageSize: number): PageCut {
  return {
    ...(from == null ? {} : { boundary: from }),
    strict: false,
    seenAtBoundary: new Set(),
    limit: pageSize,
  };
}

/** What identifies a call in a page: its id and its `createdAt`. */
export interface CallKey {
  id: string;
  createdAt: string;
}

/** What a page yields and where the next one starts (see `PageCut`). */
export function stepPage<T>(
  cut: PageCut,
  page: readonly T[],
  pageSize: number,
  maxLimit: number,
  keyOf: (item: T) => CallKey,
): PageStep<T> {
  const fresh = cut.seenAtBoundary.size === 0 ? [...page] : page.filter((c) => !cut.seenAtBoundary.has(keyOf(c).id));
  const full = page.length > 0 && page.length >= cut.limit;
  if (!full) return { fresh, next: null };
  if (fresh.length === 0) {
    // Every call of the page is at the boundary instant and already yielded: ask for more of that instant at once,
    // or, at the largest page, step past it.
    if (cut.limit < maxLimit) {
      const limit = Math.min(maxLimit, Math.max(cut.limit * 2, cut.seenAtBoundary.size + pageSize));
      return { fresh, next: { ...cut, limit } };
    }
    return {
      fresh,
      next: { boundary: cut.boundary!, strict: true, seenAtBoundary: new Set(), limit: pageSize },
      skippedInstant: cut.boundary!,
    };
  }
  const keys = page.map(keyOf);
  const { oldest } = pageBounds(keys)!;
  const oldestMs = Date.parse(oldest);
  const seen = new Set<string>(
    !cut.strict && cut.boundary !== undefined && Date.parse(cut.boundary) === oldestMs ? cut.seenAtBoundary : [],
  );
  for (const key of keys) if (Date.parse(key.createdAt) === oldestMs) seen.add(key.id);
  return {
    fresh,
    next: { boundary: oldest, strict: false, seenAtBoundary: seen, limit: Math.min(maxLimit, pageSize + seen.size) },
  };
}

export function maxIso(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The later of two ISO times, either of which may be missing. */
export function laterIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return maxIso(a, b);
}

/** sync_state key: ids of Vapi calls last seen unsettled (re-read until they settle). */
export const VAPI_UNSETTLED_KEY = 'vapi.unsettled';

/** Statuses after which a Vapi call no longer changes (other than late analysis). */
const SETTLED = new Set(['ended', 'not-found', 'deletion-failed']);

/**
 * How long after a call ends Vapi may still be writing its analysis (the summary comes from a model run after the
 * hang-up): an ended call read without a summary is read again until this has passed.
 */
export const ANALYSIS_GRACE_MS = 10 * 60 * 1000;

export interface SettleView {
  status?: string | null | undefined;
  endedAt?: string | null | undefined;
  analysis?: { summary?: string | null | undefined } | null | undefined;
}

/** Whether a Vapi call read at `now` (ms) is settled: over, and not just ended without its summary. */
export function isSettled(call: SettleView, now: number): boolean {
  if (!SETTLED.has(call.status ?? '')) return false;
  if (call.status !== 'ended' || call.analysis?.summary) return true;
  const ended = call.endedAt ? Date.parse(call.endedAt) : NaN;
  return !Number.isFinite(ended) || now - ended >= ANALYSIS_GRACE_MS;
}
