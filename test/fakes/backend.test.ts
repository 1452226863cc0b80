import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, createFakeClock } from './lib/clock';
import {
  type BackendCallRow,
  DEFAULT_SWITCHES,
  type Fakes,
  callEndedEventFromVapiCall,
  pythonIso,
  startBackendFake,
  startFakes,
} from './index';
import { bearer, http } from './test-helpers';

type Obj = Record<string, unknown>;
interface Summary {
  id: string;
  assistantId: string | null;
  customerNumber: string | null;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  cost: number | null;
  transcriptPreview: string | null;
}
interface ListBody {
  calls: Summary[];
  total: number;
}

const START = Date.parse('2026-06-01T08:00:00Z');

async function login(url: string, identifier: string, password: string, remember?: boolean) {
  return http<Obj>(`${url}/api/v1/auth/login`, {
    method: 'POST',
    body: { identifier, password, ...(remember !== undefined ? { remember } : {}) },
  });
}

describe('AVA backend fake: health, auth and tokens', () => {
  let fakes: Fakes;
  const clock = createFakeClock({ start: START, ticking: false });
  beforeAll(async () => {
    fakes = await startFakes({ clock });
  });
  afterAll(async () => {
    await fakes.close();
  });
  const url = () => fakes.backend.url;
  const creds = () => fakes.credentials.backend;

  it('answers the health routes without auth, and /health does not exist', async () => {
    expect((await http(`${url()}/healthz`)).body).toEqual({ status: 'healthy' });
    expect((await http(`${url()}/`)).body).toEqual({ status: 'healthy', service: 'ava-api' });
    expect((await http(`${url()}/api/v1/runtime/status`)).body).toEqual({ status: 'ok' });
    const missing = await http(`${url()}/health`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Not Found' });
  });

  it('puts X-Request-ID on every response, echoing the caller’s', async () => {
    for (const path of ['/healthz', '/health', '/api/v1/calls', '/api/v1/auth/me']) {
      expect((await http(`${url()}${path}`)).headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    }
    const echoed = await http(`${url()}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
  });

  it('signs in by email or exact phone number; wrong passwords get 401', async () => {
    const byEmail = await login(url(), creds().email, creds().password);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    expect((byEmail.body.user as Obj).id).toBe(creds().userId);
    expect(String(byEmail.body.access_token).split('.')).toHaveLength(3);
    expect((await login(url(), creds().phone!, creds().password)).status).toBe(200);
    const wrong = await login(url(), creds().email, 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ detail: 'Invalid credentials' });
    expect((await login(url(), '0612345678', creds().password)).status).toBe(401);
  });

  it('validates the login body with FastAPI’s 422 shape', async () => {
    const res = await http<{ detail: Obj[] }>(`${url()}/api/v1/auth/login`, {
      method: 'POST',
      body: { identifier: creds().email },
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({ type: 'missing', loc: ['body', 'password'], msg: 'Field required' }),
    ]);
    const notJson = await http<{ detail: Obj[] }>(`${url()}/api/v1/auth/login`, {
      method: 'POST',
      body: '{"identifier":',
    });
    expect(notJson.status).toBe(422);
    expect(notJson.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', 0] });
  });

  it('access tokens expire after 15 minutes on the fake clock; refresh echoes the same refresh token', async () => {
    const tokens = (await login(url(), creds().email, creds().password)).body;
    const me = () => http<Obj>(`${url()}/api/v1/auth/me`, { headers: bearer(String(tokens.access_token)) });
    expect((await me()).status).toBe(200);
    expect((await me()).body).toMatchObject({
      id: creds().userId,
      email: creds().email,
      phone: creds().phone,
      onboarding_completed: true,
    });
    clock.advance(15 * MINUTE - 1000);
    expect((await me()).status).toBe(200);
    clock.advance(1000);
    const expired = await me();
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ detail: 'Could not validate credentials' });
    const refreshed = await http<Obj>(`${url()}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(tokens.refresh_token);
    expect(refreshed.body.access_token).not.toBe(tokens.access_token);
    const again = await http(`${url()}/api/v1/auth/me`, { headers: bearer(String(refreshed.body.access_token)) });
    expect(again.status).toBe(200);
  });

  it('refresh tokens die after 7 days and are never rotated', async () => {
    const tokens = (await login(url(), creds().email, creds().password)).body;
    const refresh = () =>
      http<Obj>(`${url()}/api/v1/auth/refresh`, { method: 'POST', body: { refresh_token: tokens.refresh_token } });
    clock.advance(7 * DAY - 60_000);
    const late = await refresh();
    expect(late.status).toBe(200);
    expect(late.body.refresh_token).toBe(tokens.refresh_token);
    clock.advance(60_000);
    const dead = await refresh();
    expect(dead.status).toBe(401);
    expect(dead.body).toEqual({ detail: 'Invalid or expired refresh token' });
    expect(
      (await http(`${url()}/api/v1/auth/refresh`, { method: 'POST', body: { refresh_token: 'garbage' } })).status,
    ).toBe(401);
  });

  it('remember me gives a 30-day access token, and refreshing keeps the session remembered', async () => {
    const tokens = (await login(url(), creds().email, creds().password, true)).body;
    expect(tokens.expires_in).toBe(30 * 24 * 3600);
    const refreshed = await http<Obj>(`${url()}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.body.expires_in).toBe(30 * 24 * 3600);
    const plain = (await login(url(), creds().email, creds().password)).body;
    const plainRefresh = await http<Obj>(`${url()}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refresh_token: plain.refresh_token },
    });
    expect(plainRefresh.body.expires_in).toBe(900);
    const me = () => http(`${url()}/api/v1/auth/me`, { headers: bearer(String(tokens.access_token)) });
    clock.advance(29 * DAY);
    expect((await me()).status).toBe(200);
    clock.advance(DAY);
    expect((await me()).status).toBe(401);
  });

  it('rejects tampered tokens and refresh tokens used as access tokens', async () => {
    const tokens = (await login(url(), creds().email, creds().password)).body;
    const [h, p] = String(tokens.access_token).split('.');
    const forged = `${h}.${p}.${Buffer.from('forged').toString('base64url')}`;
    expect((await http(`${url()}/api/v1/auth/me`, { headers: bearer(forged) })).status).toBe(401);
    expect((await http(`${url()}/api/v1/auth/me`, { headers: bearer(String(tokens.refresh_token)) })).status).toBe(401);
  });

  it('refuses an access token used as a refresh token', async () => {
    const tokens = (await login(url(), creds().email, creds().password)).body;
    const res = await http(`${url()}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refresh_token: tokens.access_token },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Invalid or expired refresh token' });
  });

  it('/auth/me answers every field of the contract', async () => {
    const tokens = (await login(url(), creds().email, creds().password)).body;
    const me = await http<Obj>(`${url()}/api/v1/auth/me`, { headers: bearer(String(tokens.access_token)) });
    expect(me.status).toBe(200);
    expect(Object.keys(me.body).sort()).toEqual(
      [
        'id',
        'email',
        'name',
        'phone',
        'locale',
        'image',
        'onboarding_completed',
        'onboarding_step',
        'phone_verified',
      ].sort(),
    );
    expect(me.body).toEqual({
      id: creds().userId,
      email: creds().email,
      name: expect.any(String),
      phone: creds().phone,
      locale: expect.stringMatching(/^[a-z]{2}$/),
      image: null,
      onboarding_completed: true,
      onboarding_step: expect.any(Number),
      phone_verified: true,
    });
    expect(tokens.user).toEqual(me.body);
  });

  it('answers 403 "Not authenticated" without a bearer, unless development mode serves the first user', async () => {
    const res = await http(`${url()}/api/v1/calls`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ detail: 'Not authenticated' });
    fakes.backend.control.setSwitches({ devModeNoBearerIsFirstUser: true });
    try {
      const me = await http<Obj>(`${url()}/api/v1/auth/me`);
      expect(me.status).toBe(200);
      expect(me.body.email).toBe('contact@boulangerie-orsted.fr');
      expect((await http(`${url()}/api/v1/calls`)).status).toBe(200);
    } finally {
      fakes.backend.control.setSwitches({ devModeNoBearerIsFirstUser: false });
    }
    expect(fakes.backend.requests().some((r) => r.path === '/api/v1/calls' && !r.authorization)).toBe(true);
  });

  it('signup validates like pydantic, refuses a known email, and returns 201 with tokens', async () => {
    const bad = await http<{ detail: Obj[] }>(`${url()}/api/v1/auth/signup`, {
      method: 'POST',
      body: { email: 'nope', password: 'short', name: 'A', phone: '0612', locale: 'fra' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail.map((d) => (d.loc as string[])[1])).toEqual([
      'email',
      'password',
      'name',
      'phone',
      'locale',
    ]);
    const taken = await http(`${url()}/api/v1/auth/signup`, {
      method: 'POST',
      body: { email: creds().email, password: 'Password1', name: 'Someone', locale: 'fr' },
    });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ detail: 'Email already registered' });
    const ok = await http<Obj>(`${url()}/api/v1/auth/signup`, {
      method: 'POST',
      body: { email: 'new@example.fr', password: 'Password1', name: 'Nouvelle', phone: '+33700000000', locale: 'fr' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.token_type).toBe('bearer');
  });

  it('a deleted user gets 404 on /auth/me and on refresh', async () => {
    const id = fakes.backend.control.addUser({ email: 'gone@example.fr', password: 'Password1' });
    const tokens = (await login(url(), 'gone@example.fr', 'Password1')).body;
    fakes.backend.control.deleteUser(id);
    const me = await http(`${url()}/api/v1/auth/me`, { headers: bearer(String(tokens.access_token)) });
    expect(me.status).toBe(404);
    const refresh = await http(`${url()}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refresh.status).toBe(404);
  });
});

describe('AVA backend fake: calls', () => {
  let fakes: Fakes;
  let token: string;
  const clock = createFakeClock({ start: START, ticking: false });
  beforeAll(async () => {
    fakes = await startFakes({ clock });
    token = String(
      (await login(fakes.backend.url, fakes.credentials.backend.email, fakes.credentials.backend.password)).body
        .access_token,
    );
  });
  afterAll(async () => {
    await fakes.close();
  });
  const list = (q = '') => http<ListBody>(`${fakes.backend.url}/api/v1/calls${q}`, { headers: bearer(token) });
  const detail = (id: string) => http<Obj>(`${fakes.backend.url}/api/v1/calls/${id}`, { headers: bearer(token) });

  it('lists the newest rows by startedAt (nulls first), 50 by default, at most 200, total = rows returned', async () => {
    const stored = fakes.backend.control.calls(fakes.credentials.backend.userId);
    expect(stored.length).toBeGreaterThan(200);
    const def = await list();
    expect(def.body.calls).toHaveLength(50);
    expect(def.body.total).toBe(50);
    const max = await list('?limit=200');
    expect(max.body.calls).toHaveLength(200);
    expect(max.body.total).toBe(200);
    const starts = max.body.calls.map((c) => c.startedAt);
    const firstDated = starts.findIndex((s) => s !== null);
    expect(firstDated).toBeGreaterThan(0);
    expect(starts.slice(firstDated).every((s) => s !== null)).toBe(true);
    const ms = starts.slice(firstDated).map((s) => Date.parse(s!));
    expect(ms).toEqual([...ms].sort((a, b) => b - a));
    expect(max.body.calls.map((c) => c.id)).toEqual(fakes.truth.backendWindow().ids);
  });

  it('has no pagination: offset/page/cursor parameters are ignored', async () => {
    const plain = (await list('?limit=30')).body.calls.map((c) => c.id);
    for (const q of ['&offset=30', '&page=2', '&skip=30', '&cursor=abc']) {
      expect((await list(`?limit=30${q}`)).body.calls.map((c) => c.id)).toEqual(plain);
    }
  });

  it('validates limit with FastAPI’s 422 shapes', async () => {
    const over = await list('?limit=201');
    expect(over.status).toBe(422);
    expect(over.body).toEqual({
      detail: [
        {
          type: 'less_than_equal',
          loc: ['query', 'limit'],
          msg: 'Input should be less than or equal to 200',
          input: '201',
          ctx: { le: 200 },
        },
      ],
    });
    expect((await list('?limit=0')).status).toBe(422);
    const nan = await http<{ detail: Obj[] }>(`${fakes.backend.url}/api/v1/calls?limit=ten`, {
      headers: bearer(token),
    });
    expect(nan.body.detail[0]!.type).toBe('int_parsing');
  });

  it('applies the status filter after the limit', async () => {
    const top = (await list('?limit=20')).body.calls;
    const completed = await list('?limit=20&status=completed');
    expect(completed.body.calls.map((c) => c.id)).toEqual(top.filter((c) => c.status === 'completed').map((c) => c.id));
    expect(completed.body.total).toBe(completed.body.calls.length);
    expect(completed.body.total).toBeLessThan(20);
  });

  it('carries the contract’s junk values and several status vocabularies', async () => {
    const rows = fakes.world.backendCalls.filter((r) => r.userId === fakes.credentials.backend.userId);
    const numbers = new Set(rows.map((r) => r.customerNumber));
    expect(numbers.has('Unknown')).toBe(true);
    expect(numbers.has('')).toBe(true);
    expect(numbers.has(null)).toBe(true);
    const assistants = new Set(rows.map((r) => r.assistantId));
    for (const junk of ['unknown', '', 'None']) expect(assistants.has(junk)).toBe(true);
    expect(rows.some((r) => r.durationSeconds === null)).toBe(true);
    expect(rows.some((r) => r.startedAt === null)).toBe(true);
    const statuses = new Set(rows.map((r) => r.status));
    for (const s of ['completed', 'ended', 'in-progress', 'busy', 'no-answer', 'failed', 'canceled']) {
      expect(statuses.has(s), s).toBe(true);
    }
    const twilioRows = rows.filter((r) => r.id.startsWith('CA'));
    expect(twilioRows.length).toBeGreaterThanOrEqual(6);
    for (const r of twilioRows) expect(r.id).toMatch(/^CA[0-9a-f]{32}$/);
    const stamps = rows.map((r) => r.startedAt).filter((s): s is string => s !== null);
    expect(stamps.every((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/.test(s))).toBe(true);
    expect(stamps.some((s) => !s.includes('.'))).toBe(true);
  });

  it('holds both transcript formats', async () => {
    const rows = fakes.world.backendCalls.filter((r) => r.userId === fakes.credentials.backend.userId);
    const webhook = rows.filter((r) => r.transcript?.startsWith('System: '));
    const vapi = rows.filter((r) => r.transcript?.startsWith('AI: '));
    expect(webhook.length).toBeGreaterThan(5);
    expect(vapi.length).toBeGreaterThan(5);
    const sample = webhook[0]!.transcript!;
    expect(sample).toContain('\n\nAVA: ');
    expect(sample).toContain('\n\nCaller: ');
    expect(sample.split('\n\n')[0]!.split('\n').length).toBeGreaterThan(1); // a multi-line message
    expect(vapi[0]!.transcript).toMatch(/^AI: .+\nUser: /);
    expect(rows.some((r) => r.transcript === 'No transcript available')).toBe(true);
  });

  it('scrubs transcripts of calls started ≥ 24 h ago on read, for good, keeping metadata', async () => {
    const userId = fakes.credentials.backend.userId;
    const fresh = fakes.backend.control
      .calls(userId)
      .filter((r) => r.transcript && r.startedAt && Date.parse(r.startedAt) > clock.now() - 20 * HOUR);
    expect(fresh.length).toBeGreaterThan(0);
    const target = fresh[fresh.length - 1]!;
    const before = await detail(target.id);
    expect(before.body.transcript).toBe(target.transcript);
    const summary = (await list('?limit=200')).body.calls.find((c) => c.id === target.id)!;
    expect(summary.transcriptPreview).toBe(target.transcript!.slice(0, 200));

    clock.set(Date.parse(target.startedAt!) + DAY);
    token = fakes.backend.control.issueTokens(userId).access_token;
    const after = await detail(target.id);
    expect(after.body.transcript).toBeNull();
    expect(after.body.metadata).toEqual(before.body.metadata);
    expect((await list('?limit=200')).body.calls.find((c) => c.id === target.id)!.transcriptPreview).toBeNull();
    clock.set(START);
    token = fakes.backend.control.issueTokens(userId).access_token;
    expect((await detail(target.id)).body.transcript).toBeNull();
    const old = fakes.backend.control
      .calls(userId)
      .filter((r) => r.startedAt && Date.parse(r.startedAt) <= clock.now() - DAY);
    expect(old.length).toBeGreaterThan(100);
    expect(old.every((r) => r.transcript === null)).toBe(true);
  });

  it('keeps the raw Vapi payload in metadata and the recording URL mostly outside recordingUrl', async () => {
    const rows = fakes.backend.control.calls(fakes.credentials.backend.userId);
    const imported = rows.find((r) => r.status === 'ended' && (r.metadata as Obj).artifact)!;
    expect(((imported.metadata as Obj).artifact as Obj).messages).toBeDefined();
    const withColumn = rows.filter((r) => r.recordingUrl !== null).length;
    expect(withColumn).toBeGreaterThan(0);
    expect(withColumn).toBeLessThan(rows.length / 4);
    const webhookRow = rows.find(
      (r) => (r.metadata as Obj).source === 'webhook' && typeof (r.metadata as Obj).recording_url === 'string',
    )!;
    expect(String((webhookRow.metadata as Obj).recording_url)).toContain(fakes.vapi.url);
  });

  it('leaves each of the contract’s recording fallbacks to be the first one that answers on some rows', () => {
    const rows = fakes.world.backendCalls.filter((r) => r.userId === fakes.credentials.backend.userId);
    const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
    const firstFallback = (r: BackendCallRow): number => {
      const m = (r.metadata ?? {}) as Obj;
      const artifact = (m.artifact ?? {}) as Obj;
      const candidates = [
        r.recordingUrl,
        m.recording_url,
        ((m.vapi ?? {}) as Obj).recordingUrl,
        (((artifact.recording ?? {}) as Obj).mono as Obj | undefined)?.combinedUrl,
        artifact.recordingUrl,
      ];
      return candidates.findIndex(str);
    };
    const positions = new Set(rows.map(firstFallback));
    expect([...positions].sort()).toEqual([-1, 0, 1, 2, 3, 4]);
  });

  it('serves the recording URL or 404 "Recording not available"', async () => {
    const rows = fakes.backend.control.calls(fakes.credentials.backend.userId);
    const withRecording = rows.find((r) => r.recordingUrl !== null)!;
    const rec = await http<Obj>(`${fakes.backend.url}/api/v1/calls/${withRecording.id}/recording`, {
      headers: bearer(token),
    });
    expect(rec.body).toEqual({ recording_url: withRecording.recordingUrl });
    const none = rows.find((r) => r.id.startsWith('CA'))!;
    const missing = await http(`${fakes.backend.url}/api/v1/calls/${none.id}/recording`, { headers: bearer(token) });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Recording not available' });
  });

  it('the detail carries recordingUrl next to the summary fields, transcript and metadata', async () => {
    const rows = fakes.backend.control.calls(fakes.credentials.backend.userId);
    const withUrl = rows.find((r) => r.recordingUrl !== null)!;
    const without = rows.find((r) => r.recordingUrl === null)!;
    for (const row of [withUrl, without]) {
      const res = await detail(row.id);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'id',
          'assistantId',
          'customerNumber',
          'status',
          'startedAt',
          'endedAt',
          'durationSeconds',
          'cost',
          'transcript',
          'metadata',
          'recordingUrl',
        ].sort(),
      );
      expect(res.body.recordingUrl).toBe(row.recordingUrl);
    }
    expect(withUrl.recordingUrl).toEqual(expect.any(String));
  });

  it('hides other tenants’ calls (404 "Call not found") and deletes only the backend row', async () => {
    const other = fakes.backend.control.calls().find((r) => r.userId !== fakes.credentials.backend.userId)!;
    const hidden = await detail(other.id);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ detail: 'Call not found' });
    const mine = (await list('?limit=5')).body.calls[3]!;
    const del = await http(`${fakes.backend.url}/api/v1/calls/${mine.id}`, {
      method: 'DELETE',
      headers: bearer(token),
    });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await detail(mine.id)).status).toBe(404);
    expect(fakes.vapi.control.call(mine.id)).toBeDefined();
  });

  it('the always-broken assistant routes answer 500', async () => {
    const id = String(fakes.world.orgs[0]!.assistants[0]!.id);
    const patch = await http(`${fakes.backend.url}/api/v1/assistants/${id}`, {
      method: 'PATCH',
      headers: bearer(token),
      body: {},
    });
    expect(patch.status).toBe(500);
    const configure = await http(`${fakes.backend.url}/api/v1/assistants/${id}/configure-webhook`, {
      method: 'POST',
      headers: bearer(token),
      body: {},
    });
    expect(configure.status).toBe(500);
  });

  it('vapi-settings shows whether a key is stored and stores a new one', async () => {
    const res = await http<Obj>(`${fakes.backend.url}/api/v1/vapi-settings`, { headers: bearer(token) });
    expect(res.body).toMatchObject({ has_vapi_key: true, vapi_api_key_preview: expect.stringContaining('…') });
    const stored = await http<Obj>(`${fakes.backend.url}/api/v1/vapi-settings`, {
      method: 'POST',
      headers: bearer(token),
      body: { vapi_api_key: '12345678-aaaa-4bbb-8ccc-1234567890ab' },
    });
    expect(stored.body).toEqual({ has_vapi_key: true, vapi_api_key_preview: '1234…90ab' });
    const key = fakes.backend.control.users().find((u) => u.id === fakes.credentials.backend.userId)!.vapiApiKey;
    expect(key).toBe('12345678-aaaa-4bbb-8ccc-1234567890ab');
  });
});

describe('AVA backend fake: the webhook receiver', () => {
  let fakes: Fakes;
  const clock = createFakeClock({ start: START, ticking: false });
  beforeAll(async () => {
    fakes = await startFakes({ clock });
  });
  afterAll(async () => {
    await fakes.close();
  });
  const hook = (body: unknown, headers: Record<string, string> = {}) =>
    http<Obj>(`${fakes.backend.url}/api/v1/webhooks/vapi`, { method: 'POST', body, headers });
  const vapiCall = (i: number): Obj =>
    fakes.world.orgs[0]!.calls!.build(i, { vapi: fakes.vapi.url, backend: fakes.backend.url });
  const missingIndex = (): number => {
    const calls = fakes.world.orgs[0]!.calls!;
    for (let i = calls.count - 2; i >= 0; i--) {
      const plan = calls.plan(i);
      if (
        plan.fate === 'missing' &&
        plan.status === 'ended' &&
        !fakes.backend.control.calls().some((r) => r.id === plan.id)
      ) {
        return i;
      }
    }
    throw new Error('no missing call');
  };

  it('answers 200 to Vapi’s message envelope and saves nothing', async () => {
    const call = vapiCall(missingIndex());
    const before = fakes.backend.control.calls().length;
    const res = await hook({ message: { type: 'end-of-call-report', call, artifact: call.artifact, analysis: {} } });
    expect(res.status).toBe(200);
    expect(fakes.backend.control.calls().length).toBe(before);
    expect(fakes.backend.control.webhookLog().at(-1)).toMatchObject({
      type: 'message:end-of-call-report',
      outcome: 'ignored',
    });
  });

  it('saves a top-level call.ended for the tenant in assistant metadata, in the AVA:/Caller: format', async () => {
    const i = missingIndex();
    const call = vapiCall(i);
    const event = callEndedEventFromVapiCall(call, { user_id: fakes.credentials.backend.userId });
    expect((await hook(event)).status).toBe(200);
    const row = fakes.backend.control.calls().find((r) => r.id === call.id)!;
    expect(row.userId).toBe(fakes.credentials.backend.userId);
    expect(row.status).toBe('completed');
    expect(row.transcript!.startsWith('System: ')).toBe(true);
    expect(fakes.backend.control.webhookLog().at(-1)).toMatchObject({ outcome: 'saved', attribution: 'metadata' });
  });

  it('files an unattributable call.ended under the first user (the cross-tenant leak)', async () => {
    const call = vapiCall(missingIndex());
    await hook(callEndedEventFromVapiCall(call, null));
    const row = fakes.backend.control.calls().find((r) => r.id === call.id)!;
    const first = fakes.backend.control.users()[0]!;
    expect(row.userId).toBe(first.id);
    expect(row.userId).not.toBe(fakes.credentials.backend.userId);
    expect(fakes.backend.control.webhookLog().at(-1)).toMatchObject({ attribution: 'first-user-fallback' });
  });

  it('files a call.ended whose metadata names an unknown user under the first user too', async () => {
    const call = vapiCall(missingIndex());
    await hook(callEndedEventFromVapiCall(call, { user_id: '00000000-0000-4000-8000-00000000dead' }));
    const row = fakes.backend.control.calls().find((r) => r.id === call.id)!;
    expect(row.userId).toBe(fakes.backend.control.users()[0]!.id);
    expect(fakes.backend.control.webhookLog().at(-1)).toMatchObject({
      outcome: 'saved',
      callId: call.id,
      attribution: 'first-user-fallback',
    });
  });

  it('also reads the owner from call.metadata and call.assistantMetadata (user_id or userId)', async () => {
    for (const where of ['metadata', 'assistantMetadata'] as const) {
      const call = vapiCall(missingIndex());
      const event = callEndedEventFromVapiCall(call, null);
      (event.call as Obj)[where] = { userId: fakes.credentials.backend.userId };
      await hook(event);
      expect(fakes.backend.control.calls().find((r) => r.id === call.id)!.userId).toBe(
        fakes.credentials.backend.userId,
      );
    }
  });

  it('the fixed receiver saves end-of-call-report by assistant.metadata.user_id and refuses to guess', async () => {
    fakes.backend.control.setSwitches({ fixedWebhookReceiver: true });
    try {
      const call = vapiCall(missingIndex());
      const message = {
        type: 'end-of-call-report',
        endedReason: call.endedReason,
        call,
        artifact: call.artifact,
        analysis: call.analysis,
        assistant: { metadata: { user_id: fakes.credentials.backend.userId } },
      };
      await hook({ message });
      const row = fakes.backend.control.calls().find((r) => r.id === call.id)!;
      expect(row.userId).toBe(fakes.credentials.backend.userId);
      expect(row.recordingUrl).toMatch(/-mono\.wav$/);
      const orphan = vapiCall(missingIndex());
      await hook({ message: { ...message, call: orphan, assistant: {} } });
      expect(fakes.backend.control.calls().some((r) => r.id === orphan.id)).toBe(false);
      expect(fakes.backend.control.webhookLog().at(-1)).toMatchObject({ outcome: 'unattributed' });
    } finally {
      fakes.backend.control.setSwitches({ fixedWebhookReceiver: false });
    }
  });

  it('the fixed receiver also accepts the userId spelling in assistant.metadata', async () => {
    fakes.backend.control.setSwitches({ fixedWebhookReceiver: true });
    try {
      const call = vapiCall(missingIndex());
      await hook({
        message: {
          type: 'end-of-call-report',
          endedReason: call.endedReason,
          call,
          artifact: call.artifact,
          analysis: call.analysis,
          assistant: { metadata: { userId: fakes.credentials.backend.userId } },
        },
      });
      const row = fakes.backend.control.calls().find((r) => r.id === call.id);
      expect(row?.userId).toBe(fakes.credentials.backend.userId);
      expect(fakes.backend.control.webhookLog().at(-1)).toMatchObject({ outcome: 'saved', attribution: 'metadata' });
    } finally {
      fakes.backend.control.setSwitches({ fixedWebhookReceiver: false });
    }
  });

  it('in production mode demands an X-Vapi-Signature that Vapi never sends', async () => {
    fakes.backend.control.setSwitches({ webhookSignatureRequired: true, webhookSecret: 'prod-secret' });
    try {
      const call = vapiCall(missingIndex());
      const body = JSON.stringify(callEndedEventFromVapiCall(call, { user_id: fakes.credentials.backend.userId }));
      expect((await hook(body)).status).toBe(401);
      expect(fakes.backend.control.calls().some((r) => r.id === call.id)).toBe(false);
      const signature = createHmac('sha256', 'prod-secret').update(body).digest('hex');
      expect((await hook(body, { 'x-vapi-signature': signature })).status).toBe(200);
      expect(fakes.backend.control.calls().some((r) => r.id === call.id)).toBe(true);
    } finally {
      fakes.backend.control.setSwitches({ webhookSignatureRequired: false });
    }
  });
});

describe('AVA backend fake: analytics import, circuit breaker, timeout, cold start', () => {
  let fakes: Fakes;
  let token: string;
  const clock = createFakeClock({ start: START, ticking: false });
  beforeAll(async () => {
    fakes = await startFakes({ clock });
    token = String(
      (await login(fakes.backend.url, fakes.credentials.backend.email, fakes.credentials.backend.password)).body
        .access_token,
    );
  });
  afterAll(async () => {
    await fakes.close();
  });
  const overview = () => http<Obj>(`${fakes.backend.url}/api/v1/analytics/overview`, { headers: bearer(token) });

  it('imports Vapi’s newest 100 calls (bringing deleted rows back) in the AI:/User: format', async () => {
    const userId = fakes.credentials.backend.userId;
    const newest = (
      await http<Obj[]>(`${fakes.vapi.url}/call?limit=100`, { headers: bearer(fakes.credentials.vapi.privateKey) })
    ).body;
    const held = new Set(fakes.backend.control.calls().map((r) => r.id));
    const absent = newest.filter((c) => !held.has(String(c.id)));
    expect(absent.length).toBeGreaterThan(0);
    const victim = fakes.backend.control.calls(userId).find((r) => newest.some((c) => c.id === r.id))!;
    await http(`${fakes.backend.url}/api/v1/calls/${victim.id}`, { method: 'DELETE', headers: bearer(token) });
    const res = await overview();
    expect(res.status).toBe(200);
    expect(res.body.imported_from_vapi).toBe(absent.length + 1);
    const rows = fakes.backend.control.calls(userId);
    for (const c of [...absent, newest.find((c) => c.id === victim.id)!]) {
      const row = rows.find((r) => r.id === c.id)!;
      expect(row.metadata).toEqual(c);
      if (row.transcript) expect(row.transcript).toMatch(/^(AI|User): /);
    }
    expect(fakes.vapi.requests().filter((r) => r.path === '/call' && r.query === '?limit=100')).toHaveLength(2);
  });

  it('answers 502 when Vapi fails, then 503 for 30 s after 3 failures, then recovers', async () => {
    const rule = fakes.faults.vapi.set('GET /call', { kind: 'status', status: 500 });
    for (let i = 0; i < 3; i++) expect((await overview()).status).toBe(502);
    const open = await overview();
    expect(open.status).toBe(503);
    expect(fakes.backend.control.circuit().state).toBe('open');
    const vapiCallsWhileOpen = fakes.vapi.requests().length;
    clock.advance(29_000);
    expect((await overview()).status).toBe(503);
    expect(fakes.vapi.requests().length).toBe(vapiCallsWhileOpen);
    clock.advance(1_000);
    expect((await overview()).status).toBe(502); // half-open: tried again, failed again
    expect((await overview()).status).toBe(503);
    fakes.faults.vapi.remove(rule);
    clock.advance(30_000);
    expect((await overview()).status).toBe(200);
    expect(fakes.backend.control.circuit()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('answers 400 when no Vapi key is stored', async () => {
    const id = fakes.backend.control.addUser({ email: 'nokey@example.fr', password: 'Password1' });
    const t = fakes.backend.control.issueTokens(id).access_token;
    const res = await http<Obj>(`${fakes.backend.url}/api/v1/analytics/overview`, { headers: bearer(t) });
    expect(res.status).toBe(400);
    expect(typeof res.body.detail).toBe('string');
  });

  it('answers 400 when Vapi refuses the stored key with 401', async () => {
    const id = fakes.backend.control.addUser({ email: 'badkey@example.fr', password: 'Password1' });
    const t = fakes.backend.control.issueTokens(id).access_token;
    const stored = await http(`${fakes.backend.url}/api/v1/vapi-settings`, {
      method: 'POST',
      headers: bearer(t),
      body: { vapi_api_key: '00000000-0000-4000-8000-000000000000' },
    });
    expect(stored.status).toBe(200);
    const res = await http<Obj>(`${fakes.backend.url}/api/v1/analytics/overview`, { headers: bearer(t) });
    expect(res.status).toBe(400);
    expect(typeof res.body.detail).toBe('string');
    expect(fakes.vapi.requests().at(-1)).toMatchObject({ path: '/call', status: 401 });
  });

  it('cuts a request at the (configurable) timeout with 504 and keeps X-Request-ID', async () => {
    fakes.backend.control.setSwitches({ requestTimeoutMs: 100 });
    const rule = fakes.faults.backend.set('GET /api/v1/calls', { kind: 'latency', ms: 400 });
    try {
      const started = Date.now();
      const res = await http(`${fakes.backend.url}/api/v1/calls`, { headers: bearer(token) });
      expect(res.status).toBe(504);
      expect(res.body).toEqual({ detail: 'Request timeout' });
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      fakes.faults.backend.remove(rule);
      fakes.backend.control.setSwitches({ requestTimeoutMs: 20_000 });
    }
    expect(fakes.backend.control.switches().requestTimeoutMs).toBe(20_000);
  });

  it('makes the first request after a cold start slow', async () => {
    fakes.backend.control.setSwitches({ coldStartMs: 300 });
    fakes.backend.control.simulateColdStart();
    fakes.backend.clearRequests();
    const t = Date.now();
    expect((await http(`${fakes.backend.url}/healthz`)).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    await http(`${fakes.backend.url}/healthz`);
    const [cold, warm] = fakes.backend.requests();
    expect(cold!.durationMs).toBeGreaterThanOrEqual(290);
    expect(warm!.durationMs).toBeLessThan(290);
    fakes.backend.control.setSwitches({ coldStartMs: 0 });
  });
});

describe('AVA backend fake started alone', () => {
  it('runs without a world and stores what it is given', async () => {
    const clock = createFakeClock({ start: START, ticking: false });
    const backend = await startBackendFake({ clock });
    try {
      const id = backend.control.addUser({ email: 'solo@example.fr', password: 'Password1', name: 'Solo' });
      const row: BackendCallRow = {
        id: '11111111-1111-4111-8111-111111111111',
        userId: id,
        assistantId: 'None',
        customerNumber: null,
        status: 'queued',
        startedAt: null,
        endedAt: null,
        durationSeconds: null,
        cost: null,
        transcript: 'AVA: Bonjour\n\nCaller: Allô',
        recordingUrl: null,
        metadata: {},
        createdAt: clock.now(),
      };
      backend.control.insertCall(row);
      const t = backend.control.issueTokens(id).access_token;
      const res = await http<ListBody>(`${backend.url}/api/v1/calls`, { headers: bearer(t) });
      expect(res.body).toEqual({
        calls: [{ ...summaryOf(row) }],
        total: 1,
      });
    } finally {
      await backend.close();
    }
  });
});

describe('AVA backend fake defaults and boundaries', () => {
  it('cuts requests at 20 s by default', async () => {
    expect(DEFAULT_SWITCHES.requestTimeoutMs).toBe(20_000);
    const backend = await startBackendFake({ clock: createFakeClock({ start: START, ticking: false }) });
    try {
      expect(backend.control.switches().requestTimeoutMs).toBe(20_000);
    } finally {
      await backend.close();
    }
    const fakes = await startFakes({ world: 'empty', clock: createFakeClock({ start: START, ticking: false }) });
    try {
      expect(fakes.backend.control.switches().requestTimeoutMs).toBe(20_000);
    } finally {
      await fakes.close();
    }
  });

  it('keeps a transcript at startedAt + 24 h − 1 ms and scrubs it at exactly 24 h, on the list and on the detail', async () => {
    const clock = createFakeClock({ start: START, ticking: false });
    const backend = await startBackendFake({ clock });
    const started = START - 2 * HOUR + 123; // stored with microseconds: .123456
    const transcript = 'AVA: Bonjour\n\nCaller: Allô';
    try {
      for (const via of ['list', 'detail'] as const) {
        const userId = backend.control.addUser({ email: `${via}@example.fr`, password: 'Password1' });
        const id = via === 'list' ? '22222222-2222-4222-8222-222222222222' : '33333333-3333-4333-8333-333333333333';
        backend.control.insertCall({
          id,
          userId,
          assistantId: 'a',
          customerNumber: '+33600000000',
          status: 'completed',
          startedAt: pythonIso(started, 456),
          endedAt: pythonIso(started + MINUTE),
          durationSeconds: 60,
          cost: 0.1,
          transcript,
          recordingUrl: null,
          metadata: {},
          createdAt: started,
        });
        const read = async (): Promise<string | null> => {
          const h = bearer(backend.control.issueTokens(userId).access_token);
          if (via === 'list') {
            return (await http<ListBody>(`${backend.url}/api/v1/calls`, { headers: h })).body.calls[0]!
              .transcriptPreview;
          }
          return (await http<Obj>(`${backend.url}/api/v1/calls/${id}`, { headers: h })).body.transcript as
            string | null;
        };
        clock.set(started + DAY - 1);
        expect(await read(), `${via} at 24 h − 1 ms`).toBe(transcript);
        expect(backend.control.calls(userId)[0]!.transcript).toBe(transcript);
        clock.set(started + DAY);
        expect(await read(), `${via} at 24 h`).toBeNull();
        expect(backend.control.calls(userId)[0]!.transcript).toBeNull();
      }
    } finally {
      await backend.close();
    }
  });
});

function summaryOf(r: BackendCallRow): Summary {
  return {
    id: r.id,
    assistantId: r.assistantId,
    customerNumber: r.customerNumber,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationSeconds: r.durationSeconds,
    cost: r.cost,
    transcriptPreview: r.transcript?.slice(0, 200) ?? null,
  };
}
