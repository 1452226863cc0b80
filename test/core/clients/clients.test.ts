/** The three service clients against the project's fakes (test/fakes): Vapi, Twilio and the AVA backend. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INVALID_KEY_MESSAGE } from '../../fakes';
import { AppError } from '../../../src/shared/errors';
import { BackendClient } from '../../../src/main/core/clients/backend';
import { HttpError } from '../../../src/main/core/http/errors';
import { rig, type Rig } from '../auth/helpers';
import { sendJson, startServer } from '../http/servers';

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(async () => {
  await r.close();
});
beforeEach(async () => {
  r.fakes.faults.clearAll();
  r.sleeps.length = 0;
  await r.vault.delete('vapiPrivateKey');
  await r.vault.delete('twilioAuthToken');
  r.settings.setTwilioAccountSid(null);
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('VapiClient', () => {
  it('checks a private key with GET /assistant?limit=1; the public key gets the "Hot tip" 401', async () => {
    const { privateKey, publicKey } = r.fakes.credentials.vapi;
    await r.vapi.checkKey(privateKey);
    const err = await failure(r.vapi.checkKey(publicKey));
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ code: 'unauthorized', service: 'vapi', status: 401 });
    expect(err.detail).toContain(INVALID_KEY_MESSAGE);
    expect(JSON.stringify(err)).not.toContain(publicKey);
    const last = r.fakes.vapi.requests().at(-1)!;
    expect(`${last.method} ${last.path}${last.query}`).toBe('GET /assistant?limit=1');
  });

  it('sends nothing without a key: missing-secret', async () => {
    const before = r.fakes.vapi.requests().length;
    const err = await failure(r.vapi.listAssistants());
    expect(err).toMatchObject({ code: 'missing-secret', service: 'vapi' });
    expect(r.fakes.vapi.requests().length).toBe(before);
  });

  it('lists, reads, creates, updates and deletes assistants, keeping every field', async () => {
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
    const list = await r.vapi.listAssistants();
    expect(list.length).toBeGreaterThan(0);
    const one = await r.vapi.getAssistant(list[0]!.id);
    expect(one).toEqual(r.fakes.vapi.control.assistant(list[0]!.id));
    const created = await r.vapi.createAssistant({
      name: 'Front desk',
      firstMessage: 'Hi, how can I help?',
      model: { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'system', content: 'You are kind.' }] },
      server: { url: `${r.fakes.credentials.urls.backend}/api/v1/webhooks/vapi` },
    });
    expect(created).toMatchObject({
      name: 'Front desk',
      server: { url: expect.stringContaining('/api/v1/webhooks/vapi') },
    });
    // (serverMessages is left out: the Vapi fake currently rejects every serverMessages array, reported.)
    const updated = await r.vapi.updateAssistant(created.id, {
      server: { ...created.server, headers: { 'x-vapi-secret': 'a-webhook-secret-value' } },
      metadata: { user_id: r.fakes.credentials.backend.userId },
    });
    expect(updated.metadata).toEqual({ user_id: r.fakes.credentials.backend.userId });
    expect(updated.server?.headers).toEqual({ 'x-vapi-secret': 'a-webhook-secret-value' });
    await r.vapi.deleteAssistant(created.id);
    expect(await failure(r.vapi.getAssistant(created.id))).toMatchObject({ code: 'not-found' });
    // An id cannot add a path: it stays one (invalid) segment.
    expect(await failure(r.vapi.getAssistant('../call'))).toMatchObject({ code: 'bad-request' });
    expect(r.fakes.vapi.requests().at(-1)!.path).toBe('/assistant/..%2Fcall');
  });

  it('a pinned assistant cannot be deleted: conflict', async () => {
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
    const [first] = await r.vapi.listAssistants({ limit: 1 });
    r.fakes.vapi.control.pinAssistant(first!.id, true);
    expect(await failure(r.vapi.deleteAssistant(first!.id))).toMatchObject({ code: 'conflict', service: 'vapi' });
    r.fakes.vapi.control.pinAssistant(first!.id, false);
  });

  it('imports a Twilio number and lists phone numbers', async () => {
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
    const account = r.fakes.world.twilioAccounts.find((a) => a.sid === r.fakes.credentials.twilio.accountSid)!;
    const imported = new Set((await r.vapi.listPhoneNumbers()).map((p) => p.number));
    const free = account.numbers.find((n) => !imported.has(n.phoneNumber));
    expect(free).toBeDefined();
    const phone = await r.vapi.importTwilioNumber({
      number: free!.phoneNumber,
      twilioAccountSid: account.sid,
      twilioAuthToken: account.authToken,
      name: 'Main line',
      smsEnabled: false,
    });
    expect(phone).toMatchObject({ provider: 'twilio', number: free!.phoneNumber, name: 'Main line' });
    expect(JSON.stringify(phone)).not.toContain(account.authToken);
    expect((await r.vapi.getPhoneNumber(phone.id)).id).toBe(phone.id);
    const renamed = await r.vapi.updatePhoneNumber(phone.id, { name: 'Reception' });
    expect(renamed.name).toBe('Reception');
    expect(r.redactor.redact(account.authToken)).toBe('[REDACTED]');
  });

  it('pages calls with createdAtLt and reads one call', async () => {
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
    const all = r.fakes.vapi.control.callsInWindow(r.fakes.credentials.vapi.orgId);
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 100; page++) {
      const calls = await r.vapi.listCalls({ limit: 25, ...(before ? { createdAtLt: before } : {}) });
      if (calls.length === 0) break;
      seen.push(...calls.map((c) => c.id));
      before = calls.reduce((min, c) => (c.createdAt < min ? c.createdAt : min), calls[0]!.createdAt);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(all.length);
    const call = await r.vapi.getCall(seen[0]!);
    expect(call.id).toBe(seen[0]);
    expect(call).toEqual(r.fakes.vapi.control.call(seen[0]!));
    await expect(r.vapi.listCalls({ limit: 5000 })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('honours Retry-After on 429 and retries 5xx, resets and cut bodies on reads', async () => {
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
    r.fakes.faults.vapi.set('GET /assistant', { kind: 'status', status: 429, retryAfter: 3 }, { times: 1 });
    await r.vapi.listAssistants();
    expect(r.sleeps).toEqual([3000]);
    r.sleeps.length = 0;
    r.fakes.faults.vapi.set('GET /call', { kind: 'reset' }, { times: 1 });
    r.fakes.faults.vapi.set('GET /call', { kind: 'truncated', variant: 'short-body' }, { times: 1 });
    expect((await r.vapi.listCalls({ limit: 3 })).length).toBe(3);
    expect(r.sleeps).toEqual([1000, 2000]);
    // A long Retry-After is handed back to the caller instead of slept through.
    r.fakes.faults.vapi.set('GET /assistant', { kind: 'status', status: 429, retryAfter: 600 }, { times: 1 });
    expect(await failure(r.vapi.listAssistants())).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 600 });
  });

  it('JSON cut mid-way or malformed is invalid-response; a POST is not repeated on 5xx', async () => {
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
    r.fakes.faults.vapi.set('GET /call', { kind: 'truncated', variant: 'cut-json' }, { times: 1 });
    expect(await failure(r.vapi.listCalls({ limit: 3 }))).toMatchObject({ code: 'invalid-response' });
    r.fakes.faults.vapi.set('GET /assistant', { kind: 'malformed' }, { times: 1 });
    expect(await failure(r.vapi.listAssistants())).toMatchObject({ code: 'invalid-response' });
    r.fakes.faults.vapi.set('POST /assistant', { kind: 'status', status: 500 });
    const before = r.fakes.vapi.requests().filter((q) => q.method === 'POST').length;
    expect(await failure(r.vapi.createAssistant({ name: 'x' }))).toMatchObject({ code: 'server-error' });
    expect(r.fakes.vapi.requests().filter((q) => q.method === 'POST').length).toBe(before + 1);
  });
});

describe('TwilioClient', () => {
  it('checks credentials; a wrong token is unauthorized with Twilio code 20003, the token never echoed', async () => {
    const { accountSid, authToken } = r.fakes.credentials.twilio;
    const account = await r.twilio.checkCredentials({ accountSid, authToken });
    expect(account).toMatchObject({ sid: accountSid, status: 'active' });
    expect(JSON.stringify(account)).not.toContain(authToken);
    expect('auth_token' in account).toBe(false);
    const wrong = 'f'.repeat(32);
    const err = await failure(r.twilio.checkCredentials({ accountSid, authToken: wrong }));
    expect(err).toMatchObject({ code: 'unauthorized', service: 'twilio' });
    expect(err.detail).toContain('20003');
    expect(JSON.stringify(err) + err.message).not.toContain(wrong);
  });

  it('needs saved credentials: missing-secret, and a malformed SID is refused before sending', async () => {
    expect(await failure(r.twilio.getAccount())).toMatchObject({ code: 'missing-secret', service: 'twilio' });
    expect(
      await failure(r.twilio.checkCredentials({ accountSid: 'AC../..', authToken: 'x'.repeat(32) })),
    ).toMatchObject({
      code: 'invalid-input',
    });
  });

  it('lists every incoming number following next_page_uri', async () => {
    const { accountSid, authToken } = r.fakes.credentials.twilio;
    r.settings.setTwilioAccountSid(accountSid);
    await r.vault.set('twilioAuthToken', authToken);
    const expected = r.fakes.world.twilioAccounts.find((a) => a.sid === accountSid)!.numbers.map((n) => n.phoneNumber);
    expect(expected.length).toBeGreaterThan(1);
    const before = r.fakes.twilio.requests().length;
    const numbers = await r.twilio.listIncomingNumbers({ pageSize: 1 });
    expect(numbers.map((n) => n.phone_number).sort()).toEqual([...expected].sort());
    const pages = r.fakes.twilio.requests().slice(before);
    expect(pages.length).toBeGreaterThanOrEqual(expected.length);
    expect(pages.every((q) => q.path.endsWith('/IncomingPhoneNumbers.json') && q.authorization)).toBe(true);
    expect((await r.twilio.getAccount()).sid).toBe(accountSid);
  });
});

describe('BackendClient', () => {
  it('health, sign-in, me, calls list, detail, recording and delete', async () => {
    const { email, password, userId } = r.fakes.credentials.backend;
    expect(await r.backend.health()).toEqual({ status: 'healthy' });
    const tokens = await r.backend.login(email, password, false);
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 900, user: { id: userId, email } });
    const token = tokens.access_token;
    expect(await r.backend.me(token)).toMatchObject({ id: userId, email });
    const list = await r.backend.listCalls(token, { limit: 200 });
    expect(list.calls.map((c) => c.id)).toEqual(r.fakes.truth.backendWindow().ids);
    expect(list.total).toBe(list.calls.length);
    const detail = await r.backend.getCall(token, list.calls[0]!.id);
    expect(detail.id).toBe(list.calls[0]!.id);
    const withRecording = list.calls.find((c) =>
      r.fakes.backend.control
        .calls(userId)
        .find((row) => row.id === c.id && (row as { recordingUrl?: unknown }).recordingUrl),
    );
    if (withRecording)
      expect((await r.backend.getRecording(token, withRecording.id)).recording_url).toMatch(/^https?:/);
    expect(await failure(r.backend.getCall(token, 'not-a-call'))).toMatchObject({
      code: 'not-found',
      service: 'backend',
    });
    const victim = list.calls.at(-1)!.id;
    await r.backend.deleteCall(token, victim);
    expect(await failure(r.backend.getCall(token, victim))).toMatchObject({ code: 'not-found' });
    await expect(r.backend.listCalls(token, { limit: 201 })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('a wrong password is invalid-credentials; a dead refresh token is session-expired', async () => {
    const { email } = r.fakes.credentials.backend;
    expect(await failure(r.backend.login(email, 'not-the-password', false))).toMatchObject({
      code: 'invalid-credentials',
    });
    expect(await failure(r.backend.refresh('eyJ.not.valid'))).toMatchObject({
      code: 'session-expired',
      service: 'backend',
    });
  });

  it('never sends a data request without a bearer, even when dev mode would answer', async () => {
    r.fakes.backend.control.setSwitches({ devModeNoBearerIsFirstUser: true });
    try {
      const before = r.fakes.backend.requests().length;
      expect(await failure(r.backend.listCalls(''))).toMatchObject({ code: 'signed-out' });
      expect(r.fakes.backend.requests().length).toBe(before);
    } finally {
      r.fakes.backend.control.setSwitches({ devModeNoBearerIsFirstUser: false });
    }
  });

  it('refuses to send a bearer to a plain-http remote backend', async () => {
    const saved = r.settings.get().backendUrl;
    const client = new BackendClient({ http: r.http, baseUrl: 'http://ava.example.com' });
    expect(await failure(client.listCalls('some-token-value'))).toMatchObject({ code: 'insecure-url' });
    expect(r.settings.get().backendUrl).toBe(saved);
  });

  it('a DELETE retried after a 504 that then gets 404 is done (the first attempt deleted it); a first 404 is not', async () => {
    const s = await startServer((req, res, _b, i) =>
      req.url === '/api/v1/calls/gone'
        ? sendJson(res, 404, { detail: 'Call not found' })
        : i === 0
          ? sendJson(res, 504, { detail: 'Request timeout' })
          : sendJson(res, 404, { detail: 'Call not found' }),
    );
    try {
      const client = new BackendClient({ http: r.http, baseUrl: s.url });
      await expect(client.deleteCall('some-token-value', 'c-1')).resolves.toBeUndefined();
      expect(s.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
        'DELETE /api/v1/calls/c-1',
        'DELETE /api/v1/calls/c-1',
      ]);
      expect(await failure(client.deleteCall('some-token-value', 'gone'))).toMatchObject({
        code: 'not-found',
        service: 'backend',
      });
    } finally {
      await s.close();
    }
  });

  it('carries the X-Request-ID of backend errors', async () => {
    const { email, password } = r.fakes.credentials.backend;
    const { access_token: token } = await r.backend.login(email, password, false);
    r.fakes.faults.backend.set('GET /api/v1/calls', { kind: 'status', status: 502 });
    const err = await failure(r.backend.listCalls(token, { limit: 5 }));
    expect(err).toMatchObject({ code: 'server-error', service: 'backend' });
    expect(err.requestId).toMatch(/.+/);
    const log = readFileSync(join(r.dir, 'logs', 'ava-desk.log'), 'utf8');
    expect(log).toContain(`"requestId":"${err.requestId}"`);
  });
});
