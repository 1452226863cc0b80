/**
 * The one clock the three fakes share. Token expiry, the 24 h transcript scrub, the circuit breaker window and the
 * timestamps of placed calls all read it, so a test can jump a day ahead without waiting.
 */
export interface FakeClock {
  /** Milliseconds since the epoch, as the fakes see it. */
  now(): number;
  /** Moves the clock forward (or back, with a negative value). */
  advance(ms: number): void;
  /** Puts the clock at an absolute time (ms since the epoch). */
  set(ms: number): void;
  /** True when the clock also moves with real time between calls to `advance`/`set`. */
  readonly ticking: boolean;
}

export interface FakeClockOptions {
  /** Start time in ms since the epoch. Default: the real time now. */
  start?: number;
  /**
   * When true (the default), the clock runs with real time from `start` (plus every `advance`), which is what the
   * demo wants: tokens expire after 15 real minutes. Tests that need exact boundaries pass `ticking: false`, and
   * the clock only moves when told to.
   */
  ticking?: boolean;
}

export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  const ticking = options.ticking ?? true;
  let base = options.start ?? Date.now();
  let realAtBase = performance.now();
  const now = (): number => (ticking ? Math.floor(base + (performance.now() - realAtBase)) : base);
  return {
    ticking,
    now,
    advance(ms: number): void {
      base = now() + ms;
      realAtBase = performance.now();
    },
    set(ms: number): void {
      base = ms;
      realAtBase = performance.now();
    },
  };
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
