/**
 * Shared set-up for the sync tests: the project's fakes on a fixed clock (test/core/auth/helpers `rig`), a real cache
 * file, and the real `SyncEngine` wired the way `createCore` wires it (cache, backend client, session, Vapi client,
 * vault, settings, the fakes' clock as `now`). HTTP retries do not wait (the rig's `sleep` only records), so a 429
 * storm costs no wall time.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { SyncProgress, SyncSourceResult, SyncStatus } from '../../../src/shared/domain';
import { openCache, type Cache } from '../../../src/main/core/cache';
import { openDatabase } from '../../../src/main/core/cache/open';
import { SyncEngine, type SyncEngineOptions } from '../../../src/main/core/sync/engine';
import type { HttpClientOptions } from '../../../src/main/core/http/client';
import { rig, type Rig } from '../auth/helpers';
import type { StartFakesOptions } from '../../fakes';

export { START } from '../auth/helpers';

export interface SyncRig extends Rig {
  cache: Cache;
  cachePath: string;
  engine: SyncEngine;
  statuses: SyncStatus[];
  progress: SyncProgress[];
  results: SyncSourceResult[];
  /** Starts the engine if needed and runs one sync (or joins the running one). */
  sync(): Promise<SyncStatus>;
  /** Signs in with the fake's demo account and stores the demo org's Vapi key. */
  connect(options?: { backend?: boolean; vapi?: boolean }): Promise<void>;
  /** A new engine over the same cache (options merged over the rig's). */
  newEngine(options?: Partial<SyncEngineOptions>): SyncEngine;
  /** A cache file of its own, closed with the rig. */
  openOther(name: string): Cache;
}

export interface SyncRigOptions {
  fakes?: StartFakesOptions;
  http?: Partial<HttpClientOptions>;
  engine?: Partial<SyncEngineOptions>;
}

export async function syncRig(options: SyncRigOptions = {}): Promise<SyncRig> {
  const base = await rig({
    ...(options.fakes ? { fakes: options.fakes } : {}),
    ...(options.http ? { http: options.http } : {}),
  });
  const cachePath = join(base.dir, 'data', 'calls.db');
  const cache = openCache(cachePath);
  const others: Cache[] = [];
  const statuses: SyncStatus[] = [];
  const progress: SyncProgress[] = [];
  const results: SyncSourceResult[] = [];
  const engines: SyncEngine[] = [];
  const newEngine = (extra: Partial<SyncEngineOptions> = {}): SyncEngine => {
    const engine = new SyncEngine({
      cache,
      backend: base.backend,
      session: base.session,
      vapi: base.vapi,
      vault: base.vault,
      settings: base.settings,
      logger: base.logger,
      now: base.fakes.clock.now,
      onStatus: (s) => statuses.push(s),
      onProgress: (p) => progress.push(p),
      onSourceResult: (r) => results.push(r),
      ...options.engine,
      ...extra,
    });
    engines.push(engine);
    return engine;
  };
  const engine = newEngine();
  let started = false;
  return {
    ...base,
    cache,
    cachePath,
    engine,
    statuses,
    progress,
    results,
    newEngine,
    async sync() {
      if (!started) {
        started = true;
        engine.start();
      }
      return engine.run();
    },
    async connect(which = {}) {
      const { email, password } = base.fakes.credentials.backend;
      if (which.backend !== false) await base.session.signIn(email, password, false);
      if (which.vapi !== false) await base.vault.set('vapiPrivateKey', base.fakes.credentials.vapi.privateKey);
    },
    openOther(name) {
      const other = openCache(join(base.dir, name));
      others.push(other);
      return other;
    },
    async close() {
      for (const e of engines) await e.stop();
      cache.close();
      for (const o of others) o.close();
      await base.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What a cache holds, in a form two caches can be compared by.

export interface CallSnapshot {
  id: string;
  status: string | null;
  transcriptState: string;
  inBackend: boolean;
  inVapi: boolean;
  startedAt: string | null;
  recordingUrl: string | null;
  turns: string;
}

/** Every call of the cache, by id, with its transcript as text (the decoded packed content). */
export function snapshot(cache: Cache): Map<string, CallSnapshot> {
  const out = new Map<string, CallSnapshot>();
  for (const id of allIds(cache)) {
    const call = cache.getCall(id);
    if (!call) throw new Error(`listed call ${id} cannot be read`);
    out.set(id, {
      id,
      status: call.status,
      transcriptState: call.transcriptState,
      inBackend: call.inBackend,
      inVapi: call.inVapi,
      startedAt: call.startedAt,
      recordingUrl: call.recordingUrl,
      turns: JSON.stringify(call.turns),
    });
  }
  return out;
}

/** Every call id in the cache, through the public list API (keyset pages). */
export function allIds(cache: Cache): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = cache.listCalls({ limit: 500, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((c) => c.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
}

/**
 * What a cache file says about itself: SQLite's `integrity_check` (read with a plain read-only connection first, so a
 * damaged file is reported, not set aside), then, when that is clean, the search index checked against the calls it
 * indexes (FTS5 `integrity-check`, through the cache's own connection set-up, which registers the text function).
 */
export function fileHealth(path: string): { integrity: string; fts: string; calls: number; distinctIds: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  let integrity: string;
  let calls: number;
  let distinctIds: number;
  try {
    integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    calls = db.prepare('SELECT count(*) FROM calls').pluck().get() as number;
    distinctIds = db.prepare('SELECT count(DISTINCT id) FROM calls').pluck().get() as number;
  } finally {
    db.close();
  }
  if (integrity !== 'ok') return { integrity, fts: 'not checked', calls, distinctIds };
  const opened = openDatabase(path);
  let fts = 'ok';
  try {
    opened.db.prepare("INSERT INTO calls_fts (calls_fts, rank) VALUES ('integrity-check', 1)").run();
  } catch (error) {
    fts = error instanceof Error ? error.message : String(error);
  } finally {
    opened.db.close();
  }
  return { integrity, fts, calls, distinctIds };
}
