/**
 * The sync's decisions, as plain functions over data: which backend calls need their detail fetched, and which
 * slice of Vapi's call log to read next. The I/O that gathers the data and applies the result is in `backend.ts`
 * and `vapi.ts`.
 */
import { createHash } from 'node:crypto';
import type { CallSyncInfo } from '../cache/cache';
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

/** A stable fingerprint of what the backend listed for a call: a new one means the call changed there. */
export function summaryFingerprint(summary: unknown): string {
  return createHash('sha1').update(JSON.stringify(summary)).digest('base64url').slice(0, 16);
}

export type DetailReason = 'new' | 'changed' | 'transcript-pending';

/**
 * Which listed calls need `GET /calls/{id}`: calls never fetched, calls whose summary changed since their detail was
 * fetched, and calls whose transcript is not complete here while the backend may still hold it (less than 24 h old:
 * after that the backend has scrubbed it and asking again cannot help).
 */
export function detailsToFetch(
  summaries: readonly BackendSummaryLike[],
  cached: ReadonlyMap<string, CallSyncInfo>,
  fingerprints: Readonly<Record<string, string>>,
  fingerprintOf: (summary: BackendSummaryLike) => string,
  now: number,
): { id: string; reason: DetailReason }[] {
  const out: { id: string; reason: DetailReason }[] = [];
  for (const summary of summaries) {
    const known = fingerprints[summary.id];
    if (known === undefined) {
      out.push({ id: summary.id, reason: 'new' });
      continue;
    }
    if (known !== fingerprintOf(summary)) {
      out.push({ id: summary.id, reason: 'changed' });
      continue;
    }
    const info = cached.get(summary.id);
    const started = summary.startedAt ? Date.parse(summary.startedAt) : NaN;
    const backendMayHaveIt = Number.isNaN(started) || now - started < BACKEND_SCRUB_AFTER_MS;
    if (info && info.transcriptState !== 'full' && backendMayHaveIt) {
      out.push({ id: summary.id, reason: 'transcript-pending' });
    }
  }
  return out;
}

/** Keeps the fingerprints of the calls the backend still lists, so the map never grows past its 200 rows. */
export function pruneFingerprints(
  fingerprints: Readonly<Record<string, string>>,
  listed: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, fp] of Object.entries(fingerprints)) if (listed.has(id)) out[id] = fp;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Vapi

/** sync_state key of the Vapi progress, written in the same transaction as the calls it covers. */
export const VAPI_PROGRESS_KEY = 'vapi.progress';

/**
 * What of Vapi's call log is already in the cache: every call created in `[lowDone, highDone]` (ISO times, Vapi's own
 * `createdAt` clock). The backfill walks `lowDone` down to the window start page by page; later runs read what is
 * newer than `highDone`.
 */
export interface VapiProgress {
  highDone: string;
  lowDone: string;
  /** The oldest `createdAt` the backfill must reach (the window chosen at the first run). */
  windowStart: string;
}

/** How far back before `highDone` a new run reads again, for calls that became visible late. */
export const VAPI_OVERLAP_MS = 2 * 60 * 1000;

export interface VapiPlan {
  /** Read calls created after this (newer than the last run), newest first. Null: nothing to read on top. */
  newerThan: string | null;
  /** Continue the backfill from this `createdAt` down to `windowStart`. Null: the backfill is complete. */
  backfillFrom: string | null;
  windowStart: string;
  /** The progress to store before reading anything (first run). */
  initial: VapiProgress | null;
}

export function planVapi(progress: VapiProgress | undefined, now: number, backfillDays: number): VapiPlan {
  if (!progress) {
    const start = new Date(now).toISOString();
    const windowStart = new Date(now - backfillDays * 24 * 60 * 60 * 1000).toISOString();
    return {
      newerThan: null,
      backfillFrom: start,
      windowStart,
      initial: { highDone: start, lowDone: start, windowStart },
    };
  }
  const newerThan = new Date(Date.parse(progress.highDone) - VAPI_OVERLAP_MS).toISOString();
  const complete = Date.parse(progress.lowDone) <= Date.parse(progress.windowStart);
  return {
    newerThan,
    backfillFrom: complete ? null : progress.lowDone,
    windowStart: progress.windowStart,
    initial: null,
  };
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

export function maxIso(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** sync_state key: ids of Vapi calls last seen still in progress (re-read until they settle). */
export const VAPI_UNSETTLED_KEY = 'vapi.unsettled';

/** Statuses after which a Vapi call no longer changes (other than late analysis). */
const SETTLED = new Set(['ended', 'not-found', 'deletion-failed']);

export function isSettled(status: string | null | undefined): boolean {
  return SETTLED.has(status ?? '');
}
