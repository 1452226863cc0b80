/**
 * Retry timing, as Vapi's own SDK does it: about 1 s, then about 2 s (±20 % jitter), unless the server says how long
 * to wait with `Retry-After` (seconds or an HTTP date) or `X-RateLimit-Reset` (epoch seconds, or seconds from now
 * when small).
 *
 * Public API
 * - `RetryPolicy` and `DEFAULT_RETRY`.
 * - `serverWaitMs(headers, now)` → the wait the server asked for in ms, or null.
 * - `backoffMs(retryNumber, policy, random)` → the jittered exponential delay for the 1st, 2nd… retry.
 * - `RETRYABLE_STATUS(status)`: 408, 429, and 5xx except 501/505.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (so `maxRetries + 1` attempts at most). */
  maxRetries: number;
  /** First backoff delay; doubled for each further retry. */
  baseDelayMs: number;
  /** Cap on a computed backoff delay. */
  maxDelayMs: number;
  /**
   * Longest server-requested wait (`Retry-After`) the client sleeps through. A longer one ends the request with
   * `retryAfterSeconds` set, for the caller to schedule, rather than hanging for minutes.
   */
  maxServerWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 2,
  baseDelayMs: 1000,
  maxDelayMs: 8000,
  maxServerWaitMs: 10_000,
};

export function RETRYABLE_STATUS(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function serverWaitMs(headers: HeaderBag, now: number): number | null {
  const retryAfter = header(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = header(headers, 'x-ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // Epoch seconds (what Vapi's SDK assumes) or, when small, seconds from now.
    return value > 1e9 ? Math.max(0, Math.round(value * 1000 - now)) : Math.round(value * 1000);
  }
  return null;
}

export function backoffMs(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const base = Math.min(policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1), policy.maxDelayMs);
  return Math.round(base * (0.8 + 0.4 * random()));
}
