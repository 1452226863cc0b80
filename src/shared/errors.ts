/**
 * The one error shape that crosses from main to the renderer. `code` picks the sentence the renderer shows (in the
 * user's language, see `src/shared/i18n`); `message` is an English sentence for logs and for codes without a
 * translation; `detail` is technical context, already redacted, for the "details" disclosure and the log.
 */
export const ERROR_CODES = [
  // Transport and contract
  'invalid-input',
  'untrusted-sender',
  'unknown-channel',
  'internal',
  // Network (one per HTTP failure class)
  'offline',
  'timeout',
  'unauthorized',
  'forbidden',
  'not-found',
  'rate-limited',
  'server-error',
  'invalid-response',
  'bad-request',
  'conflict',
  // Accounts and secrets
  'keychain-unavailable',
  'signed-out',
  'session-expired',
  'invalid-credentials',
  'insecure-url',
  'missing-secret',
  // Local data
  'cache-unavailable',
  'cache-too-new',
  'busy',
  // The renderer lost its link to main (IPC torn down, preview host stopped)
  'disconnected',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Which remote service an error is about, when it is about one. */
export const SERVICES = ['backend', 'vapi', 'twilio'] as const;
export type Service = (typeof SERVICES)[number];

export interface AppErrorData {
  code: ErrorCode;
  message: string;
  detail?: string;
  service?: Service;
  /** Seconds the user should wait before trying again (rate limits, cold starts). */
  retryAfterSeconds?: number;
  /** The backend's X-Request-ID, when the error came from the backend. */
  requestId?: string;
}

/** Thrown in main, rebuilt in the renderer from the serialized envelope. Same class on both sides. */
export class AppError extends Error implements AppErrorData {
  readonly code: ErrorCode;
  readonly detail?: string;
  readonly service?: Service;
  readonly retryAfterSeconds?: number;
  readonly requestId?: string;

  constructor(data: AppErrorData, options?: { cause?: unknown }) {
    super(data.message, options);
    this.name = 'AppError';
    this.code = data.code;
    if (data.detail !== undefined) this.detail = data.detail;
    if (data.service !== undefined) this.service = data.service;
    if (data.retryAfterSeconds !== undefined) this.retryAfterSeconds = data.retryAfterSeconds;
    if (data.requestId !== undefined) this.requestId = data.requestId;
  }

  toJSON(): AppErrorData {
    const out: AppErrorData = { code: this.code, message: this.message };
    if (this.detail !== undefined) out.detail = this.detail;
    if (this.service !== undefined) out.service = this.service;
    if (this.retryAfterSeconds !== undefined) out.retryAfterSeconds = this.retryAfterSeconds;
    if (this.requestId !== undefined) out.requestId = this.requestId;
    return out;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** What travels over either transport for every call: never a thrown value, always an envelope. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

/** Resolves with the value or throws the AppError: for callers that prefer exceptions (stores, effects). */
export async function unwrap<T>(pending: Promise<Envelope<T>>): Promise<T> {
  const envelope = await pending;
  if (envelope.ok) return envelope.value;
  throw new AppError(envelope.error);
}
