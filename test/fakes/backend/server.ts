/**
 * The AVA backend fake (FastAPI service), per contracts/ava-backend.md, defects included: health routes; login /
 * refresh / signup / me with signed tokens that expire on the fake clock (refresh never rotated); calls per tenant
 * (newest ≤ 200 by startedAt, nulls first like PostgreSQL, no pagination, `total` = rows returned, status filter
 * after the limit), the 24 h transcript scrub on read, detail, recording, delete; the deployed webhook receiver
 * (Vapi's `message` envelope ignored with 200, top-level `call.ended` saved, first-user fallback) and a switch for a
 * fixed one; analytics/overview importing Vapi's newest 100 calls behind a circuit breaker; `{"detail": ...}` errors,
 * `X-Request-ID` on every response, the 20 s request timeout (504), and the development-mode "no bearer = first user".
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { DAY, type FakeClock, createFakeClock } from '../lib/clock';
import { type FaultController, createFaultController } from '../lib/faults';
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
import {
  type BackendCallRow,
  type JsonObject,
  type ResolvedUrls,
  type World,
  type WorldBackendUser,
  resolvePlaceholders,
} from '../worlds/types';
import { parseStamp, rowFromCallEnded, rowFromEndOfCallReport, rowFromVapiCall, pythonIso } from './rows';
import { ACCESS_TTL_SECONDS, REFRESH_TTL_SECONDS, REMEMBER_TTL_SECONDS, issue, verifyToken } from './tokens';

const V1 = '/api/v1';

export interface BackendSwitches {
  /** Also save Vapi's `{"message": {"type": "end-of-call-report"}}`, attributed by `assistant.metadata.user_id`. */
  fixedWebhookReceiver: boolean;
  /** Development mode: a data request without a bearer is served as the first user. */
  devModeNoBearerIsFirstUser: boolean;
  /** Production mode: webhooks need `X-Vapi-Signature` = hex HMAC-SHA256 of the body (Vapi never sends it). */
  webhookSignatureRequired: boolean;
  webhookSecret: string;
  /** Each request is cut after this long with 504 `{"detail":"Request timeout"}`. Default 20,000. */
  requestTimeoutMs: number;
  /** analytics/overview: after `threshold` consecutive Vapi failures, answer 503 for `openMs` (fake clock). */
  circuitBreaker: { threshold: number; openMs: number };
  /** The first request after start (or `simulateColdStart()`) waits this long (Render cold start). Default 0. */
  coldStartMs: number;
}

export const DEFAULT_SWITCHES: BackendSwitches = {
  fixedWebhookReceiver: false,
  devModeNoBearerIsFirstUser: false,
  webhookSignatureRequired: false,
  webhookSecret: 'ava-backend-webhook-secret',
  requestTimeoutMs: 20_000,
  circuitBreaker: { threshold: 3, openMs: 30_000 },
  coldStartMs: 0,
};

export interface BackendFakeOptions {
  port?: number;
  clock?: FakeClock;
  seed?: number;
  /** Where analytics/overview fetches Vapi's calls (the Vapi fake's URL). */
  vapiUrl?: string;
  switches?: Partial<BackendSwitches>;
  /** HMAC key of the tokens (default: random per start). */
  jwtSecret?: string;
  /** Adds routes under /__control (startFakes adds the truth and credentials routes here). */
  extraControl?: (router: Router) => void;
}

export interface WebhookLogEntry {
  at: number;
  /** The top-level `type`, or `message:<type>` for Vapi's envelope, or `(none)`. */
  type: string;
  outcome: 'saved' | 'ignored' | 'unattributed' | 'rejected';
  callId?: string;
  userId?: string;
  attribution?: 'metadata' | 'first-user-fallback';
  detail?: string;
}

export interface BackendUser {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  locale: string;
  passwordHash: string;
  createdAt: number;
  vapiApiKey: string | null;
  image: string | null;
  onboardingStep: number;
  phoneVerified: boolean;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  user: Record<string, unknown>;
}

export interface BackendControl {
  loadWorld(world: World, urls: ResolvedUrls): void;
  switches(): BackendSwitches;
  setSwitches(patch: Partial<BackendSwitches>): BackendSwitches;
  users(): Omit<BackendUser, 'passwordHash'>[];
  addUser(input: {
    email: string;
    password: string;
    name?: string;
    phone?: string | null;
    locale?: string;
    id?: string;
  }): string;
  deleteUser(id: string): void;
  /** Raw stored rows (the current state: scrubbed transcripts are null here too), newest first. */
  calls(userId?: string): BackendCallRow[];
  insertCall(row: BackendCallRow): void;
  webhookLog(): WebhookLogEntry[];
  clearWebhookLog(): void;
  /** Tokens as login would issue them (tests). */
  issueTokens(userId: string, remember?: boolean): TokenResponse;
  circuit(): { state: 'closed' | 'open' | 'half-open'; failures: number; openUntil: number | null };
  resetCircuit(): void;
  /** The next request waits `coldStartMs` again. */
  simulateColdStart(): void;
  setVapiUrl(url: string): void;
  /** Forgets every user, call, webhook and switch change (then `loadWorld` to start over). */
  reset(): void;
}

export interface BackendFake {
  url: string;
  port: number;
  faults: FaultController;
  control: BackendControl;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'validation error');
  }
}

const detail = (status: number, value: unknown, headers?: Record<string, string>): FakeResponse => ({
  status,
  json: { detail: value },
  ...(headers ? { headers } : {}),
});

function hashPassword(password: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${password}`).digest('hex');
}

function validationError(
  loc: (string | number)[],
  type: string,
  msg: string,
  input: unknown,
  ctx?: JsonObject,
): JsonObject {
  return { type, loc, msg, input: input === undefined ? null : input, ...(ctx ? { ctx } : {}) };
}

export async function startBackendFake(options: BackendFakeOptions = {}): Promise<BackendFake> {
  const clock = options.clock ?? createFakeClock();
  const faults = createFaultController(options.seed ?? 1, 'backend');
  const secret = options.jwtSecret ?? randomUUID();
  let switches: BackendSwitches = { ...DEFAULT_SWITCHES, ...options.switches };
  let vapiUrl = options.vapiUrl ?? '';
  const users: BackendUser[] = [];
  const rows = new Map<string, BackendCallRow>();
  let webhookLog: WebhookLogEntry[] = [];
  let coldStartPending = switches.coldStartMs > 0;
  const breaker = { failures: 0, openUntil: null as number | null };
  const timers = new Set<NodeJS.Timeout>();
  let insertCounter = 0;
  const closing = new AbortController();

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const userJson = (u: BackendUser): Record<string, unknown> => ({
    id: u.id,
    email: u.email,
    name: u.name,
    phone: u.phone,
    locale: u.locale,
    image: u.image,
    onboarding_completed: u.onboardingStep >= 4,
    onboarding_step: u.onboardingStep,
    phone_verified: u.phoneVerified,
  });

  const tokensFor = (u: BackendUser, remember: boolean, refreshToken?: string): TokenResponse => {
    const now = clock.now();
    const ttl = remember ? REMEMBER_TTL_SECONDS : ACCESS_TTL_SECONDS;
    return {
      access_token: issue(u.id, 'access', ttl, now, secret, remember),
      refresh_token: refreshToken ?? issue(u.id, 'refresh', REFRESH_TTL_SECONDS, now, secret, remember),
      token_type: 'bearer',
      expires_in: ttl,
      user: userJson(u),
    };
  };

  const addUser = (input: {
    email: string;
    password: string;
    name?: string;
    phone?: string | null;
    locale?: string;
    id?: string;
    createdAt?: number;
    vapiApiKey?: string | null;
  }): BackendUser => {
    const salt = randomUUID();
    const user: BackendUser = {
      id: input.id ?? randomUUID(),
      email: input.email,
      name: input.name ?? input.email.split('@')[0]!,
      phone: input.phone ?? null,
      locale: input.locale ?? 'fr',
      passwordHash: `${salt}$${hashPassword(input.password, salt)}`,
      createdAt: input.createdAt ?? clock.now(),
      vapiApiKey: input.vapiApiKey ?? null,
      image: null,
      onboardingStep: 4,
      phoneVerified: input.phone ? true : false,
    };
    users.push(user);
    users.sort((a, b) => a.createdAt - b.createdAt);
    return user;
  };

  const checkPassword = (u: BackendUser, password: string): boolean => {
    const [salt, hash] = u.passwordHash.split('$') as [string, string];
    const given = Buffer.from(hashPassword(password, salt));
    const expected = Buffer.from(hash);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const firstUser = (): BackendUser | undefined => users[0];
  const userById = (id: string): BackendUser | undefined => users.find((u) => u.id === id);

  /** FastAPI's dependency: bearer → user; no bearer → 403 (or the first user in development mode). */
  const currentUser = (req: FakeRequest): BackendUser => {
    const token = bearerOf(req);
    if (!token) {
      if (switches.devModeNoBearerIsFirstUser) {
        const u = firstUser();
        if (u) return u;
      }
      throw new HttpError(403, 'Not authenticated');
    }
    const verified = verifyToken(token, secret, clock.now());
    if (!verified.ok || verified.claims.type !== 'access') {
      throw new HttpError(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer' });
    }
    const u = userById(verified.claims.sub);
    if (!u) throw new HttpError(404, 'User not found');
    return u;
  };

  const jsonBody = (req: FakeRequest): JsonObject => {
    const parsed = tryParseJson(req);
    if (!parsed.ok) {
      if (parsed.error === 'empty body') {
        throw new HttpError(422, [validationError(['body'], 'missing', 'Field required', null)]);
      }
      throw new HttpError(422, [
        validationError(['body', 0], 'json_invalid', 'JSON decode error', {}, { error: 'Expecting value' }),
      ]);
    }
    if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      throw new HttpError(422, [
        validationError(
          ['body'],
          'model_attributes_type',
          'Input should be a valid dictionary or object to extract fields from',
          parsed.value,
        ),
      ]);
    }
    return parsed.value as JsonObject;
  };

  const requireFields = (body: JsonObject, fields: [string, 'string' | 'boolean'][]): void => {
    const errors: JsonObject[] = [];
    for (const [name, type] of fields) {
      const v = body[name];
      if (v === undefined) errors.push(validationError(['body', name], 'missing', 'Field required', body));
      else if (type === 'string' && typeof v !== 'string') {
        errors.push(validationError(['body', name], 'string_type', 'Input should be a valid string', v));
      } else if (type === 'boolean' && typeof v !== 'boolean') {
        errors.push(validationError(['body', name], 'bool_parsing', 'Input should be a valid boolean', v));
      }
    }
    if (errors.length) throw new HttpError(422, errors);
  };

  // ---- calls --------------------------------------------------------------------------------------------------

  /** The read-time scrub: transcripts of calls started ≥ 24 h ago become null, for good. */
  const scrub = (userId: string): void => {
    const limit = clock.now() - DAY;
    for (const row of rows.values()) {
      if (row.userId !== userId || row.transcript === null) continue;
      const started = parseStamp(row.startedAt);
      if (started !== null && started <= limit) row.transcript = null;
    }
  };

  /** ORDER BY started_at DESC (PostgreSQL puts NULLs first), then insertion. */
  const tenantRows = (userId: string): BackendCallRow[] =>
    [...rows.values()]
      .filter((r) => r.userId === userId)
      .sort((a, b) => {
        const sa = parseStamp(a.startedAt);
        const sb = parseStamp(b.startedAt);
        if (sa === null && sb !== null) return -1;
        if (sb === null && sa !== null) return 1;
        if (sa !== null && sb !== null && sa !== sb) return sb - sa;
        return b.createdAt - a.createdAt;
      });

  const summaryJson = (r: BackendCallRow): JsonObject => ({
    id: r.id,
    assistantId: r.assistantId,
    customerNumber: r.customerNumber,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationSeconds: r.durationSeconds,
    cost: r.cost,
    transcriptPreview: r.transcript === null ? null : r.transcript.slice(0, 200),
  });

  const detailJson = (r: BackendCallRow): JsonObject => ({
    id: r.id,
    assistantId: r.assistantId,
    customerNumber: r.customerNumber,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationSeconds: r.durationSeconds,
    cost: r.cost,
    transcript: r.transcript,
    metadata: r.metadata,
    recordingUrl: r.recordingUrl,
  });

  const upsert = (row: BackendCallRow): void => {
    const existing = rows.get(row.id);
    if (existing) {
      rows.set(row.id, { ...row, userId: existing.userId, createdAt: existing.createdAt });
    } else {
      rows.set(row.id, row);
    }
  };

  const nextInsertTime = (): number => clock.now() + (insertCounter++ % 1000) / 1000;

  // ---- webhook attribution ------------------------------------------------------------------------------------

  const ownerFromMetadata = (call: JsonObject): string | null => {
    const sources = [(call.assistant as JsonObject | undefined)?.metadata, call.metadata, call.assistantMetadata] as (
      JsonObject | undefined
    )[];
    for (const m of sources) {
      if (!m || typeof m !== 'object') continue;
      const id = m.user_id ?? m.userId;
      if (typeof id === 'string' && id) return id;
    }
    return null;
  };

  const receiveWebhook = (req: FakeRequest): FakeResponse => {
    const log = (entry: Omit<WebhookLogEntry, 'at'>): void => {
      webhookLog.push({ at: clock.now(), ...entry });
      if (webhookLog.length > 10_000) webhookLog = webhookLog.slice(-10_000);
    };
    if (switches.webhookSignatureRequired) {
      const given = req.headers['x-vapi-signature'];
      const expected = createHmac('sha256', switches.webhookSecret).update(req.rawBody).digest('hex');
      if (typeof given !== 'string' || given !== expected) {
        log({ type: '(unverified)', outcome: 'rejected', detail: 'missing or invalid X-Vapi-Signature' });
        return detail(401, 'Invalid signature');
      }
    }
    const parsed = tryParseJson(req);
    if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object') {
      log({ type: '(invalid json)', outcome: 'rejected' });
      return detail(400, 'Invalid JSON payload');
    }
    const body = parsed.value as JsonObject;
    const ok: FakeResponse = { status: 200, json: { status: 'ok' } };
    const message = body.message as JsonObject | undefined;
    if (typeof body.type !== 'string') {
      const msgType = message && typeof message.type === 'string' ? message.type : null;
      if (switches.fixedWebhookReceiver && msgType === 'end-of-call-report' && message) {
        const assistant = (message.assistant ?? {}) as JsonObject;
        const meta = (assistant.metadata ?? {}) as JsonObject;
        const owner =
          typeof meta.user_id === 'string' ? meta.user_id : typeof meta.userId === 'string' ? meta.userId : null;
        const callId = String(((message.call ?? {}) as JsonObject).id ?? '');
        const user = owner ? userById(owner) : undefined;
        if (!user || !callId) {
          log({
            type: `message:${msgType}`,
            outcome: 'unattributed',
            callId,
            detail: 'no assistant.metadata.user_id of a known user',
          });
          return ok;
        }
        upsert(rowFromEndOfCallReport(message, user.id, nextInsertTime()));
        log({ type: `message:${msgType}`, outcome: 'saved', callId, userId: user.id, attribution: 'metadata' });
        return ok;
      }
      log({ type: msgType ? `message:${msgType}` : '(none)', outcome: 'ignored', detail: 'no top-level type' });
      return ok;
    }
    const call = (body.call ?? {}) as JsonObject;
    const callId = typeof call.id === 'string' ? call.id : undefined;
    const attribute = (): { user: BackendUser | undefined; how: WebhookLogEntry['attribution'] } => {
      const owner = ownerFromMetadata(call);
      const user = owner ? userById(owner) : undefined;
      return user ? { user, how: 'metadata' } : { user: firstUser(), how: 'first-user-fallback' };
    };
    switch (body.type) {
      case 'call.ended': {
        const { user, how } = attribute();
        if (!user || !callId) {
          log({ type: body.type, outcome: 'ignored', detail: 'no user in the database or no call id' });
          return ok;
        }
        upsert(rowFromCallEnded(body, user.id, nextInsertTime()));
        log({ type: body.type, outcome: 'saved', callId, userId: user.id, attribution: how });
        return ok;
      }
      case 'call.started': {
        const { user, how } = attribute();
        if (!user || !callId) return ok;
        if (!rows.has(callId)) {
          const customer = (call.customer ?? {}) as JsonObject;
          const started = typeof call.startedAt === 'string' ? parseStamp(call.startedAt) : null;
          upsert({
            id: callId,
            userId: user.id,
            assistantId: typeof call.assistantId === 'string' ? call.assistantId : 'unknown',
            customerNumber: typeof customer.number === 'string' ? customer.number : 'Unknown',
            status: 'in-progress',
            startedAt: started === null ? null : pythonIso(started),
            endedAt: null,
            durationSeconds: null,
            cost: null,
            transcript: null,
            recordingUrl: null,
            metadata: { source: 'webhook', event: body.type, vapi: call },
            createdAt: nextInsertTime(),
          });
        }
        log({ type: body.type, outcome: 'saved', callId, userId: user.id, attribution: how });
        return ok;
      }
      case 'transcript.update': {
        const row = callId ? rows.get(callId) : undefined;
        if (row && typeof body.transcript === 'string') row.transcript = body.transcript;
        log({ type: body.type, outcome: row ? 'saved' : 'ignored', ...(callId ? { callId } : {}) });
        return ok;
      }
      case 'function-call':
        log({ type: body.type, outcome: 'ignored' });
        return { status: 200, json: { result: null } };
      default:
        log({ type: body.type, outcome: 'ignored', detail: 'unhandled type' });
        return ok;
    }
  };

  // ---- analytics import (calls Vapi) --------------------------------------------------------------------------

  const fetchVapiCalls = (key: string): Promise<{ status: number; body: string } | { error: string }> =>
    new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL('/call?limit=100', vapiUrl);
      } catch {
        resolve({ error: 'Vapi URL not configured' });
        return;
      }
      const req = httpRequest(
        target,
        {
          method: 'GET',
          headers: { authorization: `Bearer ${key}` },
          agent: false,
          timeout: 15_000,
          signal: closing.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => resolve({ error: e.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve({ error: e.message }));
      req.end();
    });

  const circuitState = (): 'closed' | 'open' | 'half-open' => {
    if (breaker.openUntil === null) return 'closed';
    return clock.now() < breaker.openUntil ? 'open' : 'half-open';
  };

  const recordFailure = (): void => {
    breaker.failures++;
    if (breaker.failures >= switches.circuitBreaker.threshold) {
      breaker.openUntil = clock.now() + switches.circuitBreaker.openMs;
    }
  };

  const analyticsOverview = async (req: FakeRequest): Promise<FakeResponse> => {
    const user = currentUser(req);
    if (!user.vapiApiKey) return detail(400, 'Clé API Vapi non configurée. Ajoutez-la dans les paramètres.');
    if (circuitState() === 'open') return detail(503, 'Service Vapi temporairement indisponible, réessayez plus tard.');
    const result = await fetchVapiCalls(user.vapiApiKey);
    if ('error' in result) {
      recordFailure();
      return detail(502, `Erreur de communication avec Vapi : ${result.error}`);
    }
    if (result.status === 401) return detail(400, 'Clé API Vapi invalide.');
    let calls: unknown;
    try {
      calls = JSON.parse(result.body);
    } catch {
      calls = null;
    }
    if (result.status < 200 || result.status >= 300 || !Array.isArray(calls)) {
      recordFailure();
      return detail(502, `Erreur Vapi (HTTP ${result.status})`);
    }
    breaker.failures = 0;
    breaker.openUntil = null;
    let imported = 0;
    for (const c of calls as JsonObject[]) {
      if (!c || typeof c.id !== 'string' || rows.has(c.id)) continue;
      rows.set(c.id, rowFromVapiCall(c, user.id, nextInsertTime()));
      imported++;
    }
    const mine = tenantRows(user.id);
    const durations = mine.map((r) => r.durationSeconds).filter((d): d is number => typeof d === 'number');
    const totalDuration = durations.reduce((a, b) => a + b, 0);
    const totalCost = mine.reduce((a, r) => a + (r.cost ?? 0), 0);
    return {
      status: 200,
      json: {
        total_calls: mine.length,
        completed_calls: mine.filter((r) => r.status === 'completed' || r.status === 'ended').length,
        total_duration_seconds: totalDuration,
        average_duration_seconds: durations.length ? Math.round(totalDuration / durations.length) : 0,
        total_cost: Math.round(totalCost * 10_000) / 10_000,
        imported_from_vapi: imported,
      },
    };
  };

  // ---- routes -------------------------------------------------------------------------------------------------

  const api = new Router();
  const guard =
    (handler: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>) =>
    async (req: FakeRequest): Promise<FakeResponse> => {
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof HttpError) return detail(err.status, err.detail, err.headers);
        throw err;
      }
    };

  api.add('GET', '/healthz', () => ({ status: 200, json: { status: 'healthy' } }));
  api.add('GET', '/', () => ({ status: 200, json: { status: 'healthy', service: 'ava-api' } }));
  api.add('GET', `${V1}/runtime/status`, () => ({ status: 200, json: { status: 'ok' } }));

  api.add(
    'POST',
    `${V1}/auth/login`,
    guard((req) => {
      const body = jsonBody(req);
      requireFields(body, [
        ['identifier', 'string'],
        ['password', 'string'],
      ]);
      if (body.remember !== undefined && typeof body.remember !== 'boolean') {
        throw new HttpError(422, [
          validationError(['body', 'remember'], 'bool_parsing', 'Input should be a valid boolean', body.remember),
        ]);
      }
      const identifier = String(body.identifier).trim();
      const user = identifier.includes('@')
        ? users.find((u) => u.email.toLowerCase() === identifier.toLowerCase())
        : users.find((u) => u.phone === identifier);
      if (!user || !checkPassword(user, String(body.password))) return detail(401, 'Invalid credentials');
      return { status: 200, json: tokensFor(user, body.remember === true) };
    }),
  );

  api.add(
    'POST',
    `${V1}/auth/refresh`,
    guard((req) => {
      const body = jsonBody(req);
      requireFields(body, [['refresh_token', 'string']]);
      const token = String(body.refresh_token);
      const verified = verifyToken(token, secret, clock.now());
      if (!verified.ok || verified.claims.type !== 'refresh') return detail(401, 'Invalid or expired refresh token');
      const user = userById(verified.claims.sub);
      if (!user) return detail(404, 'User not found');
      return { status: 200, json: tokensFor(user, verified.claims.remember === true, token) };
    }),
  );

  api.add(
    'POST',
    `${V1}/auth/signup`,
    guard((req) => {
      const body = jsonBody(req);
      requireFields(body, [
        ['email', 'string'],
        ['password', 'string'],
        ['name', 'string'],
        ['locale', 'string'],
      ]);
      const errors: JsonObject[] = [];
      const email = String(body.email);
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        errors.push(
          validationError(
            ['body', 'email'],
            'value_error',
            'value is not a valid email address: An email address must have an @-sign.',
            email,
            { reason: 'invalid' },
          ),
        );
      }
      const password = String(body.password);
      if (password.length < 8 || !/[A-Z]/.test(password) || !/\d/.test(password)) {
        errors.push(
          validationError(
            ['body', 'password'],
            'value_error',
            'Value error, Le mot de passe doit contenir au moins 8 caractères, une majuscule et un chiffre',
            password,
            { error: {} },
          ),
        );
      }
      const name = String(body.name);
      if (name.length < 2) {
        errors.push(
          validationError(['body', 'name'], 'string_too_short', 'String should have at least 2 characters', name, {
            min_length: 2,
          }),
        );
      } else if (name.length > 100) {
        errors.push(
          validationError(['body', 'name'], 'string_too_long', 'String should have at most 100 characters', name, {
            max_length: 100,
          }),
        );
      }
      if (body.phone !== undefined && body.phone !== null && !/^\+[1-9]\d{6,14}$/.test(String(body.phone))) {
        errors.push(
          validationError(
            ['body', 'phone'],
            'value_error',
            'Value error, Numéro de téléphone invalide (format E.164 attendu)',
            body.phone,
            { error: {} },
          ),
        );
      }
      if (!/^[a-z]{2}$/.test(String(body.locale))) {
        errors.push(
          validationError(
            ['body', 'locale'],
            'string_pattern_mismatch',
            "String should match pattern '^[a-z]{2}$'",
            body.locale,
            { pattern: '^[a-z]{2}$' },
          ),
        );
      }
      if (errors.length) throw new HttpError(422, errors);
      if (users.some((u) => u.email.toLowerCase() === email.toLowerCase()))
        return detail(400, 'Email already registered');
      const user = addUser({
        email,
        password,
        name,
        phone: typeof body.phone === 'string' ? body.phone : null,
        locale: String(body.locale),
      });
      user.onboardingStep = 0;
      return { status: 201, json: tokensFor(user, false) };
    }),
  );

  api.add(
    'GET',
    `${V1}/auth/me`,
    guard((req) => ({ status: 200, json: userJson(currentUser(req)) })),
  );

  api.add(
    'GET',
    `${V1}/calls`,
    guard((req) => {
      const user = currentUser(req);
      const raw = req.query.get('limit');
      let limit = 50;
      if (raw !== null) {
        if (!/^\s*-?\d+\s*$/.test(raw)) {
          throw new HttpError(422, [
            validationError(
              ['query', 'limit'],
              'int_parsing',
              'Input should be a valid integer, unable to parse string as an integer',
              raw,
            ),
          ]);
        }
        limit = Number.parseInt(raw, 10);
        if (limit < 1) {
          throw new HttpError(422, [
            validationError(
              ['query', 'limit'],
              'greater_than_equal',
              'Input should be greater than or equal to 1',
              raw,
              { ge: 1 },
            ),
          ]);
        }
        if (limit > 200) {
          throw new HttpError(422, [
            validationError(['query', 'limit'], 'less_than_equal', 'Input should be less than or equal to 200', raw, {
              le: 200,
            }),
          ]);
        }
      }
      scrub(user.id);
      const status = req.query.get('status');
      let page = tenantRows(user.id).slice(0, limit);
      if (status !== null) page = page.filter((r) => r.status === status);
      return { status: 200, json: { calls: page.map(summaryJson), total: page.length } };
    }),
  );

  api.add(
    'GET',
    `${V1}/calls/:id`,
    guard((req) => {
      const user = currentUser(req);
      scrub(user.id);
      const row = rows.get(req.params.id!);
      if (!row || row.userId !== user.id) return detail(404, 'Call not found');
      return { status: 200, json: detailJson(row) };
    }),
  );

  api.add(
    'GET',
    `${V1}/calls/:id/recording`,
    guard((req) => {
      const user = currentUser(req);
      const row = rows.get(req.params.id!);
      if (!row || row.userId !== user.id) return detail(404, 'Call not found');
      const meta = (row.metadata ?? {}) as JsonObject;
      const url = row.recordingUrl ?? (typeof meta.recording_url === 'string' ? meta.recording_url : null);
      if (!url) return detail(404, 'Recording not available');
      return { status: 200, json: { recording_url: url } };
    }),
  );

  api.add(
    'DELETE',
    `${V1}/calls/:id`,
    guard((req) => {
      const user = currentUser(req);
      const row = rows.get(req.params.id!);
      if (!row || row.userId !== user.id) return detail(404, 'Call not found');
      rows.delete(row.id);
      return { status: 204 };
    }),
  );

  api.add('POST', `${V1}/webhooks/vapi`, guard(receiveWebhook));
  api.add('GET', `${V1}/analytics/overview`, guard(analyticsOverview));

  api.add(
    'GET',
    `${V1}/vapi-settings`,
    guard((req) => {
      const user = currentUser(req);
      const key = user.vapiApiKey;
      return {
        status: 200,
        json: { has_vapi_key: key !== null, vapi_api_key_preview: key ? `${key.slice(0, 4)}…${key.slice(-4)}` : null },
      };
    }),
  );

  api.add(
    'POST',
    `${V1}/vapi-settings`,
    guard((req) => {
      const user = currentUser(req);
      const body = jsonBody(req);
      requireFields(body, [['vapi_api_key', 'string']]);
      user.vapiApiKey = String(body.vapi_api_key);
      return {
        status: 200,
        json: {
          has_vapi_key: true,
          vapi_api_key_preview: `${user.vapiApiKey.slice(0, 4)}…${user.vapiApiKey.slice(-4)}`,
        },
      };
    }),
  );

  api.add(
    'PATCH',
    `${V1}/assistants/:id`,
    guard((req) => {
      currentUser(req);
      return detail(500, "Erreur lors de la mise à jour de l'assistant");
    }),
  );
  api.add(
    'POST',
    `${V1}/assistants/:id/configure-webhook`,
    guard((req) => {
      currentUser(req);
      return detail(500, 'Erreur lors de la configuration du webhook');
    }),
  );

  // ---- control ------------------------------------------------------------------------------------------------

  const publicUser = (u: BackendUser): Omit<BackendUser, 'passwordHash'> => {
    const { passwordHash: _hidden, ...rest } = u;
    return rest;
  };

  const controlApi: BackendControl = {
    loadWorld(world, urls) {
      for (const u of world.backendUsers) {
        addUser({
          id: u.id,
          email: u.email,
          password: u.password,
          name: u.name,
          phone: u.phone,
          locale: u.locale,
          createdAt: u.createdAt,
          vapiApiKey: u.vapiApiKey,
        });
      }
      for (const r of world.backendCalls) rows.set(r.id, resolvePlaceholders(structuredClone(r), urls));
      if (urls.vapi) vapiUrl = urls.vapi;
    },
    switches: () => structuredClone(switches),
    setSwitches(patch) {
      switches = { ...switches, ...patch, circuitBreaker: { ...switches.circuitBreaker, ...patch.circuitBreaker } };
      return structuredClone(switches);
    },
    users: () => users.map(publicUser),
    addUser: (input) => addUser(input).id,
    deleteUser(id) {
      const i = users.findIndex((u) => u.id === id);
      if (i >= 0) users.splice(i, 1);
    },
    calls: (userId) => (userId ? tenantRows(userId) : [...rows.values()]).map((r) => structuredClone(r)),
    insertCall: (row) => upsert(structuredClone(row)),
    webhookLog: () => webhookLog.slice(),
    clearWebhookLog() {
      webhookLog = [];
    },
    issueTokens(userId, remember = false) {
      const u = userById(userId);
      if (!u) throw new Error(`no user ${userId}`);
      return tokensFor(u, remember);
    },
    circuit: () => ({ state: circuitState(), failures: breaker.failures, openUntil: breaker.openUntil }),
    resetCircuit() {
      breaker.failures = 0;
      breaker.openUntil = null;
    },
    simulateColdStart() {
      coldStartPending = true;
    },
    setVapiUrl(url) {
      vapiUrl = url;
    },
    reset() {
      users.length = 0;
      rows.clear();
      webhookLog = [];
      breaker.failures = 0;
      breaker.openUntil = null;
      switches = { ...DEFAULT_SWITCHES, ...options.switches };
      coldStartPending = false;
    },
  };

  const control = new Router()
    .add('GET', '/switches', () => ({ status: 200, json: controlApi.switches() }))
    .add('PATCH', '/switches', (req) => ({
      status: 200,
      json: controlApi.setSwitches(parseJson(req) as Partial<BackendSwitches>),
    }))
    .add('GET', '/users', () => ({ status: 200, json: controlApi.users() }))
    .add('POST', '/users', (req) => {
      const body = parseJson(req) as Parameters<BackendControl['addUser']>[0];
      return { status: 201, json: { id: controlApi.addUser(body) } };
    })
    .add('DELETE', '/users/:id', (req) => {
      controlApi.deleteUser(req.params.id!);
      return { status: 204 };
    })
    .add('GET', '/calls', (req) => ({ status: 200, json: controlApi.calls(req.query.get('userId') ?? undefined) }))
    .add('POST', '/calls', (req) => {
      controlApi.insertCall(parseJson(req) as BackendCallRow);
      return { status: 201 };
    })
    .add('GET', '/webhooks', () => ({ status: 200, json: controlApi.webhookLog() }))
    .add('DELETE', '/webhooks', () => {
      controlApi.clearWebhookLog();
      return { status: 204 };
    })
    .add('POST', '/tokens', (req) => {
      const body = parseJson(req) as { userId: string; remember?: boolean };
      return { status: 200, json: controlApi.issueTokens(body.userId, body.remember) };
    })
    .add('GET', '/circuit', () => ({ status: 200, json: controlApi.circuit() }))
    .add('DELETE', '/circuit', () => {
      controlApi.resetCircuit();
      return { status: 204 };
    })
    .add('POST', '/cold-start', () => {
      controlApi.simulateColdStart();
      return { status: 204 };
    });
  options.extraControl?.(control);

  const server = await startFakeServer({
    name: 'backend',
    ...(options.port !== undefined ? { port: options.port } : {}),
    api,
    control,
    faults,
    clock,
    errors: (status, reason) => {
      if (reason === 'not-found') return detail(404, 'Not Found');
      if (reason === 'method-not-allowed') return detail(405, 'Method Not Allowed');
      const texts: Record<number, string> = {
        429: 'Too Many Requests',
        500: 'Internal Server Error',
        502: 'Bad Gateway',
        503: 'Service Unavailable',
        504: 'Gateway Timeout',
      };
      return detail(status, texts[status] ?? 'Error');
    },
    before: (req) => {
      const incoming = req.headers['x-request-id'];
      req.requestId =
        typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID().replaceAll('-', '');
    },
    decorate: (req, res) => {
      res.headers = { ...res.headers, 'X-Request-ID': req.requestId ?? randomUUID().replaceAll('-', '') };
    },
    wrap: async (_req, run) => {
      if (coldStartPending) {
        coldStartPending = false;
        if (switches.coldStartMs > 0) await sleep(switches.coldStartMs);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<FakeResponse>((resolve) => {
        timer = setTimeout(() => {
          timers.delete(timer!);
          resolve(detail(504, 'Request timeout'));
        }, switches.requestTimeoutMs);
        timers.add(timer);
      });
      try {
        return await Promise.race([run(), timeout]);
      } finally {
        if (timer) {
          clearTimeout(timer);
          timers.delete(timer);
        }
      }
    },
  });

  return {
    url: server.url,
    port: server.port,
    faults,
    control: controlApi,
    requests: server.requests,
    clearRequests: server.clearRequests,
    close: async () => {
      closing.abort();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await server.close();
    },
  };
}

export type { WorldBackendUser };
