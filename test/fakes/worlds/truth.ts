/**
 * The ground truth a test compares the app against: which ended Vapi calls the backend does not have, for a tenant,
 * within a window. Computed from a world (its initial state) or from running fakes (the live state).
 */
import { parseStamp } from '../backend/rows';
import { timeConversation } from '../vapi/call-builder';
import type { BackendCallRow, World } from './types';

export const BACKEND_LIST_LIMIT = 200;

export interface BackendWindow {
  /** Oldest startedAt (ms) among the rows `GET /api/v1/calls?limit=200` returns; null when none has one. */
  from: number | null;
  /** Newest startedAt (ms) among them. */
  to: number | null;
  /** The ids the list returns, in order. */
  ids: string[];
}

/** ORDER BY started_at DESC NULLS FIRST, then newest insert: what the backend lists. */
export function sortLikeBackend(rows: BackendCallRow[]): BackendCallRow[] {
  return [...rows].sort((a, b) => {
    const sa = parseStamp(a.startedAt);
    const sb = parseStamp(b.startedAt);
    if (sa === null && sb !== null) return -1;
    if (sb === null && sa !== null) return 1;
    if (sa !== null && sb !== null && sa !== sb) return sb - sa;
    return b.createdAt - a.createdAt;
  });
}

export function windowOf(rows: BackendCallRow[], limit = BACKEND_LIST_LIMIT): BackendWindow {
  const listed = sortLikeBackend(rows).slice(0, limit);
  const stamps = listed.map((r) => parseStamp(r.startedAt)).filter((t): t is number => t !== null);
  return {
    from: stamps.length ? Math.min(...stamps) : null,
    to: stamps.length ? Math.max(...stamps) : null,
    ids: listed.map((r) => r.id),
  };
}

export interface MissingQuery {
  /** Backend user id (default: the world's demo user). */
  userId?: string;
  /** Window on the Vapi call's startedAt (createdAt when it never started), inclusive, ms. Default: the backend's window. */
  from?: number;
  to?: number;
}

export interface MissingCall {
  id: string;
  createdAt: number;
  startedAt: number | null;
  assistantId: string | null;
}

/** The backend's list window for a tenant in a world's initial state. */
export function backendWindow(world: World, userId = world.credentials.backend.userId): BackendWindow {
  return windowOf(world.backendCalls.filter((r) => r.userId === userId));
}

/**
 * Ended Vapi calls of the tenant's org that the backend does not hold for that tenant, with startedAt (or createdAt)
 * in [from, to]. `from` defaults to the oldest startedAt the backend lists (its window), `to` to the world's anchor.
 * Sorted newest first.
 */
export function missingFromBackend(world: World, query: MissingQuery = {}): MissingCall[] {
  const userId = query.userId ?? world.credentials.backend.userId;
  const user = world.backendUsers.find((u) => u.id === userId);
  if (!user) throw new Error(`no backend user ${userId} in world ${world.name}`);
  const org = world.orgs.find((o) => o.key === user.orgKey);
  if (!org?.calls) return [];
  const held = new Set(world.backendCalls.filter((r) => r.userId === userId).map((r) => r.id));
  const from = query.from ?? backendWindow(world, userId).from ?? -Infinity;
  const to = query.to ?? world.anchor;
  const calls = org.calls;
  // startedAt is at most a few seconds after createdAt: widen the index window a little, then check exactly.
  const [lo, hi] = calls.indexRange({
    ...(Number.isFinite(from) ? { ge: from - 60_000 } : {}),
    le: to,
  });
  const out: MissingCall[] = [];
  for (let i = lo; i < hi; i++) {
    const plan = calls.plan(i);
    if (plan.status !== 'ended' || held.has(plan.id)) continue;
    const timing = timeConversation(calls.conversation(i, plan), plan.createdAt, plan.seed);
    const t = timing.startedAt ?? plan.createdAt;
    if (t < from || t > to) continue;
    out.push({
      id: plan.id,
      createdAt: plan.createdAt,
      startedAt: timing.startedAt,
      assistantId: plan.assistant?.id ?? null,
    });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}
