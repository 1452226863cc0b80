/**
 * AVA backend client (FastAPI), over the shared HTTP layer. See /work/shared/contracts/ava-backend.md.
 *
 * Public API
 * - `new BackendClient({ http, baseUrl })`: `baseUrl` is a string or a getter (the URL changes from Settings); it is
 *   checked with `assertSafeBackendUrl` before every request (https, or http on loopback only).
 * - `health(options?)` → `{ status }` from `GET /healthz` (no auth). `checkBackendHealth` in `../auth/backend-url`
 *   adds the cold-start patience on top.
 * - Auth: `login(identifier, password, remember)`, `refresh(refreshToken)` → `BackendTokenResponse`;
 *   `me(accessToken)` → `{ id, email, name, … }`. A 401 on login is `invalid-credentials`; a 401 or 404 on refresh is
 *   `session-expired` (the 7-day refresh token is dead, or the user is gone). Both routes are safe to repeat, so
 *   the HTTP layer may retry them.
 * - Calls (data routes): `listCalls(token, { limit ≤ 200, status? })`, `getCall(token, id)`, `getRecording(token, id)`
 *   → `{ recording_url }`, `deleteCall(token, id)` (a 404 on a retry, after a 5xx or a timeout that may have deleted
 *   the row, counts as done). Every data route takes the access token as its first argument and throws `signed-out`
 *   without sending anything when it is missing: in the backend's development mode a request without a bearer is
 *   served as another user.
 *
 * Use data routes through `AuthSession.authorized(token => backend.listCalls(token, …))`, which supplies a fresh
 * token and refreshes once on a 401/403.
 */
import { AppError } from '../../../shared/errors';
import { assertSafeBackendUrl } from '../auth/backend-url';
import type { HttpClient, HttpRequest, QueryValue } from '../http/client';
import { HttpError } from '../http/errors';
import {
  BackendCallDetailSchema,
  BackendCallListSchema,
  BackendHealthSchema,
  BackendMeSchema,
  BackendRecordingSchema,
  BackendTokenResponseSchema,
  type BackendCallDetail,
  type BackendCallList,
  type BackendMe,
  type BackendTokenResponse,
} from './schemas';
import { seg } from './vapi';

export const BACKEND_MAX_LIMIT = 200;
const API = '/api/v1';

export interface BackendClientOptions {
  http: HttpClient;
  baseUrl: string | (() => string);
}

export class BackendClient {
  private readonly http: HttpClient;
  private readonly baseUrl: () => string;

  constructor(options: BackendClientOptions) {
    this.http = options.http;
    const base = options.baseUrl;
    this.baseUrl = typeof base === 'function' ? base : () => base;
  }

  async health(options: { headersTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<{ status: string }> {
    return this.http.json({
      service: 'backend',
      url: this.url('/healthz'),
      schema: BackendHealthSchema,
      ...(options.headersTimeoutMs ? { timeouts: { headersMs: options.headersTimeoutMs } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async login(identifier: string, password: string, remember: boolean): Promise<BackendTokenResponse> {
    this.http.redactor.addSecret(password);
    try {
      return await this.tokens('/auth/login', { identifier, password, remember });
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        throw new AppError({
          code: 'invalid-credentials',
          service: 'backend',
          message: 'The email, phone number or password is not right.',
          ...(error.detail ? { detail: error.detail } : {}),
          ...(error.requestId ? { requestId: error.requestId } : {}),
        });
      }
      throw error;
    }
  }

  async refresh(refreshToken: string): Promise<BackendTokenResponse> {
    this.http.redactor.addSecret(refreshToken);
    try {
      return await this.tokens('/auth/refresh', { refresh_token: refreshToken });
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 404)) {
        throw new AppError({
          code: 'session-expired',
          service: 'backend',
          message: 'The session has ended. Sign in again.',
          ...(error.detail ? { detail: error.detail } : {}),
          ...(error.requestId ? { requestId: error.requestId } : {}),
        });
      }
      throw error;
    }
  }

  async me(accessToken: string): Promise<BackendMe> {
    return this.data(accessToken, { path: '/auth/me', schema: BackendMeSchema });
  }

  async listCalls(
    accessToken: string,
    query: { limit?: number; status?: string } = {},
    signal?: AbortSignal,
  ): Promise<BackendCallList> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > BACKEND_MAX_LIMIT) {
      throw new AppError({
        code: 'invalid-input',
        message: `The backend lists between 1 and ${BACKEND_MAX_LIMIT} calls.`,
      });
    }
    return this.data(accessToken, {
      path: '/calls',
      query: { limit, status: query.status },
      schema: BackendCallListSchema,
      ...(signal ? { signal } : {}),
    });
  }

  async getCall(accessToken: string, id: string, signal?: AbortSignal): Promise<BackendCallDetail> {
    return this.data(accessToken, {
      path: `/calls/${seg(id)}`,
      schema: BackendCallDetailSchema,
      ...(signal ? { signal } : {}),
    });
  }

  async getRecording(accessToken: string, id: string): Promise<{ recording_url: string }> {
    return this.data(accessToken, { path: `/calls/${seg(id)}/recording`, schema: BackendRecordingSchema });
  }

  async deleteCall(accessToken: string, id: string): Promise<void> {
    try {
      await this.data(accessToken, { method: 'DELETE', path: `/calls/${seg(id)}` });
    } catch (error) {
      // An earlier attempt that ended in a 5xx or a 504 may have deleted the row: gone is what was asked.
      if (error instanceof HttpError && error.status === 404 && error.attempts > 1) return;
      throw error;
    }
  }

  private url(path: string): string {
    return `${assertSafeBackendUrl(this.baseUrl())}${path}`;
  }

  private async tokens(path: string, body: Record<string, unknown>): Promise<BackendTokenResponse> {
    return this.http
      .json({
        service: 'backend',
        method: 'POST',
        url: this.url(`${API}${path}`),
        json: body,
        idempotent: true,
        schema: BackendTokenResponseSchema,
      })
      .then((tokens) => {
        this.http.redactor.addSecret(tokens.access_token);
        this.http.redactor.addSecret(tokens.refresh_token);
        return tokens;
      });
  }

  private async data<T>(
    accessToken: string,
    req: {
      method?: 'GET' | 'DELETE';
      path: string;
      query?: Record<string, QueryValue>;
      schema?: HttpRequest<T>['schema'];
      signal?: AbortSignal;
    },
  ): Promise<T> {
    if (typeof accessToken !== 'string' || accessToken.trim() === '') {
      // Never send a data request without a bearer: the backend's dev mode would answer as another user.
      throw new AppError({ code: 'signed-out', service: 'backend', message: 'Sign in to the AVA backend first.' });
    }
    return this.http.json<T>({
      service: 'backend',
      method: req.method ?? 'GET',
      url: this.url(`${API}${req.path}`),
      headers: { authorization: `Bearer ${accessToken}` },
      ...(req.query ? { query: req.query } : {}),
      ...(req.schema ? { schema: req.schema } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
  }
}
