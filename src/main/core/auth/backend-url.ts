/**
 * The backend URL: which ones are acceptable, and whether one answers.
 *
 * Public API
 * - `assertSafeBackendUrl(url)` → the normalized base URL (origin plus path, no trailing slash, no query or
 *   fragment). https always; http only for loopback (`localhost`, `127.0.0.0/8`, `[::1]`), because the bearer token
 *   travels on every request. Throws `AppError` `insecure-url` for plain http elsewhere, `invalid-input` for
 *   anything that is not an http(s) URL or that carries credentials.
 * - `isLoopbackHost(hostname)`.
 * - `checkBackendHealth(url, { http, onWaking?, wakingAfterMs = 3000, maxWaitMs = 60000, retryEveryMs = 2000,
 *   signal?, now?, sleep? })` → `BackendCheck`. `GET {url}/healthz`, waiting up to `maxWaitMs` for an answer
 *   (Render cold starts take 30–60 s). After `wakingAfterMs` without an answer `onWaking()` is called once so the
 *   UI can show "waking the server up". 502/503/504 and dropped connections during the wait are part of a cold
 *   start and are retried every `retryEveryMs`, or after the server's `Retry-After` when it sends one (within the
 *   wait); a refused connection, a name that does not resolve, a TLS failure,
 *   or any other status (a 404: not an AVA backend) ends the check at once as `unreachable`.
 */
import type { BackendCheck } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import type { HttpClient } from '../http/client';
import { defaultSleep } from '../http/client';
import { HttpError } from '../http/errors';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function assertSafeBackendUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new AppError({ code: 'invalid-input', message: 'The backend address is not a valid URL.' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AppError({ code: 'invalid-input', message: 'The backend address must start with https://.' });
  }
  if (parsed.username || parsed.password) {
    throw new AppError({
      code: 'invalid-input',
      message: 'The backend address must not contain a user name or password.',
    });
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new AppError({
      code: 'insecure-url',
      message: 'The backend address must use https:// (plain http is only allowed for this computer).',
      detail: `http is refused for ${parsed.hostname}`,
    });
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.origin}${path}`;
}

export interface HealthCheckOptions {
  http: HttpClient;
  onWaking?: () => void;
  wakingAfterMs?: number;
  maxWaitMs?: number;
  retryEveryMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const COLD_START_STATUSES = new Set([502, 503, 504]);

export async function checkBackendHealth(url: string, options: HealthCheckOptions): Promise<BackendCheck> {
  const base = assertSafeBackendUrl(url);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const retryEveryMs = options.retryEveryMs ?? 2_000;
  const started = now();
  let waking = false;
  const timer = setTimeout(() => {
    waking = true;
    options.onWaking?.();
  }, options.wakingAfterMs ?? 3_000);
  const result = (health: BackendCheck['health']): BackendCheck => ({
    url: base,
    health,
    elapsedMs: health === 'ok' ? now() - started : null,
  });

  try {
    for (;;) {
      const remaining = maxWaitMs - (now() - started);
      if (remaining <= 0) return result('unreachable');
      try {
        const body = await options.http.json<unknown>({
          service: 'backend',
          url: `${base}/healthz`,
          retry: false,
          timeouts: { headersMs: Math.max(1, remaining), bodyMs: Math.max(1, Math.min(remaining, 30_000)) },
          ...(options.signal ? { signal: options.signal } : {}),
        });
        const status = body && typeof body === 'object' ? (body as { status?: unknown }).status : undefined;
        return result(status === 'healthy' || status === 'ok' ? 'ok' : 'unreachable');
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        const coldStart =
          COLD_START_STATUSES.has(error.status) ||
          (error.status === 0 && (error.code === 'timeout' || /connection lost|cut short/.test(error.detail ?? '')));
        if (!coldStart) return result('unreachable');
        if (!waking) {
          waking = true;
          clearTimeout(timer);
          options.onWaking?.();
        }
        const left = maxWaitMs - (now() - started);
        if (left <= 0) return result('unreachable');
        const asked = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : null;
        await sleep(Math.min(asked ?? retryEveryMs, left), options.signal);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
