/**
 * How HTTP failures become `AppError`s: one code per failure class, the service, the backend's request id, and a
 * redacted one-line `detail` (method, path, status, the service's own words).
 *
 * Public API
 * - `HttpError extends AppError`: adds `status` (0 for network failures), `method`, `path` (redacted, no host),
 *   `attempts` (how many times the request was sent, retries included).
 * - `codeForStatus(status)` → the `ErrorCode` of an HTTP status.
 * - `messageFor(code, service, retryAfterSeconds?)` → the English sentence (with the next step) of an error; a rate
 *   limit with a known wait says how long.
 * - `describeErrorBody(text)` → the service's message from a Vapi/NestJS body (`{statusCode, error, message}` with a
 *   string or a list), a FastAPI body (`{detail}` string or `[{loc, msg, type}]`), a Twilio body
 *   (`{code, message, more_info}`), or an excerpt of anything else.
 * - `classifyNetworkError(error)` → `{ code, reason, sentNothing, retryable }` for errors thrown by undici and Node
 *   (refused, DNS, reset, timeouts, proxy tunnel refusals, TLS).
 */
import { AppError, type ErrorCode, type Service } from '../../../shared/errors';

export const SERVICE_LABELS: Record<Service, string> = {
  backend: 'The AVA backend',
  vapi: 'Vapi',
  twilio: 'Twilio',
};

export interface HttpErrorData {
  code: ErrorCode;
  message: string;
  detail: string;
  service: Service;
  status: number;
  method: string;
  path: string;
  attempts?: number;
  retryAfterSeconds?: number;
  requestId?: string;
}

export class HttpError extends AppError {
  /** The HTTP status, or 0 when no response was received. */
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The attempt that failed (1 = the first): a later one means earlier attempts may have been processed. */
  readonly attempts: number;

  constructor(data: HttpErrorData) {
    const { status, method, path, attempts, ...rest } = data;
    super(rest);
    this.name = 'HttpError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.attempts = attempts ?? 1;
  }
}

export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-error';
  return 'bad-request';
}

const CODE_SENTENCES: Partial<Record<ErrorCode, string>> = {
  offline: 'could not be reached. Check the internet connection, then try again.',
  timeout: 'took too long to answer. Try again in a moment.',
  unauthorized: 'refused the credentials (401). Check the key or sign in again.',
  forbidden: 'refused access (403). Check the account, then sign in again.',
  'not-found': 'does not have what was asked for (404): it may have been deleted. Refresh, then try again.',
  'rate-limited': 'is receiving too many requests (429). Wait a minute, then try again.',
  'server-error': 'had a problem on its side. Try again later.',
  'invalid-response': 'sent an answer AVA Desk does not understand. Try again; if it persists, update AVA Desk.',
  'bad-request': 'rejected the request as invalid. Check what was entered against the details, then try again.',
  conflict: 'refused the change because of a conflict (409).',
};

export function messageFor(code: ErrorCode, service: Service, retryAfterSeconds?: number): string {
  if (code === 'rate-limited' && retryAfterSeconds !== undefined && retryAfterSeconds > 0) {
    const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
    return `${SERVICE_LABELS[service]} is receiving too many requests (429). Try again in ${retryAfterSeconds} ${unit}.`;
  }
  return `${SERVICE_LABELS[service]} ${CODE_SENTENCES[code] ?? 'failed.'}`;
}

const EXCERPT_CHARS = 300;

/** The service's own words from an error body; the caller redacts. */
export function describeErrorBody(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const body = JSON.parse(trimmed) as unknown;
      const described = describeJson(body);
      if (described) return clip(described);
    } catch {
      // not JSON: fall through to an excerpt
    }
  }
  return clip(trimmed.replace(/\s+/g, ' '));
}

function describeJson(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  // FastAPI
  if ('detail' in b) {
    const detail = b['detail'];
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) {
      return detail
        .slice(0, 5)
        .map((item) => {
          if (!item || typeof item !== 'object') return String(item);
          const { loc, msg } = item as { loc?: unknown; msg?: unknown };
          const where = Array.isArray(loc) ? loc.map(String).join('.') : '';
          return where ? `${where}: ${String(msg)}` : String(msg);
        })
        .join('; ');
    }
  }
  // Vapi / NestJS
  if ('message' in b && ('statusCode' in b || 'error' in b)) {
    const message = b['message'];
    const text = Array.isArray(message) ? message.map(String).join('; ') : String(message);
    return typeof b['error'] === 'string' && b['error'] !== text ? `${b['error']}: ${text}` : text;
  }
  // Twilio
  if ('code' in b && 'message' in b) return `${String(b['code'])}: ${String(b['message'])}`;
  if (typeof b['message'] === 'string') return b['message'];
  if (typeof b['error'] === 'string') return b['error'];
  return null;
}

function clip(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

export interface NetworkFailure {
  code: 'offline' | 'timeout';
  reason: string;
  /** The request never left (no connection was made): safe to retry whatever the method. */
  sentNothing: boolean;
  retryable: boolean;
}

const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|UND_ERR_PRX_TLS|DEPTH_ZERO|ALTNAME|EPROTO/i;

export function errorCodeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

export function classifyNetworkError(error: unknown): NetworkFailure {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return { code: 'timeout', reason: 'connection timed out', sentNothing: true, retryable: true };
  if (code === 'UND_ERR_HEADERS_TIMEOUT')
    return { code: 'timeout', reason: 'no answer in time', sentNothing: false, retryable: true };
  if (code === 'UND_ERR_BODY_TIMEOUT')
    return { code: 'timeout', reason: 'the answer stalled', sentNothing: false, retryable: true };
  if (/Proxy response \((\d+)\)/.test(message)) {
    const status = Number(/Proxy response \((\d+)\)/.exec(message)![1]);
    return {
      code: 'offline',
      reason: `the proxy refused the connection (${status})`,
      sentNothing: true,
      retryable: status !== 407 && status !== 403,
    };
  }
  if (NOT_CONNECTED.has(code))
    return { code: 'offline', reason: `cannot connect (${code})`, sentNothing: true, retryable: true };
  if (TLS_CODES.test(code))
    return { code: 'offline', reason: `secure connection failed (${code})`, sentNothing: true, retryable: false };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED')
    return { code: 'offline', reason: `connection lost (${code})`, sentNothing: false, retryable: true };
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
    return { code: 'offline', reason: 'the answer was cut short', sentNothing: false, retryable: true };
  if (code === 'ETIMEDOUT')
    return { code: 'timeout', reason: 'connection timed out', sentNothing: false, retryable: true };
  return {
    code: 'offline',
    reason: `network error (${code || (error instanceof Error ? error.name : 'unknown')})`,
    sentNothing: false,
    retryable: true,
  };
}
