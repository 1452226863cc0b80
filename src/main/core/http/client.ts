/**
 * The hardened HTTP layer every service client uses: one pool, timeouts on every phase, bounded retries, typed and
 * redacted errors, edge validation of bodies, and one log line per request.
 *
 * Public API
 * - `new HttpClient({ redactor, logger?, env?, timeouts?, retry?, sleep?, random?, now?, userAgent?, dispatcher?,
 *   proxyLoopback?, ca? })`. `ca`: extra trusted certificates (PEM) for the services and the proxy tunnel, replacing
 *   the bundled ones (a TLS-inspecting corporate proxy, tests against a self-signed server).
 * - `request<T>(req)` → `HttpResponse<T>`; `json<T>(req)` → the parsed (and validated) body only.
 *   `req`: `{ service, method = 'GET', url, query?, headers?, json?, timeouts?, idempotent?, retryOnRateLimit?, retry?,
 *   schema?, signal?, maxBodyBytes?, parseBytes? }` (`parseBytes` reads a 2xx body from its bytes instead of
 *   JSON.parse + schema).
 * - `close()`: closes the pool.
 * - `proxy`: the proxy in use (credentials removed) or null.
 *
 * Behaviour
 * - Timeouts: connect (per client, default 10 s), headers (default 30 s), body (default 30 s); headers and body can
 *   be overridden per request (the health check waits up to 60 s for a cold start).
 * - Retries (default 2, so 3 attempts): network failures, 408, 429 and 5xx on idempotent requests (GET, HEAD, PUT,
 *   DELETE, OPTIONS, or any request marked `idempotent: true` by a route where repeating is safe, such as sign-in).
 *   A non-idempotent request is retried only when it provably never left (connection refused, DNS, connect
 *   timeout, proxy refusal), or on 429 when its route opts in with `retryOnRateLimit: true` (a route whose service
 *   is known to refuse a rate-limited request before doing anything). Errors carry `attempts`. Waits: ~1 s, ~2 s
 *   with jitter, or what `Retry-After` / `X-RateLimit-Reset` says when that is at most `retry.maxServerWaitMs`
 *   (10 s); a longer server wait ends the request with `retryAfterSeconds` set instead of sleeping for minutes.
 * - Errors are `HttpError` (an `AppError`): `offline`, `timeout`, `unauthorized`, `forbidden`, `not-found`,
 *   `rate-limited`, `server-error`, `invalid-response` (bad, truncated or oversized JSON, or a body that fails the
 *   schema), `bad-request`, `conflict`; with `service`, `status`, `requestId` (X-Request-ID) and a redacted
 *   `detail`. A caller's abort rethrows the abort reason unchanged.
 * - Bodies: `accept-encoding: gzip, br, deflate` is sent and compressed answers are decoded off the main thread,
 *   bounded by `maxBodyBytes` (default 256 MB) before and after decoding; a damaged one is `invalid-response`.
 * - Redaction: every Authorization, Proxy-Authorization and secret header value sent is registered with the
 *   redactor before the request goes out, so no later line or error can carry it.
 */
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Service } from '../../../shared/errors';
import { nullLogger, type Logger } from '../log/logger';
import type { Redactor } from '../log/redact';
import { createDispatcher, type DispatcherInfo } from './dispatcher';
import { classifyNetworkError, codeForStatus, describeErrorBody, HttpError, messageFor } from './errors';
import { backoffMs, DEFAULT_RETRY, RETRYABLE_STATUS, serverWaitMs, type RetryPolicy } from './retry';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface Timeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

export type QueryValue = string | number | boolean | null | undefined;

export interface HttpRequest<T = unknown> {
  service: Service;
  method?: HttpMethod;
  url: string | URL;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  timeouts?: Partial<Pick<Timeouts, 'headersMs' | 'bodyMs'>>;
  /** Overrides the method's default: `true` marks a POST/PATCH safe to repeat. */
  idempotent?: boolean;
  /**
   * A non-idempotent route whose 429 provably means "not processed" may be retried on 429 (and only on 429). Off by
   * default: without it a rate-limited POST is one attempt, and the caller decides.
   */
  retryOnRateLimit?: boolean;
  /** `false` disables retries for this request. */
  retry?: Partial<RetryPolicy> | false;
  /** Edge validation of a 2xx body; a mismatch is `invalid-response`. */
  schema?: z.ZodType<T>;
  signal?: AbortSignal;
  maxBodyBytes?: number;
  /**
   * Reads a 2xx body from its bytes (content encoding already undone) instead of `JSON.parse` + `schema`: for bodies
   * the caller splits before parsing (a Vapi call page: each call's own bytes are kept). A throw is
   * `invalid-response`, as bad JSON would be.
   */
  parseBytes?: (body: Buffer) => T;
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
  requestId: string | null;
  attempts: number;
  ms: number;
}

export interface HttpClientOptions {
  redactor: Redactor;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  userAgent?: string;
  /** A dispatcher of the caller's (tests); by default one is built from `env`. */
  dispatcher?: Dispatcher;
  /** Send loopback requests through the proxy too (tests of the proxy path). */
  proxyLoopback?: boolean;
  /** Trusted certificates (PEM) instead of the bundled ones, for direct and tunnelled TLS. */
  ca?: string | Buffer | Array<string | Buffer>;
}

const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Attempt {
  /** Set when the attempt produced a final answer. */
  response?: HttpResponse<unknown>;
  error?: HttpError;
  /** Whether another attempt may fix it, and the wait the server asked for. */
  retry?: { allowed: boolean; serverWaitMs: number | null };
}

export class HttpClient {
  readonly proxy: DispatcherInfo['proxy'];
  /** The redactor every request registers its secrets with; clients add secrets sent in bodies. */
  readonly redactor: Redactor;
  private readonly dispatcher: Dispatcher;
  private closing: Promise<void> | null = null;
  private readonly logger: Logger;
  private readonly timeouts: Timeouts;
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly userAgent: string;

  constructor(options: HttpClientOptions) {
    this.redactor = options.redactor;
    this.logger = (options.logger ?? nullLogger).child({ module: 'http' });
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.userAgent = options.userAgent ?? 'AVA-Desk';
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.proxy = null;
    } else {
      const info = createDispatcher({
        env: options.env ?? process.env,
        connectTimeoutMs: this.timeouts.connectMs,
        proxyLoopback: options.proxyLoopback ?? false,
        redactor: this.redactor,
        ...(options.ca ? { ca: options.ca } : {}),
      });
      this.dispatcher = info.dispatcher;
      this.proxy = info.proxy;
      if (info.proxy) this.logger.info('using a proxy', { proxy: info.proxy });
    }
  }

  async json<T>(req: HttpRequest<T>): Promise<T> {
    return (await this.request(req)).data;
  }

  async request<T>(req: HttpRequest<T>): Promise<HttpResponse<T>> {
    const method = req.method ?? 'GET';
    const url = buildUrl(req.url, req.query);
    const headers = this.prepareHeaders(req);
    const body = req.json === undefined ? undefined : JSON.stringify(req.json);
    const policy: RetryPolicy =
      req.retry === false ? { ...this.retryPolicy, maxRetries: 0 } : { ...this.retryPolicy, ...req.retry };
    const idempotent = req.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const started = this.now();
    const logUrl = this.redactor.redactUrl(url.toString());

    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt<T>(req, method, url, headers, body, idempotent, attempt, started, logUrl);
      if (result.response) return result.response as HttpResponse<T>;
      const error = result.error!;
      const retriesLeft = attempt <= policy.maxRetries;
      const retry = result.retry;
      if (!retry?.allowed || !retriesLeft) throw error;
      let wait: number;
      if (retry.serverWaitMs !== null) {
        if (retry.serverWaitMs > policy.maxServerWaitMs) {
          // The server wants more patience than a user should give: let the caller schedule it.
          throw error;
        }
        wait = retry.serverWaitMs;
      } else {
        wait = backoffMs(attempt, policy, this.random);
      }
      this.logger.warn('http retry', {
        service: req.service,
        method,
        url: logUrl,
        attempt,
        code: error.code,
        status: error.status,
        waitMs: wait,
      });
      await this.sleep(wait, req.signal);
    }
  }

  /** Closes the pool (idempotent). */
  async close(): Promise<void> {
    if (this.closing === null) this.closing = this.dispatcher.close();
    await this.closing;
  }

  private prepareHeaders(req: HttpRequest<unknown>): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'accept-encoding': 'gzip, br, deflate',
      'user-agent': this.userAgent,
    };
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      const lower = name.toLowerCase();
      headers[lower] = value;
      if (lower === 'authorization' || lower === 'proxy-authorization') this.redactor.addAuthorization(value);
      else if (this.redactor.isSecretHeaderName(lower)) this.redactor.addSecret(value);
    }
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    return headers;
  }

  private async attempt<T>(
    req: HttpRequest<T>,
    method: HttpMethod,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    idempotent: boolean,
    attempt: number,
    started: number,
    logUrl: string,
  ): Promise<Attempt> {
    const attemptStart = this.now();
    const full = this.redactor.redactUrl(url.toString());
    const path = full.startsWith(url.origin) ? full.slice(url.origin.length) : full;
    const fail = (
      code: HttpError['code'],
      status: number,
      detail: string,
      extra: { requestId?: string | null; retryAfterSeconds?: number } = {},
    ): HttpError =>
      new HttpError({
        code,
        message: messageFor(code, req.service, extra.retryAfterSeconds),
        detail: this.redactor.redact(detail),
        service: req.service,
        status,
        method,
        path,
        attempts: attempt,
        ...(extra.requestId ? { requestId: extra.requestId } : {}),
        ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
      });

    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(url, {
        dispatcher: this.dispatcher,
        method,
        headers,
        body,
        headersTimeout: req.timeouts?.headersMs ?? this.timeouts.headersMs,
        bodyTimeout: req.timeouts?.bodyMs ?? this.timeouts.bodyMs,
        signal: req.signal,
      });
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      const failure = classifyNetworkError(error);
      const err = fail(failure.code, 0, `${method} ${path}: ${failure.reason}`);
      this.logFailure(req, method, logUrl, attempt, attemptStart, err);
      return {
        error: err,
        retry: { allowed: failure.retryable && (idempotent || failure.sentNothing), serverWaitMs: null },
      };
    }

    const status = res.statusCode;
    const responseHeaders = flattenHeaders(res.headers);
    const requestId = responseHeaders['x-request-id'] ?? null;
    let raw: Buffer;
    try {
      raw = await readBody(res.body, responseHeaders['content-encoding'], req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (error instanceof BadEncoding) {
        const err = fail('invalid-response', status, `${method} ${path} → ${status}: ${error.message}`, { requestId });
        this.logFailure(req, method, logUrl, attempt, attemptStart, err);
        return { error: err };
      }
      if (error instanceof BodyTooLarge) {
        const err = fail('invalid-response', status, `${method} ${path} → ${status}: the answer is too large`, {
          requestId,
        });
        this.logFailure(req, method, logUrl, attempt, attemptStart, err);
        return { error: err };
      }
      const failure = classifyNetworkError(error);
      const err = fail(
        failure.code,
        status,
        `${method} ${path} → ${status}: ${failure.reason} while reading the answer`,
        {
          requestId,
        },
      );
      this.logFailure(req, method, logUrl, attempt, attemptStart, err);
      return { error: err, retry: { allowed: failure.retryable && idempotent, serverWaitMs: null } };
    }

    const ms = this.now() - attemptStart;
    if (status >= 200 && status < 300) {
      const parsed = req.parseBytes
        ? parseBytes(req.parseBytes, raw)
        : this.parseBody(req, method, status, raw.toString('utf8'), responseHeaders);
      if (!parsed.ok) {
        const err = fail('invalid-response', status, `${method} ${path} → ${status}: ${parsed.reason}`, { requestId });
        this.logFailure(req, method, logUrl, attempt, attemptStart, err);
        return { error: err };
      }
      this.logger.info('http', {
        service: req.service,
        method,
        url: logUrl,
        status,
        ms,
        totalMs: this.now() - started,
        attempt,
        ...(requestId ? { requestId } : {}),
      });
      return {
        response: {
          status,
          headers: responseHeaders,
          data: parsed.value,
          requestId,
          attempts: attempt,
          ms: this.now() - started,
        },
      };
    }

    const code = codeForStatus(status);
    const wait = RETRYABLE_STATUS(status) ? serverWaitMs(responseHeaders, this.now()) : null;
    const said = describeErrorBody(this.redactor.redact(raw.toString('utf8')));
    const err = fail(code, status, `${method} ${path} → ${status}${said ? `: ${said}` : ''}`, {
      requestId,
      ...(wait !== null ? { retryAfterSeconds: Math.ceil(wait / 1000) } : {}),
    });
    this.logFailure(req, method, logUrl, attempt, attemptStart, err);
    const allowed = RETRYABLE_STATUS(status) && (idempotent || (status === 429 && req.retryOnRateLimit === true));
    return { error: err, retry: { allowed, serverWaitMs: wait } };
  }

  private parseBody(
    req: HttpRequest<unknown>,
    method: HttpMethod,
    status: number,
    text: string,
    headers: Record<string, string>,
  ): { ok: true; value: unknown } | { ok: false; reason: string } {
    if (method === 'HEAD' || status === 204 || text.trim() === '') {
      if (req.schema) {
        const checked = req.schema.safeParse(undefined);
        if (!checked.success) return { ok: false, reason: 'the answer is empty' };
        return { ok: true, value: checked.data };
      }
      return { ok: true, value: undefined };
    }
    const type = headers['content-type'] ?? '';
    const looksJson = /json/i.test(type) || /^\s*[[{]/.test(text);
    if (!looksJson) {
      if (req.schema) return { ok: false, reason: `expected JSON, got ${type || 'no content type'}` };
      return { ok: true, value: text };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return {
        ok: false,
        reason: `bad or truncated JSON (${text.length} characters; ${(error as Error).message.replace(/\s+/g, ' ').slice(0, 120)})`,
      };
    }
    if (!req.schema) return { ok: true, value };
    const checked = req.schema.safeParse(value);
    if (checked.success) return { ok: true, value: checked.data };
    const issues = checked.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `unexpected answer shape (${issues})` };
  }

  private logFailure(
    req: HttpRequest<unknown>,
    method: HttpMethod,
    logUrl: string,
    attempt: number,
    attemptStart: number,
    error: HttpError,
  ): void {
    this.logger.warn('http failed', {
      service: req.service,
      method,
      url: logUrl,
      status: error.status,
      ms: this.now() - attemptStart,
      attempt,
      code: error.code,
      detail: error.detail,
      ...(error.requestId ? { requestId: error.requestId } : {}),
    });
  }
}

class BodyTooLarge extends Error {}
class BadEncoding extends Error {}

const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliDecompress);
const inflateAsync = promisify(inflate);

function parseBytes<T>(
  parse: (body: Buffer) => T,
  raw: Buffer,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: parse(raw) };
  } catch (error) {
    const said = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 200);
    return { ok: false, reason: `unexpected answer (${raw.length} bytes; ${said})` };
  }
}

async function readBody(
  body: Dispatcher.ResponseData['body'],
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw new BodyTooLarge();
    }
    chunks.push(buf);
  }
  const raw = Buffer.concat(chunks, size);
  const coding = (encoding ?? '').trim().toLowerCase();
  if (!coding || coding === 'identity' || raw.length === 0) return raw;
  // Decompressed off the main thread (zlib's thread pool), bounded like the raw body.
  let decoded: Buffer;
  try {
    if (coding === 'gzip' || coding === 'x-gzip') decoded = await gunzipAsync(raw, { maxOutputLength: maxBytes });
    else if (coding === 'br') decoded = await brotliAsync(raw, { maxOutputLength: maxBytes });
    else if (coding === 'deflate') decoded = await inflateAsync(raw, { maxOutputLength: maxBytes });
    else throw new BadEncoding(`unsupported content encoding ${coding}`);
  } catch (error) {
    if (error instanceof BadEncoding) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyTooLarge();
    throw new BadEncoding(`the ${coding} body is damaged (${(error as Error).message})`);
  }
  return decoded;
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

export function buildUrl(url: string | URL, query?: Record<string, QueryValue>): URL {
  const out = new URL(url.toString());
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    out.searchParams.set(key, String(value));
  }
  return out;
}
