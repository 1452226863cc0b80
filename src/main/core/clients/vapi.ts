/**
 * Vapi REST client (https://api.vapi.ai), over the shared HTTP layer. See /work/shared/contracts/vapi-twilio.md.
 *
 * Public API
 * - `new VapiClient({ http, getKey, baseUrl? })`: `getKey()` supplies the private key (from the vault) for each
 *   request; none → `AppError` `missing-secret` (service `vapi`), and nothing is sent.
 * - `checkKey(key)`: `GET /assistant?limit=1` with that key; resolves when Vapi accepts it (even with no assistant),
 *   throws `unauthorized` for a bad or public key ("Invalid Key. Hot tip…" in the detail).
 * - Assistants: `listAssistants(query?)`, `getAssistant(id)`, `createAssistant(body)`, `updateAssistant(id, body)`,
 *   `deleteAssistant(id)`.
 * - Phone numbers: `listPhoneNumbers(query?)`, `getPhoneNumber(id)`, `importTwilioNumber(body)` (`POST /phone-number`
 *   with `provider: "twilio"`; the auth token is registered with the redactor first), `updatePhoneNumber(id, body)`.
 * - Calls: `listCalls(query)` (`GET /call`, a bare array, `limit` ≤ 1000, paging with `createdAtLt`), `getCall(id)`;
 *   `listCallsRaw(query)`: the same page read from its bytes, each call with its own JSON bytes as received
 *   (`{ call, json }`), so the sync stores them without serializing again; each call is validated with the same schema.
 *
 * Every answer is validated with the edge schemas of `./schemas` (only the fields the app uses; the rest is kept).
 * Retries: reads and deletes are retried by the HTTP layer; PATCH is marked safe to repeat (it writes the same
 * fields again); POST (create, import) is never repeated unless it provably never left or got a 429.
 */
import type { ZodType } from 'zod';
import { AppError } from '../../../shared/errors';
import type { HttpClient, QueryValue } from '../http/client';
import { splitJsonArray } from '../calls/json-array';
import {
  VapiAssistantListSchema,
  VapiAssistantSchema,
  VapiCallListSchema,
  VapiCallSchema,
  VapiPhoneNumberListSchema,
  VapiPhoneNumberSchema,
  type VapiAssistant,
  type VapiCall,
  type VapiPhoneNumber,
} from './schemas';

export const DEFAULT_VAPI_URL = 'https://api.vapi.ai';
export const VAPI_MAX_LIMIT = 1000;

export interface VapiListQuery {
  limit?: number;
  createdAtGt?: string;
  createdAtLt?: string;
  createdAtGe?: string;
  createdAtLe?: string;
  updatedAtGt?: string;
  updatedAtLt?: string;
  updatedAtGe?: string;
  updatedAtLe?: string;
}

export interface VapiCallsQuery extends VapiListQuery {
  id?: string;
  assistantId?: string;
  phoneNumberId?: string;
}

/** A call of a `GET /call` page with its own JSON, as received (UTF-8 bytes, a view into the page's body). */
export interface RawVapiCall {
  call: VapiCall;
  json: Uint8Array;
}

export interface TwilioImportBody {
  number: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
  name?: string;
  assistantId?: string;
  smsEnabled?: boolean;
  server?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface VapiClientOptions {
  http: HttpClient;
  getKey: () => Promise<string | null>;
  baseUrl?: string | (() => string);
}

export class VapiClient {
  private readonly http: HttpClient;
  private readonly getKey: () => Promise<string | null>;
  private readonly baseUrl: () => string;

  constructor(options: VapiClientOptions) {
    this.http = options.http;
    this.getKey = options.getKey;
    const base = options.baseUrl ?? DEFAULT_VAPI_URL;
    this.baseUrl = typeof base === 'function' ? base : () => base;
  }

  async checkKey(key: string): Promise<void> {
    await this.http.request({
      service: 'vapi',
      url: this.url('/assistant'),
      query: { limit: 1 },
      headers: { authorization: `Bearer ${key}` },
      schema: VapiAssistantListSchema,
    });
  }

  async listAssistants(query: VapiListQuery = {}): Promise<VapiAssistant[]> {
    return this.call({ path: '/assistant', query: listQuery(query), schema: VapiAssistantListSchema });
  }

  async getAssistant(id: string): Promise<VapiAssistant> {
    return this.call({ path: `/assistant/${seg(id)}`, schema: VapiAssistantSchema });
  }

  async createAssistant(body: Record<string, unknown>): Promise<VapiAssistant> {
    return this.call({ method: 'POST', path: '/assistant', json: body, schema: VapiAssistantSchema });
  }

  async updateAssistant(id: string, body: Record<string, unknown>): Promise<VapiAssistant> {
    return this.call({
      method: 'PATCH',
      path: `/assistant/${seg(id)}`,
      json: body,
      idempotent: true,
      schema: VapiAssistantSchema,
    });
  }

  async deleteAssistant(id: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `/assistant/${seg(id)}` });
  }

  async listPhoneNumbers(query: VapiListQuery = {}): Promise<VapiPhoneNumber[]> {
    return this.call({ path: '/phone-number', query: listQuery(query), schema: VapiPhoneNumberListSchema });
  }

  async getPhoneNumber(id: string): Promise<VapiPhoneNumber> {
    return this.call({ path: `/phone-number/${seg(id)}`, schema: VapiPhoneNumberSchema });
  }

  async importTwilioNumber(body: TwilioImportBody): Promise<VapiPhoneNumber> {
    this.http.redactor.addSecret(body.twilioAuthToken);
    return this.call({
      method: 'POST',
      path: '/phone-number',
      json: { ...body, provider: 'twilio' },
      schema: VapiPhoneNumberSchema,
    });
  }

  async updatePhoneNumber(id: string, body: Record<string, unknown>): Promise<VapiPhoneNumber> {
    return this.call({
      method: 'PATCH',
      path: `/phone-number/${seg(id)}`,
      json: { provider: 'twilio', ...body },
      idempotent: true,
      schema: VapiPhoneNumberSchema,
    });
  }

  async listCalls(query: VapiCallsQuery = {}, signal?: AbortSignal): Promise<VapiCall[]> {
    const { id, assistantId, phoneNumberId, ...rest } = query;
    return this.call({
      path: '/call',
      query: { ...listQuery(rest), id, assistantId, phoneNumberId },
      schema: VapiCallListSchema,
      ...(signal ? { signal } : {}),
    });
  }

  async listCallsRaw(query: VapiCallsQuery = {}, signal?: AbortSignal): Promise<RawVapiCall[]> {
    const { id, assistantId, phoneNumberId, ...rest } = query;
    return this.call({
      path: '/call',
      query: { ...listQuery(rest), id, assistantId, phoneNumberId },
      parseBytes: parseCallPage,
      ...(signal ? { signal } : {}),
    });
  }

  async getCall(id: string, signal?: AbortSignal): Promise<VapiCall> {
    return this.call({ path: `/call/${seg(id)}`, schema: VapiCallSchema, ...(signal ? { signal } : {}) });
  }

  private url(path: string): string {
    return `${this.baseUrl().replace(/\/+$/, '')}${path}`;
  }

  private async call<T>(req: {
    method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    path: string;
    query?: Record<string, QueryValue>;
    json?: unknown;
    idempotent?: boolean;
    schema?: ZodType<T>;
    parseBytes?: (body: Buffer) => T;
    signal?: AbortSignal;
  }): Promise<T> {
    const key = await this.getKey();
    if (!key) {
      throw new AppError({
        code: 'missing-secret',
        service: 'vapi',
        message: 'No Vapi private key is saved yet. Paste it in Settings.',
      });
    }
    return this.http.json<T>({
      service: 'vapi',
      method: req.method ?? 'GET',
      url: this.url(req.path),
      headers: { authorization: `Bearer ${key}` },
      ...(req.query ? { query: req.query } : {}),
      ...(req.json !== undefined ? { json: req.json } : {}),
      ...(req.idempotent !== undefined ? { idempotent: req.idempotent } : {}),
      ...(req.schema ? { schema: req.schema } : {}),
      ...(req.parseBytes ? { parseBytes: req.parseBytes } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
  }
}

/**
 * A `GET /call` body split into its calls without parsing the whole (a page of calls in several languages would
 * otherwise become one large two-byte string), each call parsed and checked with `VapiCallSchema` on its own bytes.
 */
function parseCallPage(body: Buffer): RawVapiCall[] {
  return splitJsonArray(body).map((json, index) => {
    const value: unknown = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
    const checked = VapiCallSchema.safeParse(value);
    if (!checked.success) {
      const issues = checked.error.issues
        .slice(0, 3)
        .map((issue) => `${[index, ...issue.path].map(String).join('.')}: ${issue.message}`)
        .join('; ');
      throw new Error(`shape: ${issues}`);
    }
    return { call: checked.data, json };
  });
}

function listQuery(query: VapiListQuery): Record<string, QueryValue> {
  const { limit, ...dates } = query;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > VAPI_MAX_LIMIT)) {
    throw new AppError({ code: 'invalid-input', message: `Vapi lists take a limit between 0 and ${VAPI_MAX_LIMIT}.` });
  }
  return { limit, ...dates };
}

/** One URL path segment: an id can never add a path or a query. */
export function seg(id: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new AppError({ code: 'invalid-input', message: 'An id is missing.' });
  }
  return encodeURIComponent(id);
}
