/**
 * The Vapi fake: the routes the app uses (`/assistant`, `/phone-number`, `/call`), several orgs per process (each
 * with a private key, a public key and an org-level server URL), request bodies checked against Vapi's OpenAPI
 * document with its whitelist rule, Vapi's error bodies, list semantics (bare arrays, newest first, `limit` ≤ 1000,
 * the eight createdAt/updatedAt filters), the Twilio import, and a control API that places calls and delivers their
 * server messages to the webhook URL Vapi would pick.
 */
import { type FakeClock, createFakeClock } from '../lib/clock';
import { type FaultController, createFaultController } from '../lib/faults';
import { BufferPool, type PooledBytes } from '../lib/buffer-pool';
import { JsonWriter } from '../lib/json-writer';
import { Rng } from '../lib/rng';
import {
  type FakeRequest,
  type FakeResponse,
  type RequestLogEntry,
  Router,
  bearerOf,
  parseJson,
  startFakeServer,
  tryParseJson,
} from '../lib/server';
import type { TwilioDirectory } from '../twilio/server';
import type { GeneratedCalls } from '../worlds/generated-calls';
import { type Conversation, type Scenario, type Turn, generateConversation } from '../worlds/transcripts';
import {
  type JsonObject,
  type ResolvedUrls,
  type ServerConfig,
  type World,
  resolvePlaceholders,
} from '../worlds/types';
import { buildVapiCall, recordingWav, timeConversation } from './call-builder';
import { checkQuery, checkRequestBody } from './openapi';
import {
  type DeliveryAttempt,
  type DeliveryTarget,
  type SkippedDelivery,
  acceptsType,
  deliverMessage,
  effectiveServer,
  endOfCallReportMessage,
  isLoopbackUrl,
  statusUpdateMessage,
} from './webhooks';

export const INVALID_KEY_MESSAGE =
  'Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.';

export interface VapiFakeOptions {
  port?: number;
  clock?: FakeClock;
  /** Seed of generated ids and fault draws. */
  seed?: number;
  /** Accept `http://` webhook URLs on 127.0.0.1 / localhost (so the backend fake can receive them). Default true. */
  allowHttpLoopbackWebhooks?: boolean;
  /** The Twilio fake's accounts, for imports. Without it every import fails with "Number Not Found on Twilio". */
  twilio?: TwilioDirectory;
  /** Multiplies webhook timeouts and backoff delays (tests use small values). Default 1. */
  deliveryTimeScale?: number;
  /** Adds routes under /__control (startFakes adds `POST /reset`). */
  extraControl?: (router: Router) => void;
}

export interface VapiOrgInfo {
  id: string;
  name: string;
  privateKey: string;
  publicKey: string;
  server: ServerConfig | null;
}

export interface PlaceCallSpec {
  /** Default: the assistant's org, else the phone number's, else the first org. */
  orgId?: string;
  assistantId?: string;
  phoneNumberId?: string;
  customer?: { number: string; name?: string };
  language?: 'fr' | 'en';
  scenario?: Scenario;
  /** Replaces the generated dialogue (roles bot/user). */
  turns?: Turn[];
  summary?: string;
  endedReason?: string;
  /** Seed of the generated conversation (default: the next draw of the fake's generator). */
  seed?: number;
  /** Wait for every delivery (and retry) before answering. Default true. */
  waitForDeliveries?: boolean;
}

export interface PlacedCall {
  call: JsonObject;
  target: { source: DeliveryTarget['source']; url: string } | null;
  deliveries: DeliveryAttempt[];
  skipped: SkippedDelivery[];
  /** Resolves when every delivery is done (already resolved when waitForDeliveries is true). */
  done: Promise<DeliveryAttempt[]>;
}

export interface CallInfo {
  id: string;
  orgId: string;
  createdAt: number;
  startedAt: number | null;
  status: string;
  assistantId: string | null;
}

export interface VapiControl {
  /** Adds the world's orgs, assistants, phone numbers and generated calls. */
  loadWorld(world: World, urls: ResolvedUrls): void;
  addOrg(input?: Partial<VapiOrgInfo>): VapiOrgInfo;
  orgs(): VapiOrgInfo[];
  /** The org-level server URL setting (null clears it). */
  setOrgServer(orgId: string, server: ServerConfig | null): void;
  /** Makes a call happen now: stores it and delivers its server messages. */
  placeCall(spec?: PlaceCallSpec): Promise<PlacedCall>;
  deliveries(filter?: { callId?: string; type?: string }): DeliveryAttempt[];
  skippedDeliveries(filter?: { callId?: string }): SkippedDelivery[];
  clearDeliveries(): void;
  /** Pinned assistants answer 409 to DELETE. */
  pinAssistant(assistantId: string, pinned?: boolean): void;
  /** Raw stored objects (what GET returns). */
  assistants(orgId?: string): JsonObject[];
  assistant(id: string): JsonObject | undefined;
  phoneNumbers(orgId?: string): JsonObject[];
  call(id: string): JsonObject | undefined;
  /** Light info on every call of an org created in [fromMs, toMs] (generated lazily, so windows keep it cheap). */
  callsInWindow(orgId: string, fromMs?: number, toMs?: number): CallInfo[];
  setOptions(options: { allowHttpLoopbackWebhooks?: boolean; deliveryTimeScale?: number }): void;
  /**
   * Forgets every org, call, delivery and option change (then `loadWorld`). Ids keep coming from the same generator,
   * as Vapi never hands out an id twice (a client that kept state across the reset sees new ids), unless
   * `restartIds`: the whole fakes' reset to the world's initial state uses it, so a reset world repeats its ids.
   */
  reset(options?: { restartIds?: boolean }): void;
}

export interface VapiFake {
  url: string;
  port: number;
  faults: FaultController;
  control: VapiControl;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  close(): Promise<void>;
}

interface StoredPhone {
  object: JsonObject;
  credentials: { twilioAuthToken?: string; twilioApiKey?: string; twilioApiSecret?: string };
}

interface Org extends VapiOrgInfo {
  assistants: Map<string, JsonObject>;
  phones: Map<string, StoredPhone>;
  generated: GeneratedCalls | null;
  /** Calls placed through the control API, oldest first. */
  placed: JsonObject[];
  placedById: Map<string, JsonObject>;
  pinned: Set<string>;
  lastCreatedAt: number;
  urls: ResolvedUrls;
}

/** createdAt ≤ updatedAt ≤ createdAt + this, for generated calls: lets updatedAt filters narrow the index range. */
const GeneratedCallsLag = 3 * 60 * 60 * 1000;

interface CallQuery {
  limit: number;
  created: { gt?: number; ge?: number; lt?: number; le?: number };
  updated: { gt?: number; ge?: number; lt?: number; le?: number };
  id: string | null;
  assistantId: string | null;
  phoneNumberId: string | null;
}

/** The same question asked with differently formatted parameters gets the same key. */
function callQueryKey(org: { id: string; placed: unknown[] }, q: CallQuery): string {
  const w = (x: CallQuery['created']): string => `${x.gt ?? ''},${x.ge ?? ''},${x.lt ?? ''},${x.le ?? ''}`;
  return `${org.id}|${org.placed.length}|${q.limit}|${w(q.created)}|${w(q.updated)}|${q.id ?? ''}|${q.assistantId ?? ''}|${q.phoneNumberId ?? ''}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIST_FILTERS = [
  'createdAtGt',
  'createdAtLt',
  'createdAtGe',
  'createdAtLe',
  'updatedAtGt',
  'updatedAtLt',
  'updatedAtGe',
  'updatedAtLe',
] as const;

function nestError(status: number, message: string | string[]): FakeResponse {
  const error: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    409: 'Conflict',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return { status, json: { message, error: error[status] ?? 'Error', statusCode: status } };
}

export async function startVapiFake(options: VapiFakeOptions = {}): Promise<VapiFake> {
  const clock = options.clock ?? createFakeClock();
  const seed = options.seed ?? 1;
  const faults = createFaultController(seed, 'vapi');
  /** Ids, keys and placed-call seeds; restarted by `reset({restartIds: true})`. */
  let ids = Rng.of(seed, 'vapi-ids');
  const orgs = new Map<string, Org>();
  const byPrivateKey = new Map<string, Org>();
  const publicKeys = new Set<string>();
  const attempts: DeliveryAttempt[] = [];
  const skipped: SkippedDelivery[] = [];
  const pending = new Set<Promise<unknown>>();
  let allowHttpLoopback = options.allowHttpLoopbackWebhooks ?? true;
  let timeScale = options.deliveryTimeScale ?? 1;
  let selfUrl = '';
  let closed = false;
  const closing = new AbortController();
  /** Serialized `GET /call` pages by semantic query (Buffers: off the JS heap), bounded by bytes. */
  interface CachedPage {
    /** The page's bytes, in a pooled buffer: the cache holds one reference, each response being sent another. */
    body: PooledBytes;
    /** createdAt of the last call when the page is full (the next cursor), else null. */
    next: number | null;
  }
  const pageCache = new Map<string, CachedPage>();
  let pageCacheBytes = 0;
  const PAGE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
  const prefetching = new Set<string>();
  /** Where `listCalls` writes a page (reused: pages are built one at a time, synchronously). */
  const pageWriter = new JsonWriter(1024 * 1024);
  /** Buffers of pages no longer cached nor being sent, reused for the next pages. */
  const pageBuffers = new BufferPool(32 * 1024 * 1024);
  const cachePage = (key: string, page: CachedPage): void => {
    if (pageCache.has(key)) {
      page.body.release();
      return;
    }
    pageCache.set(key, page);
    pageCacheBytes += page.body.bytes.length;
    while (pageCacheBytes > PAGE_CACHE_MAX_BYTES && pageCache.size > 1) {
      const oldest = pageCache.keys().next().value as string;
      const evicted = pageCache.get(oldest)!;
      pageCacheBytes -= evicted.body.bytes.length;
      pageCache.delete(oldest);
      evicted.body.release();
    }
  };
  const buildPage = (org: Org, query: CallQuery): CachedPage => {
    const built = listCalls(org, query);
    return { body: built.body, next: built.count === query.limit && query.limit > 0 ? built.lastCreatedAt : null };
  };

  const iso = (ms: number): string => new Date(ms).toISOString();
  const newCreatedAt = (org: Org): number => {
    const now = clock.now();
    const t = Math.max(now, org.lastCreatedAt + 1);
    org.lastCreatedAt = t;
    return t;
  };

  const addOrg = (input: Partial<VapiOrgInfo> = {}, urls?: ResolvedUrls): Org => {
    const org: Org = {
      id: input.id ?? ids.uuid(),
      name: input.name ?? 'Org',
      privateKey: input.privateKey ?? ids.uuid(),
      publicKey: input.publicKey ?? ids.uuid(),
      server: input.server ?? null,
      assistants: new Map(),
      phones: new Map(),
      generated: null,
      placed: [],
      placedById: new Map(),
      pinned: new Set(),
      lastCreatedAt: 0,
      urls: urls ?? { vapi: selfUrl, backend: '' },
    };
    orgs.set(org.id, org);
    byPrivateKey.set(org.privateKey, org);
    publicKeys.add(org.publicKey);
    return org;
  };

  const orgInfo = (o: Org): VapiOrgInfo => ({
    id: o.id,
    name: o.name,
    privateKey: o.privateKey,
    publicKey: o.publicKey,
    server: o.server,
  });

  const authOrg = (req: FakeRequest): Org | null => {
    const token = bearerOf(req);
    return token ? (byPrivateKey.get(token) ?? null) : null;
  };

  const unauthorized = (): FakeResponse => nestError(401, INVALID_KEY_MESSAGE);

  const phoneJson = (p: StoredPhone): JsonObject => p.object;

  /** `server.url` must be public HTTPS; the switch lets loopback http through for the backend fake. */
  const checkServerUrl = (server: unknown, field: string): string | null => {
    if (!server || typeof server !== 'object') return null;
    const url = (server as { url?: unknown }).url;
    if (url === undefined) return null;
    const message = `${field}.url must be a valid URL. Hot tip, the protocol should be https://, but you probably forgot it.`;
    if (typeof url !== 'string') return message;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return message;
    }
    const loopback = isLoopbackUrl(parsed);
    if (loopback && allowHttpLoopback && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) return null;
    if (parsed.protocol !== 'https:' || loopback || !parsed.hostname.includes('.')) return message;
    return null;
  };

  const parseBody = (req: FakeRequest): { ok: true; value: unknown } | { ok: false; response: FakeResponse } => {
    const parsed = tryParseJson(req);
    if (!parsed.ok) {
      return parsed.error === 'empty body'
        ? { ok: true, value: {} }
        : { ok: false, response: nestError(400, parsed.error) };
    }
    return { ok: true, value: parsed.value };
  };

  const validate = (
    method: string,
    template: string,
    req: FakeRequest,
  ): { ok: true; body: JsonObject; cleared: string[] } | { ok: false; response: FakeResponse } => {
    const parsed = parseBody(req);
    if (!parsed.ok) return parsed;
    const check = checkRequestBody(method, template, parsed.value);
    const messages = [...check.messages];
    if (messages.length === 0) {
      const bad = checkServerUrl(check.body.server, 'server');
      if (bad) messages.push(bad);
    }
    if (messages.length > 0) return { ok: false, response: nestError(400, messages) };
    return { ok: true, body: check.body, cleared: check.cleared };
  };

  /** Top-level merge; nested objects and arrays are replaced whole; null removes the field. */
  const applyPatch = (target: JsonObject, patch: JsonObject): void => {
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === undefined) delete target[key];
      else target[key] = value;
    }
  };

  // ---- list helpers -------------------------------------------------------------------------------------------

  type Window = { gt?: number; ge?: number; lt?: number; le?: number };
  /** Query parameters as the document declares them for the operation (names, number bounds, date-times). */
  const parseListQuery = (
    req: FakeRequest,
    pathTemplate: '/assistant' | '/phone-number' | '/call',
  ): { ok: true; limit: number; created: Window; updated: Window } | { ok: false; response: FakeResponse } => {
    const messages = checkQuery('GET', pathTemplate, req.query);
    if (messages.length) return { ok: false, response: nestError(400, messages) };
    const rawLimit = req.query.get('limit');
    const limit = rawLimit === null ? 100 : Math.floor(Number(rawLimit));
    const created: Window = {};
    const updated: Window = {};
    for (const f of LIST_FILTERS) {
      const raw = req.query.get(f);
      if (raw === null) continue;
      const bucket = f.startsWith('created') ? created : updated;
      bucket[f.slice(-2).toLowerCase() as keyof Window] = Date.parse(raw);
    }
    return { ok: true, limit, created, updated };
  };

  const inWindow = (t: number, w: Window): boolean =>
    (w.gt === undefined || t > w.gt) &&
    (w.ge === undefined || t >= w.ge) &&
    (w.lt === undefined || t < w.lt) &&
    (w.le === undefined || t <= w.le);

  const listObjects = (objects: JsonObject[], limit: number, created: Window, updated: Window): JsonObject[] =>
    objects
      .filter(
        (o) => inWindow(Date.parse(String(o.createdAt)), created) && inWindow(Date.parse(String(o.updatedAt)), updated),
      )
      .sort(
        (a, b) =>
          Date.parse(String(b.createdAt)) - Date.parse(String(a.createdAt)) || String(b.id).localeCompare(String(a.id)),
      )
      .slice(0, limit);

  const findCall = (org: Org, id: string): JsonObject | undefined => {
    const placed = org.placedById.get(id);
    if (placed) return placed;
    const i = org.generated?.indexOfId(id);
    return i !== undefined && org.generated ? org.generated.build(i, org.urls) : undefined;
  };

  // ---- routes -------------------------------------------------------------------------------------------------

  const api = new Router();
  const withOrg =
    (handler: (org: Org, req: FakeRequest) => FakeResponse | Promise<FakeResponse>) =>
    (req: FakeRequest): FakeResponse | Promise<FakeResponse> => {
      const org = authOrg(req);
      if (!org) return unauthorized();
      return handler(org, req);
    };
  const withId =
    (handler: (org: Org, id: string, req: FakeRequest) => FakeResponse | Promise<FakeResponse>) =>
    (req: FakeRequest): FakeResponse | Promise<FakeResponse> => {
      const org = authOrg(req);
      if (!org) return unauthorized();
      const id = req.params.id!;
      if (!UUID.test(id)) return nestError(400, 'Validation failed (uuid is expected)');
      return handler(org, id, req);
    };

  api.add(
    'GET',
    '/assistant',
    withOrg((org, req) => {
      const q = parseListQuery(req, '/assistant');
      if (!q.ok) return q.response;
      return { status: 200, json: listObjects([...org.assistants.values()], q.limit, q.created, q.updated) };
    }),
  );

  api.add(
    'POST',
    '/assistant',
    withOrg((org, req) => {
      const v = validate('POST', '/assistant', req);
      if (!v.ok) return v.response;
      const now = newCreatedAt(org);
      const assistant: JsonObject = {
        id: ids.uuid(),
        orgId: org.id,
        ...v.body,
        isServerUrlSecretSet: false,
        createdAt: iso(now),
        updatedAt: iso(now),
      };
      org.assistants.set(String(assistant.id), assistant);
      return { status: 201, json: assistant };
    }),
  );

  api.add(
    'GET',
    '/assistant/:id',
    withId((org, id) => {
      const a = org.assistants.get(id);
      return a ? { status: 200, json: a } : nestError(404, 'Assistant not found');
    }),
  );

  api.add(
    'PATCH',
    '/assistant/:id',
    withId((org, id, req) => {
      const a = org.assistants.get(id);
      if (!a) return nestError(404, 'Assistant not found');
      const v = validate('PATCH', '/assistant/{id}', req);
      if (!v.ok) return v.response;
      applyPatch(a, v.body);
      for (const k of v.cleared) delete a[k];
      a.updatedAt = iso(Math.max(clock.now(), Date.parse(String(a.updatedAt)) + 1));
      return { status: 200, json: a };
    }),
  );

  api.add(
    'DELETE',
    '/assistant/:id',
    withId((org, id) => {
      const a = org.assistants.get(id);
      if (!a) return nestError(404, 'Assistant not found');
      if (org.pinned.has(id)) {
        return {
          status: 409,
          json: { error: 'assistant_pinned', message: 'This assistant is pinned by a version and cannot be deleted.' },
        };
      }
      org.assistants.delete(id);
      return { status: 200, json: a };
    }),
  );

  api.add(
    'GET',
    '/phone-number',
    withOrg((org, req) => {
      const q = parseListQuery(req, '/phone-number');
      if (!q.ok) return q.response;
      return {
        status: 200,
        json: listObjects([...org.phones.values()].map(phoneJson), q.limit, q.created, q.updated),
      };
    }),
  );

  api.add(
    'POST',
    '/phone-number',
    withOrg((org, req) => {
      const v = validate('POST', '/phone-number', req);
      if (!v.ok) return v.response;
      const body = v.body;
      if (body.provider !== 'twilio') {
        return nestError(400, `provider ${String(body.provider)} is not supported by this fake (only twilio imports)`);
      }
      const number = String(body.number);
      const accountSid = String(body.twilioAccountSid);
      const credentials: StoredPhone['credentials'] = {};
      if (typeof body.twilioAuthToken === 'string') credentials.twilioAuthToken = body.twilioAuthToken;
      if (typeof body.twilioApiKey === 'string') credentials.twilioApiKey = body.twilioApiKey;
      if (typeof body.twilioApiSecret === 'string') credentials.twilioApiSecret = body.twilioApiSecret;
      const found = options.twilio?.findNumber(
        accountSid,
        credentials.twilioAuthToken
          ? { authToken: credentials.twilioAuthToken }
          : { apiKey: credentials.twilioApiKey ?? '', apiSecret: credentials.twilioApiSecret ?? '' },
        number,
      );
      if (!found) return nestError(400, 'Number Not Found on Twilio.');
      for (const o of orgs.values()) {
        for (const p of o.phones.values()) {
          if (p.object.number === number) {
            return nestError(400, `Phone number ${number} already exists. Delete it before importing it again.`);
          }
        }
      }
      if (typeof body.assistantId === 'string' && !org.assistants.has(body.assistantId)) {
        return nestError(400, `Assistant ${body.assistantId} not found`);
      }
      const now = newCreatedAt(org);
      const object: JsonObject = { id: ids.uuid(), orgId: org.id };
      for (const [k, val] of Object.entries(body)) {
        if (k !== 'twilioAuthToken' && k !== 'twilioApiKey' && k !== 'twilioApiSecret') object[k] = val;
      }
      object.status = 'active';
      object.createdAt = iso(now);
      object.updatedAt = iso(now);
      org.phones.set(String(object.id), { object, credentials });
      options.twilio?.routeToVapi(accountSid, number, body.smsEnabled !== false);
      return { status: 201, json: object };
    }),
  );

  api.add(
    'GET',
    '/phone-number/:id',
    withId((org, id) => {
      const p = org.phones.get(id);
      return p ? { status: 200, json: phoneJson(p) } : nestError(404, 'Phone number not found');
    }),
  );

  api.add(
    'PATCH',
    '/phone-number/:id',
    withId((org, id, req) => {
      const p = org.phones.get(id);
      if (!p) return nestError(404, 'Phone number not found');
      const v = validate('PATCH', '/phone-number/{id}', req);
      if (!v.ok) return v.response;
      if (v.body.provider !== p.object.provider) {
        return nestError(400, `provider must be ${String(p.object.provider)} for this phone number`);
      }
      if (typeof v.body.assistantId === 'string' && !org.assistants.has(v.body.assistantId)) {
        return nestError(400, `Assistant ${v.body.assistantId} not found`);
      }
      const patch = { ...v.body };
      for (const k of ['twilioAuthToken', 'twilioApiKey', 'twilioApiSecret'] as const) {
        if (typeof patch[k] === 'string') p.credentials[k] = patch[k] as string;
        delete patch[k];
      }
      applyPatch(p.object, patch);
      for (const k of v.cleared) delete p.object[k];
      p.object.updatedAt = iso(Math.max(clock.now(), Date.parse(String(p.object.updatedAt)) + 1));
      return { status: 200, json: phoneJson(p) };
    }),
  );

  api.add(
    'DELETE',
    '/phone-number/:id',
    withId((org, id) => {
      const p = org.phones.get(id);
      if (!p) return nestError(404, 'Phone number not found');
      org.phones.delete(id);
      return { status: 200, json: phoneJson(p) };
    }),
  );

  api.add(
    'GET',
    '/call',
    withOrg((org, req) => {
      const q = parseListQuery(req, '/call');
      if (!q.ok) return q.response;
      const query: CallQuery = {
        limit: q.limit,
        created: q.created,
        updated: q.updated,
        id: req.query.get('id'),
        assistantId: req.query.get('assistantId'),
        phoneNumberId: req.query.get('phoneNumberId'),
      };
      const key = callQueryKey(org, query);
      // The response holds the page's buffer until sent, even if the cache lets go of it meanwhile.
      let page = pageCache.get(key);
      if (page) {
        page.body.retain();
      } else {
        page = buildPage(org, query);
        page.body.retain();
        cachePage(key, page);
      }
      if (page.next !== null && org.generated) prefetchNext(org, query, page.next);
      const body = page.body;
      return {
        status: 200,
        bytes: body.bytes,
        contentType: 'application/json; charset=utf-8',
        onSent: () => body.release(),
      };
    }),
  );

  /**
   * While the client digests a full page, build the page its cursor will ask for next, so a sync that pages through
   * 100,000 generated calls finds each page ready. The cursor follows the client's own habit: `createdAtLt` (the
   * oldest seen, exclusive), or `createdAtLe` (inclusive, for clients that never skip calls sharing a millisecond).
   */
  function prefetchNext(org: Org, query: CallQuery, lastCreatedAt: number): void {
    const inclusive = query.created.le !== undefined && query.created.lt === undefined;
    const created = inclusive
      ? { ...query.created, le: Math.min(query.created.le ?? Infinity, lastCreatedAt) }
      : { ...query.created, lt: Math.min(query.created.lt ?? Infinity, lastCreatedAt) };
    const next: CallQuery = { ...query, created };
    const key = callQueryKey(org, next);
    if (pageCache.has(key) || prefetching.has(key)) return;
    prefetching.add(key);
    setImmediate(() => {
      prefetching.delete(key);
      if (closed || pageCache.has(key)) return;
      cachePage(key, buildPage(org, next));
    });
  }

  api.add(
    'GET',
    '/call/:id',
    withId((org, id) => {
      const call = findCall(org, id);
      return call ? { status: 200, json: call } : nestError(404, 'Call not found');
    }),
  );

  api.add('GET', '/__recordings/:file', (req) => ({
    status: 200,
    bytes: recordingWav(req.params.file!),
    contentType: 'audio/wav',
  }));

  /** Newest-first page of the org's calls, generated ones built on the fly, serialized call by call. */
  function listCalls(org: Org, query: CallQuery): { body: PooledBytes; count: number; lastCreatedAt: number } {
    const { limit, created, updated } = query;
    const idFilter = query.id;
    const assistantFilter = query.assistantId;
    const phoneFilter = query.phoneNumberId;
    // The page is written as bytes into one reused buffer (see JsonWriter), then copied once into a pooled one.
    const w = pageWriter;
    w.reset();
    w.byte(0x5b);
    let count = 0;
    let lastCreatedAt = 0;
    const placedMatches = org.placed.filter(
      (c) =>
        (idFilter === null || c.id === idFilter) &&
        (assistantFilter === null || c.assistantId === assistantFilter) &&
        (phoneFilter === null || c.phoneNumberId === phoneFilter) &&
        inWindow(Date.parse(String(c.createdAt)), created) &&
        inWindow(Date.parse(String(c.updatedAt)), updated),
    );
    let p = placedMatches.length - 1;
    const gen = org.generated;
    let i = -1;
    let lo = 0;
    if (gen) {
      const lag = GeneratedCallsLag;
      const updatedFloor = Math.max(updated.gt ?? -Infinity, updated.ge ?? -Infinity) - lag;
      const range = gen.indexRange({
        ...created,
        ...(Number.isFinite(updatedFloor) ? { ge: Math.max(created.ge ?? -Infinity, updatedFloor) } : {}),
        ...(updated.lt !== undefined ? { lt: Math.min(created.lt ?? Infinity, updated.lt) } : {}),
        ...(updated.le !== undefined ? { le: Math.min(created.le ?? Infinity, updated.le) } : {}),
      });
      lo = range[0];
      i = range[1] - 1;
      if (idFilter !== null) {
        const idx = gen.indexOfId(idFilter);
        i = idx !== undefined && idx >= lo && idx <= i ? idx : -1;
        lo = idx ?? 0;
      }
    }
    const genMatches = (k: number): boolean => {
      if (!gen) return false;
      if (assistantFilter !== null || phoneFilter !== null) {
        const plan = gen.plan(k);
        if (assistantFilter !== null && plan.assistant?.id !== assistantFilter) return false;
        if (phoneFilter !== null && plan.phoneNumberId !== phoneFilter) return false;
      }
      if (
        updated.gt !== undefined ||
        updated.ge !== undefined ||
        updated.lt !== undefined ||
        updated.le !== undefined
      ) {
        if (!inWindow(gen.updatedAt(k), updated)) return false;
      }
      return true;
    };
    while (count < limit && (p >= 0 || (gen && i >= lo))) {
      // Skip generated calls that do not match, so the comparison below sees the next candidate.
      while (gen && i >= lo && !genMatches(i)) i--;
      const placedCall = p >= 0 ? placedMatches[p]! : null;
      const placedAt = placedCall ? Date.parse(String(placedCall.createdAt)) : -Infinity;
      const genAt = gen && i >= lo ? gen.createdAt(i) : -Infinity;
      if (placedCall === null && genAt === -Infinity) break;
      if (count > 0) w.byte(0x2c);
      if (placedAt >= genAt && placedCall) {
        w.raw(JSON.stringify(placedCall));
        lastCreatedAt = placedAt;
        p--;
      } else if (gen) {
        gen.writeJson(i, org.urls, w);
        lastCreatedAt = genAt;
        i--;
      }
      count++;
    }
    w.byte(0x5d);
    return { body: pageBuffers.copyOf(w.view()), count, lastCreatedAt };
  }

  // ---- placing calls ------------------------------------------------------------------------------------------

  const placeCall = async (spec: PlaceCallSpec = {}): Promise<PlacedCall> => {
    let org: Org | undefined;
    if (spec.orgId) org = orgs.get(spec.orgId);
    if (!org && spec.assistantId) org = [...orgs.values()].find((o) => o.assistants.has(spec.assistantId!));
    if (!org && spec.phoneNumberId) org = [...orgs.values()].find((o) => o.phones.has(spec.phoneNumberId!));
    org ??= orgs.values().next().value;
    if (!org) throw new Error('no org to place a call in');
    const assistant = spec.assistantId ? (org.assistants.get(spec.assistantId) ?? null) : null;
    if (spec.assistantId && !assistant) throw new Error(`assistant ${spec.assistantId} is not in org ${org.id}`);
    const phone = spec.phoneNumberId
      ? (org.phones.get(spec.phoneNumberId) ?? null)
      : ([...org.phones.values()].find((p) => p.object.assistantId === spec.assistantId) ?? null);
    if (spec.phoneNumberId && !phone) throw new Error(`phone number ${spec.phoneNumberId} is not in org ${org.id}`);

    const callSeed = spec.seed ?? ids.uint32();
    const now = clock.now();
    const convOptions: Parameters<typeof generateConversation>[1] = { at: now };
    if (spec.language) convOptions.language = spec.language;
    if (spec.scenario) convOptions.scenario = spec.scenario;
    let conversation: Conversation = generateConversation(Rng.of('placed-conversation', callSeed), convOptions);
    if (spec.turns) conversation = { ...conversation, turns: spec.turns, scenario: spec.scenario ?? 'book' };
    if (spec.summary) conversation = { ...conversation, summary: spec.summary };
    if (spec.endedReason) conversation = { ...conversation, endedReason: spec.endedReason };

    // The call has just ended: it started `duration` ago.
    const timing = timeConversation(conversation, 0, callSeed);
    const duration = (timing.endedAt ?? 0) + 3_000;
    org.lastCreatedAt = Math.max(
      org.lastCreatedAt,
      org.generated ? org.generated.createdAt(org.generated.count - 1) : 0,
    );
    const createdAt = Math.max(now - duration, org.lastCreatedAt + 1);
    org.lastCreatedAt = createdAt;
    const input: Parameters<typeof buildVapiCall>[0] = {
      id: ids.uuid(),
      orgId: org.id,
      createdAt,
      conversation,
      customer: spec.customer ?? { number: conversation.caller.phone },
      recordingBase: `${selfUrl}/__recordings`,
      seed: callSeed,
    };
    if (assistant) input.assistantId = String(assistant.id);
    if (phone) input.phoneNumberId = String(phone.object.id);
    const call = buildVapiCall(input);
    org.placed.push(call);
    org.placedById.set(String(call.id), call);

    const target = effectiveServer(assistant, phone?.object ?? null, org.server);
    const callSkipped: SkippedDelivery[] = [];
    const callAttempts: DeliveryAttempt[] = [];
    const context = { assistant, phoneNumber: phone?.object ?? null };
    const messages: JsonObject[] = [
      statusUpdateMessage({ ...call, status: 'in-progress' }, 'in-progress', {
        ...context,
        timestamp: Date.parse(String(call.startedAt ?? call.createdAt)),
      }),
      statusUpdateMessage(call, 'ended', { ...context, timestamp: Date.parse(String(call.endedAt ?? call.updatedAt)) }),
      endOfCallReportMessage(call, { ...context, timestamp: Date.parse(String(call.updatedAt)) }),
    ];
    const run = async (): Promise<DeliveryAttempt[]> => {
      for (const message of messages) {
        const type = String(message.type);
        if (!acceptsType(assistant, type)) {
          callSkipped.push({ callId: String(call.id), type, reason: 'not-in-serverMessages' });
          continue;
        }
        if (!target) {
          callSkipped.push({ callId: String(call.id), type, reason: 'no-server-url' });
          continue;
        }
        if (closed) break;
        const result = await deliverMessage(String(call.id), message, target.server, {
          timeScale,
          now: () => clock.now(),
          signal: closing.signal,
        });
        callAttempts.push(...result);
        attempts.push(...result);
      }
      skipped.push(...callSkipped);
      return callAttempts;
    };
    const done = run();
    pending.add(done);
    void done.finally(() => pending.delete(done));
    if (spec.waitForDeliveries !== false) await done;
    return {
      call,
      target: target ? { source: target.source, url: String(target.server.url) } : null,
      deliveries: callAttempts,
      skipped: callSkipped,
      done,
    };
  };

  // ---- control ------------------------------------------------------------------------------------------------

  const allAssistants = (orgId?: string): JsonObject[] =>
    [...orgs.values()].filter((o) => !orgId || o.id === orgId).flatMap((o) => [...o.assistants.values()]);

  const controlApi: VapiControl = {
    loadWorld(world, urls) {
      for (const w of world.orgs) {
        const org = addOrg(
          {
            id: w.id,
            name: w.name,
            privateKey: w.privateKey,
            publicKey: w.publicKey,
            server: resolvePlaceholders(w.server, urls),
          },
          urls,
        );
        for (const a of w.assistants) org.assistants.set(String(a.id), resolvePlaceholders(structuredClone(a), urls));
        for (const p of w.phoneNumbers) {
          org.phones.set(String(p.object.id), {
            object: resolvePlaceholders(structuredClone(p.object), urls),
            credentials: p.twilioAuthToken ? { twilioAuthToken: p.twilioAuthToken } : {},
          });
        }
        org.generated = w.calls;
        if (w.calls && w.calls.count > 0) org.lastCreatedAt = w.calls.createdAt(w.calls.count - 1);
      }
    },
    addOrg: (input) => orgInfo(addOrg(input)),
    orgs: () => [...orgs.values()].map(orgInfo),
    setOrgServer(orgId, server) {
      const org = orgs.get(orgId);
      if (!org) throw new Error(`no org ${orgId}`);
      org.server = server;
    },
    placeCall,
    deliveries: (filter = {}) =>
      attempts.filter(
        (a) => (!filter.callId || a.callId === filter.callId) && (!filter.type || a.type === filter.type),
      ),
    skippedDeliveries: (filter = {}) => skipped.filter((s) => !filter.callId || s.callId === filter.callId),
    clearDeliveries() {
      attempts.length = 0;
      skipped.length = 0;
    },
    pinAssistant(assistantId, pinned = true) {
      for (const o of orgs.values()) {
        if (o.assistants.has(assistantId)) {
          if (pinned) o.pinned.add(assistantId);
          else o.pinned.delete(assistantId);
          return;
        }
      }
      throw new Error(`no assistant ${assistantId}`);
    },
    assistants: allAssistants,
    assistant: (id) => allAssistants().find((a) => a.id === id),
    phoneNumbers: (orgId) =>
      [...orgs.values()].filter((o) => !orgId || o.id === orgId).flatMap((o) => [...o.phones.values()].map(phoneJson)),
    call(id) {
      for (const o of orgs.values()) {
        const c = findCall(o, id);
        if (c) return c;
      }
      return undefined;
    },
    callsInWindow(orgId, fromMs, toMs) {
      const org = orgs.get(orgId);
      if (!org) throw new Error(`no org ${orgId}`);
      const out: CallInfo[] = [];
      const gen = org.generated;
      if (gen) {
        const window: { ge?: number; le?: number } = {};
        if (fromMs !== undefined) window.ge = fromMs;
        if (toMs !== undefined) window.le = toMs;
        const [lo, hi] = gen.indexRange(window);
        for (let k = lo; k < hi; k++) {
          const plan = gen.plan(k);
          const timing = timeConversation(gen.conversation(k, plan), plan.createdAt, plan.seed);
          out.push({
            id: plan.id,
            orgId,
            createdAt: plan.createdAt,
            startedAt: timing.startedAt,
            status: plan.status,
            assistantId: plan.assistant?.id ?? null,
          });
        }
      }
      for (const c of org.placed) {
        const createdAt = Date.parse(String(c.createdAt));
        if ((fromMs !== undefined && createdAt < fromMs) || (toMs !== undefined && createdAt > toMs)) continue;
        out.push({
          id: String(c.id),
          orgId,
          createdAt,
          startedAt: typeof c.startedAt === 'string' ? Date.parse(c.startedAt) : null,
          status: String(c.status),
          assistantId: typeof c.assistantId === 'string' ? c.assistantId : null,
        });
      }
      return out;
    },
    setOptions(o) {
      if (o.allowHttpLoopbackWebhooks !== undefined) allowHttpLoopback = o.allowHttpLoopbackWebhooks;
      if (o.deliveryTimeScale !== undefined) timeScale = o.deliveryTimeScale;
    },
    reset(resetOptions) {
      orgs.clear();
      byPrivateKey.clear();
      publicKeys.clear();
      attempts.length = 0;
      skipped.length = 0;
      for (const page of pageCache.values()) page.body.release();
      pageCache.clear();
      pageCacheBytes = 0;
      allowHttpLoopback = options.allowHttpLoopbackWebhooks ?? true;
      timeScale = options.deliveryTimeScale ?? 1;
      if (resetOptions?.restartIds) ids = Rng.of(seed, 'vapi-ids');
    },
  };

  const control = new Router()
    .add('GET', '/orgs', () => ({ status: 200, json: controlApi.orgs() }))
    .add('POST', '/orgs', (req) => ({ status: 201, json: controlApi.addOrg(parseJson(req) as Partial<VapiOrgInfo>) }))
    .add('PUT', '/orgs/:id/server', (req) => {
      const body = parseJson(req) as { server?: ServerConfig | null };
      controlApi.setOrgServer(req.params.id!, body.server ?? null);
      return { status: 200, json: orgInfo(orgs.get(req.params.id!)!) };
    })
    .add('POST', '/calls', async (req) => {
      const placed = await controlApi.placeCall(parseJson(req) as PlaceCallSpec);
      return {
        status: 201,
        json: { call: placed.call, target: placed.target, deliveries: placed.deliveries, skipped: placed.skipped },
      };
    })
    .add('GET', '/deliveries', (req) => {
      const filter: { callId?: string; type?: string } = {};
      const callId = req.query.get('callId');
      const type = req.query.get('type');
      if (callId) filter.callId = callId;
      if (type) filter.type = type;
      return {
        status: 200,
        json: { attempts: controlApi.deliveries(filter), skipped: controlApi.skippedDeliveries(filter) },
      };
    })
    .add('DELETE', '/deliveries', () => {
      controlApi.clearDeliveries();
      return { status: 204 };
    })
    .add('POST', '/assistants/:id/pin', (req) => {
      const body = parseJson(req) as { pinned?: boolean };
      controlApi.pinAssistant(req.params.id!, body.pinned ?? true);
      return { status: 204 };
    })
    .add('GET', '/assistants', (req) => ({
      status: 200,
      json: controlApi.assistants(req.query.get('orgId') ?? undefined),
    }))
    .add('GET', '/options', () => ({
      status: 200,
      json: { allowHttpLoopbackWebhooks: allowHttpLoopback, deliveryTimeScale: timeScale },
    }))
    .add('PATCH', '/options', (req) => {
      controlApi.setOptions(parseJson(req) as { allowHttpLoopbackWebhooks?: boolean; deliveryTimeScale?: number });
      return { status: 200, json: { allowHttpLoopbackWebhooks: allowHttpLoopback, deliveryTimeScale: timeScale } };
    });
  options.extraControl?.(control);

  const server = await startFakeServer({
    name: 'vapi',
    ...(options.port !== undefined ? { port: options.port } : {}),
    api,
    control,
    faults,
    clock,
    errors: (status, reason, req) => {
      if (reason === 'not-found' || reason === 'method-not-allowed') {
        return nestError(404, `Cannot ${req.method} ${req.path}`);
      }
      const messages: Record<number, string> = { 429: 'Rate limit exceeded', 500: 'Internal server error' };
      const fallback = (nestError(status, '').json as { error: string }).error;
      return nestError(status, messages[status] ?? fallback);
    },
  });
  selfUrl = server.url;
  for (const org of orgs.values()) if (!org.urls.vapi) org.urls.vapi = selfUrl;

  return {
    url: server.url,
    port: server.port,
    faults,
    control: controlApi,
    requests: server.requests,
    clearRequests: server.clearRequests,
    close: async () => {
      closed = true;
      closing.abort();
      await server.close();
      await Promise.allSettled([...pending]);
    },
  };
}
