/**
 * When and how a sync runs: on start, on demand, and every N minutes (from settings); never two at once (a second
 * request joins the running one); each source on its own, so a Vapi failure does not stop the backend part and vice
 * versa; progress and status reported as they change. With nothing runnable (signed out and no Vapi key, keychain
 * unavailable, offline) the cache stays browsable and the status says why sync is paused.
 */
import { setMaxListeners } from 'node:events';
import type { SyncPauseReason, SyncProgress, SyncSource, SyncSourceResult, SyncStatus } from '../../../shared/domain';
import { AppError, type ErrorCode } from '../../../shared/errors';
import type { AuthSession } from '../auth/session';
import type { Cache } from '../cache/cache';
import type { BackendClient } from '../clients/backend';
import type { VapiClient } from '../clients/vapi';
import type { Logger } from '../log/logger';
import type { Vault } from '../secrets/vault';
import { syncFromBackend, type SourceOutcome } from './backend';
import { syncFromVapi } from './vapi';

export interface SyncEngineOptions {
  cache: Cache;
  backend: BackendClient;
  session: AuthSession;
  vapi: VapiClient;
  vault: Pick<Vault, 'get'>;
  settings: { get(): { syncIntervalMinutes: number; vapiBackfillDays: number } };
  logger: Logger;
  now?: () => number;
  backendConcurrency?: number;
  vapiPageSize?: number;
  onStatus?: (status: SyncStatus) => void;
  onProgress?: (progress: SyncProgress) => void;
  /** Called after a run that changed calls in the cache. */
  onCallsChanged?: () => void;
  /** Called with each source's outcome (the status bar follows Vapi and backend reachability from it). */
  onSourceResult?: (result: SyncSourceResult) => void;
}

export const DEFAULT_BACKEND_CONCURRENCY = 8;
export const DEFAULT_VAPI_PAGE_SIZE = 250;
const PROGRESS_EVERY_MS = 100;
/** A backfill that brought at least this many calls is followed by a compaction of the cache. */
export const OPTIMIZE_AFTER_CALLS = 5000;
/**
 * After a run that a passing fault spoiled (offline, a timeout, a 429 storm, a 5xx, a garbled answer), the next one
 * comes sooner than the interval: 1 minute, then 2, 4, … never later than the interval itself. A connection that
 * comes back is picked up within a minute or two instead of a quarter of an hour.
 */
export const RETRY_FIRST_MS = 60_000;
const TRANSIENT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'offline',
  'timeout',
  'rate-limited',
  'server-error',
  'invalid-response',
]);
const PAUSE_ORDER: SyncPauseReason[] = [
  'signed-out',
  'no-vapi-key',
  'session-expired',
  'offline',
  'keychain-unavailable',
];

export class SyncEngine {
  private running: Promise<SyncStatus> | null = null;
  private phase: SyncStatus['phase'] = 'idle';
  private lastSyncAt: string | null = null;
  private lastResults: SyncSourceResult[] = [];
  private pausedReason: SyncPauseReason | null = null;
  private nextSyncAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** Something made more of the sync possible while one was running (a key, a sign-in): run again after it. */
  private again = false;
  private abort: AbortController | null = null;
  private lastProgressAt = -Infinity;
  /** Runs in a row that a passing fault spoiled (they bring the next run forward). */
  private transientFailures = 0;
  private progressSource: SyncSource | null = null;
  private readonly now: () => number;

  constructor(private readonly options: SyncEngineOptions) {
    this.now = options.now ?? Date.now;
    this.lastSyncAt = options.cache.getSyncState<string>('sync.lastSyncAt') ?? null;
  }

  status(): SyncStatus {
    return {
      running: this.running !== null,
      phase: this.phase,
      lastSyncAt: this.lastSyncAt,
      lastResults: this.lastResults,
      pausedReason: this.pausedReason,
      nextSyncAt: this.nextSyncAt === null ? null : new Date(this.nextSyncAt).toISOString(),
    };
  }

  /**
   * Runs a sync now, or joins the one already running; resolves with the status once it is over (a follow-up asked
   * for with `requestRun` starts right after and is not waited for).
   */
  run(): Promise<SyncStatus> {
    if (this.stopped) return Promise.resolve(this.status());
    if (this.running) return this.running;
    this.clearTimer();
    const once = this.runOnce().catch((error: unknown) => {
      this.options.logger.error('sync: the run failed unexpectedly', { error });
    });
    const running = once.then(() => {
      this.running = null;
      this.phase = 'idle';
      if (this.again && !this.stopped) {
        this.again = false;
        const status = this.status();
        void this.run();
        return status;
      }
      this.schedule();
      this.emitStatus();
      return this.status();
    });
    this.running = running;
    this.emitStatus();
    return running;
  }

  /**
   * Asks for a sync because something changed that lets it do more (a new key, a sign-in): starts one, or runs
   * another right after the current one (which may have started without it). Nothing before `start()`.
   */
  requestRun(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else void this.run();
  }

  /** First sync now, then every `syncIntervalMinutes`. */
  start(): void {
    this.stopped = false;
    void this.run();
  }

  /** Reschedules after the interval setting changed. */
  reschedule(): void {
    if (this.running || this.stopped) return;
    this.clearTimer();
    this.schedule();
    this.emitStatus();
  }

  /** Stops scheduling and aborts the running sync; resolves when it has let go (its commits are kept). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.abort?.abort(new AppError({ code: 'busy', message: 'The sync was stopped.' }));
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    const interval = this.options.settings.get().syncIntervalMinutes * 60_000;
    const delay =
      this.transientFailures > 0
        ? Math.min(interval, RETRY_FIRST_MS * 2 ** Math.min(this.transientFailures - 1, 16))
        : interval;
    this.nextSyncAt = this.now() + delay;
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextSyncAt = null;
  }

  /** One sync of both sources. Never throws: whatever goes wrong ends up in the sources' results. */
  private async runOnce(): Promise<void> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const { options } = this;
    // Every request in flight listens to this signal: as many as the concurrency, not a leak.
    setMaxListeners(Math.max(32, 4 * (options.backendConcurrency ?? DEFAULT_BACKEND_CONCURRENCY)), signal);
    const results: SyncSourceResult[] = [];
    const started = this.now();
    options.logger.info('sync: start');

    const backendSkip = this.backendSkipReason();
    const vapiSkip = await this.vapiSkipReason();
    let changed = 0;

    for (const source of ['backend', 'vapi'] as const) {
      const skip = source === 'backend' ? backendSkip : vapiSkip;
      if (skip) {
        results.push({ source, ok: true, changed: 0, finishedAt: this.iso(), skipped: skip });
        continue;
      }
      const result = await this.runSource(source, signal);
      changed += result.changed;
      results.push(result);
      try {
        options.onSourceResult?.(result);
        if (result.changed > 0) options.onCallsChanged?.();
      } catch (error) {
        options.logger.error('sync: a listener failed', { error });
      }
    }

    this.lastResults = results;
    this.pausedReason = this.pauseReasonOf(results);
    const transient = results.some((r) => !r.ok && TRANSIENT_CODES.has(r.error?.code ?? ''));
    this.transientFailures = transient ? this.transientFailures + 1 : 0;
    if (results.some((r) => r.ok && !r.skipped)) {
      this.lastSyncAt = this.iso();
      try {
        options.cache.setSyncState('sync.lastSyncAt', this.lastSyncAt);
      } catch (error) {
        options.logger.warn('sync: the time of the last sync was not saved', { error });
      }
    }
    options.logger.info('sync: done', {
      ms: this.now() - started,
      changed,
      results: results.map((r) => ({
        source: r.source,
        ok: r.ok,
        changed: r.changed,
        skipped: r.skipped,
        error: r.error?.code,
      })),
    });
    this.abort = null;
  }

  private async runSource(source: SyncSource, signal: AbortSignal): Promise<SyncSourceResult> {
    const { options } = this;
    const progress = (p: SyncProgress): void => this.progress(p);
    try {
      let outcome: SourceOutcome;
      if (source === 'backend') {
        outcome = await syncFromBackend({
          cache: options.cache,
          backend: options.backend,
          session: options.session,
          logger: options.logger,
          now: this.now,
          concurrency: options.backendConcurrency ?? DEFAULT_BACKEND_CONCURRENCY,
          batchSize: 25,
          progress,
          signal,
        });
      } else {
        const vapi = await syncFromVapi({
          cache: options.cache,
          vapi: options.vapi,
          logger: options.logger,
          now: this.now,
          backfillDays: options.settings.get().vapiBackfillDays,
          pageSize: options.vapiPageSize ?? DEFAULT_VAPI_PAGE_SIZE,
          concurrency: options.backendConcurrency ?? DEFAULT_BACKEND_CONCURRENCY,
          progress,
          signal,
        });
        if (vapi.backfillCompleted && vapi.created >= OPTIMIZE_AFTER_CALLS) this.compact();
        outcome = vapi;
      }
      return { source, ok: true, changed: outcome.changed, finishedAt: this.iso() };
    } catch (error) {
      const appError =
        error instanceof AppError
          ? error
          : new AppError({ code: 'internal', message: 'The sync failed unexpectedly.' }, { cause: error });
      options.logger.warn(`sync: ${source} failed`, { error });
      return {
        source,
        ok: false,
        changed: 0,
        finishedAt: this.iso(),
        error: { code: appError.code, message: appError.message },
      };
    }
  }

  /**
   * After a large backfill: the cache compacts itself (it was filled newest first, which leaves its time-ordered
   * indexes half full) and merges its search index. A few seconds once, for a file about a third smaller.
   */
  private compact(): void {
    this.progress({ source: 'vapi', phase: 'finishing', done: 0, total: null });
    const started = performance.now();
    try {
      this.options.cache.optimize();
      // The compacted copy is written through the WAL: move it into the file and cut the WAL back.
      this.options.cache.checkpoint();
      this.options.logger.info('sync: cache compacted after the backfill', {
        ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      this.options.logger.warn('sync: the cache could not be compacted after the backfill', { error });
    }
  }

  private backendSkipReason(): SyncPauseReason | null {
    const state = this.options.session.state().state;
    if (state === 'expired') return 'session-expired';
    if (state === 'signed-out') return 'signed-out';
    return null;
  }

  private async vapiSkipReason(): Promise<SyncPauseReason | null> {
    try {
      return (await this.options.vault.get('vapiPrivateKey')) ? null : 'no-vapi-key';
    } catch (error) {
      if (error instanceof AppError && error.code === 'keychain-unavailable') return 'keychain-unavailable';
      // Anything else: let the Vapi part run and report it as its own failure.
      return null;
    }
  }

  /**
   * Paused when no source could do anything. The reason shown is the one the user can act on first: an unavailable
   * keychain (it hides both the key and the session), then offline (both out of reach), then the session, then what
   * is missing.
   */
  private pauseReasonOf(results: SyncSourceResult[]): SyncPauseReason | null {
    if (results.some((r) => r.ok && !r.skipped)) return null;
    const reasons = new Set(results.map((r) => r.skipped).filter((r): r is SyncPauseReason => r !== undefined));
    if (reasons.has('keychain-unavailable')) return 'keychain-unavailable';
    const failed = results.filter((r) => !r.skipped);
    if (failed.length > 0 && failed.every((r) => r.error?.code === 'offline' || r.error?.code === 'timeout')) {
      return 'offline';
    }
    if (reasons.has('session-expired') || results.some((r) => r.error?.code === 'session-expired')) {
      return 'session-expired';
    }
    if (failed.length > 0) return null;
    for (const reason of PAUSE_ORDER) if (reasons.has(reason)) return reason;
    return null;
  }

  /**
   * Progress to the renderer: the first event of each phase and the last of a counted one always go out, the rest at
   * most every 100 ms (on the monotonic clock: `now` is the wall clock the data is stamped with, which a test may
   * freeze).
   */
  private progress(progress: SyncProgress): void {
    const phaseChanged = progress.phase !== this.phase || progress.source !== this.progressSource;
    if (progress.phase !== this.phase) {
      this.phase = progress.phase;
      this.emitStatus();
    }
    this.progressSource = progress.source;
    const now = performance.now();
    const last = progress.total !== null && progress.done >= progress.total;
    if (!phaseChanged && !last && now - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = now;
    this.options.onProgress?.(progress);
  }

  private emitStatus(): void {
    this.options.onStatus?.(this.status());
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
