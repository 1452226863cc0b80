import { getEventListeners } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { type Fakes, type PlacedCall, componentValidator, startFakes } from './index';
import { bearer, http } from './test-helpers';
import { deliverMessage } from './vapi/webhooks';

type Obj = Record<string, unknown>;

interface Received {
  headers: IncomingMessage['headers'];
  body: Obj;
  at: number;
}

/** A webhook receiver whose answers the test controls. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  answer: { status: number; delayMs: number };
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const answer = { status: 200, delayMs: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString()) as Obj,
        at: Date.now(),
      });
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(answer.status).end('{}');
      }, answer.delayMs);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answer,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('Vapi server messages (placing calls)', () => {
  let fakes: Fakes;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let org: { id: string; privateKey: string };
  const clock = createFakeClock({ start: Date.parse('2026-02-02T14:00:00Z'), ticking: false });

  beforeAll(async () => {
    fakes = await startFakes({ clock, deliveryTimeScale: 0.05 });
    receiver = await startReceiver();
    org = fakes.vapi.control.addOrg({ name: 'Webhook lab' });
  });
  afterAll(async () => {
    await receiver.close();
    await fakes.close();
  });
  afterEach(() => {
    receiver.received.length = 0;
    receiver.answer.status = 200;
    receiver.answer.delayMs = 0;
  });

  const api = async <T = Obj>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await http<T>(`${fakes.vapi.url}${path}`, {
      method,
      headers: bearer(org.privateKey),
      ...(body !== undefined ? { body } : {}),
    });
    expect(res.status, res.text).toBeLessThan(300);
    return res.body;
  };
  const assistant = (extra: Obj) => api<Obj>('POST', '/assistant', { name: 'Lab', ...extra });

  it('delivers status-update and end-of-call-report to assistant.server with its headers, in Vapi’s envelope', async () => {
    const a = await assistant({ server: { url: receiver.url, headers: { 'x-vapi-secret': 'topsecret' } } });
    const placed = await fakes.vapi.control.placeCall({
      assistantId: String(a.id),
      customer: { number: '+33600000001' },
    });
    expect(placed.target).toEqual({ source: 'assistant', url: receiver.url });
    expect(receiver.received.map((r) => (r.body.message as Obj).type)).toEqual([
      'status-update',
      'status-update',
      'end-of-call-report',
    ]);
    const envelope = componentValidator('ServerMessage');
    for (const r of receiver.received) {
      expect(Object.keys(r.body)).toEqual(['message']);
      expect(r.headers['x-vapi-secret']).toBe('topsecret');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(envelope(r.body), JSON.stringify(envelope.errors?.slice(0, 3))).toBe(true);
    }
    const report = receiver.received[2]!.body.message as Obj;
    expect((report.call as Obj).id).toBe(placed.call.id);
    expect(report.endedReason).toBe(placed.call.endedReason);
    expect((report.artifact as Obj).transcript).toBe((placed.call.artifact as Obj).transcript);
    expect((report.assistant as Obj).id).toBe(a.id);
    expect(placed.deliveries).toHaveLength(3);
    for (const d of placed.deliveries) {
      expect(d).toMatchObject({
        callId: placed.call.id,
        url: receiver.url,
        status: 200,
        attempt: 1,
        ok: true,
        headers: expect.objectContaining({ 'x-vapi-secret': 'topsecret' }),
      });
      expect(d.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(fakes.vapi.control.deliveries({ callId: String(placed.call.id) })).toHaveLength(3);
  });

  it('sends only the types listed in serverMessages', async () => {
    const a = await assistant({ server: { url: receiver.url }, serverMessages: ['status-update', 'hang'] });
    const placed = await fakes.vapi.control.placeCall({ assistantId: String(a.id) });
    expect(receiver.received.map((r) => (r.body.message as Obj).type)).toEqual(['status-update', 'status-update']);
    expect(placed.skipped).toEqual([
      { callId: placed.call.id, type: 'end-of-call-report', reason: 'not-in-serverMessages' },
    ]);
  });

  it('picks the server by precedence: assistant, then phone number, then org', async () => {
    const orgHook = `${receiver.url}?who=org`;
    const phoneHook = `${receiver.url}?who=phone`;
    fakes.vapi.control.setOrgServer(org.id, { url: orgHook });
    const tw = fakes.credentials.twilio;
    fakes.twilio.directory.addNumber(tw.accountSid, { phoneNumber: '+33478555001' });
    const a = await assistant({});
    const phone = await api<Obj>('POST', '/phone-number', {
      provider: 'twilio',
      number: '+33478555001',
      twilioAccountSid: tw.accountSid,
      twilioAuthToken: tw.authToken,
      assistantId: a.id,
      server: { url: phoneHook },
    });
    const place = (): Promise<PlacedCall> =>
      fakes.vapi.control.placeCall({ assistantId: String(a.id), phoneNumberId: String(phone.id) });

    expect((await place()).target).toEqual({ source: 'phoneNumber', url: phoneHook });
    await api('PATCH', `/assistant/${String(a.id)}`, { server: { url: receiver.url } });
    expect((await place()).target).toEqual({ source: 'assistant', url: receiver.url });
    await api('PATCH', `/assistant/${String(a.id)}`, { server: null });
    await api('PATCH', `/phone-number/${String(phone.id)}`, { provider: 'twilio', server: null });
    const viaOrg = await place();
    expect(viaOrg.target).toEqual({ source: 'org', url: orgHook });
    expect(viaOrg.deliveries.every((d) => d.url === orgHook && d.ok)).toBe(true);
    fakes.vapi.control.setOrgServer(org.id, null);
    const nowhere = await place();
    expect(nowhere.target).toBeNull();
    expect(nowhere.deliveries).toEqual([]);
    expect(nowhere.skipped.map((s) => s.reason)).toEqual(['no-server-url', 'no-server-url', 'no-server-url']);
  });

  it('gives up at timeoutSeconds and does not retry without a backoffPlan', async () => {
    receiver.answer.delayMs = 400; // timeoutSeconds 1 × deliveryTimeScale 0.05 = 50 ms
    const a = await assistant({
      server: { url: receiver.url, timeoutSeconds: 1 },
      serverMessages: ['end-of-call-report'],
    });
    const placed = await fakes.vapi.control.placeCall({ assistantId: String(a.id) });
    expect(placed.deliveries).toHaveLength(1);
    expect(placed.deliveries[0]).toMatchObject({ ok: false, attempt: 1, error: expect.stringMatching(/^timeout/) });
  });

  it('cuts a delivery at 20 s when server.timeoutSeconds is unset', async () => {
    const a = await assistant({ server: { url: receiver.url }, serverMessages: ['end-of-call-report'] });
    receiver.answer.delayMs = 600; // under 20 s × deliveryTimeScale 0.05 = 1000 ms
    const inTime = await fakes.vapi.control.placeCall({ assistantId: String(a.id) });
    expect(inTime.deliveries).toEqual([expect.objectContaining({ ok: true, status: 200, attempt: 1 })]);
    receiver.answer.delayMs = 1_600;
    const late = await fakes.vapi.control.placeCall({ assistantId: String(a.id) });
    expect(late.deliveries).toHaveLength(1);
    expect(late.deliveries[0]).toMatchObject({ ok: false, attempt: 1, error: 'timeout after 1000 ms' });
    expect(late.deliveries[0]!.durationMs).toBeGreaterThanOrEqual(950);
  });

  it('puts the call’s endedReason on the ended status-update', async () => {
    const a = await assistant({ server: { url: receiver.url }, serverMessages: ['status-update'] });
    const placed = await fakes.vapi.control.placeCall({ assistantId: String(a.id), endedReason: 'silence-timed-out' });
    expect(placed.call.endedReason).toBe('silence-timed-out');
    const messages = receiver.received.map((r) => r.body.message as Obj);
    expect(messages.map((m) => [m.type, m.status])).toEqual([
      ['status-update', 'in-progress'],
      ['status-update', 'ended'],
    ]);
    expect(messages[1]!.endedReason).toBe('silence-timed-out');
    expect(messages[0]).not.toHaveProperty('endedReason');
  });

  it('does not retry a failed delivery without a backoffPlan', async () => {
    receiver.answer.status = 500;
    const a = await assistant({ server: { url: receiver.url }, serverMessages: ['end-of-call-report'] });
    const placed = await fakes.vapi.control.placeCall({ assistantId: String(a.id) });
    expect(placed.deliveries.map((d) => [d.status, d.attempt, d.ok])).toEqual([[500, 1, false]]);
    expect(receiver.received).toHaveLength(1);
  });

  it('retries per backoffPlan (fixed and exponential), except for excluded status codes', async () => {
    receiver.answer.status = 503;
    const fixed = await assistant({
      server: { url: receiver.url, backoffPlan: { type: 'fixed', maxRetries: 2, baseDelaySeconds: 1 } },
      serverMessages: ['end-of-call-report'],
    });
    const p1 = await fakes.vapi.control.placeCall({ assistantId: String(fixed.id) });
    expect(p1.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(40); // 1 s × 0.05

    receiver.received.length = 0;
    const expo = await assistant({
      server: { url: receiver.url, backoffPlan: { type: 'exponential', maxRetries: 3, baseDelaySeconds: 1 } },
      serverMessages: ['end-of-call-report'],
    });
    const p2 = await fakes.vapi.control.placeCall({ assistantId: String(expo.id) });
    expect(p2.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
    const t = receiver.received.map((r) => r.at);
    expect(t[3]! - t[2]!).toBeGreaterThanOrEqual(180); // 4 × 50 ms
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(40); // 1 × 50 ms

    receiver.received.length = 0;
    const excluded = await assistant({
      server: {
        url: receiver.url,
        backoffPlan: { type: 'fixed', maxRetries: 5, baseDelaySeconds: 0, excludedStatusCodes: [503] },
      },
      serverMessages: ['end-of-call-report'],
    });
    const p3 = await fakes.vapi.control.placeCall({ assistantId: String(excluded.id) });
    expect(p3.deliveries).toHaveLength(1);

    receiver.answer.status = 200;
    const p4 = await fakes.vapi.control.placeCall({ assistantId: String(fixed.id) });
    expect(p4.deliveries.map((d) => [d.attempt, d.ok])).toEqual([[1, true]]);
  });

  it('never leaves the machine: a public URL fails like an unreachable host', async () => {
    const legacy = fakes.world.orgs[0]!.assistants.find((a) => a.name === 'Accueil (ancien backend)')!;
    const placed = await fakes.vapi.control.placeCall({ assistantId: String(legacy.id) });
    expect(placed.target?.url).toBe('https://ava-backend-legacy.onrender.com/api/v1/webhooks/vapi');
    expect(placed.deliveries.length).toBe(3);
    for (const d of placed.deliveries) expect(d.error).toMatch(/ENOTFOUND ava-backend-legacy\.onrender\.com/);
  });

  it('places calls over HTTP too, and lists deliveries there', async () => {
    const a = await assistant({ server: { url: receiver.url } });
    const res = await http<{ call: Obj; deliveries: unknown[] }>(`${fakes.vapi.url}/__control/calls`, {
      method: 'POST',
      body: { assistantId: a.id, language: 'en', scenario: 'book' },
    });
    expect(res.status).toBe(201);
    expect(res.body.deliveries).toHaveLength(3);
    const listed = await http<{ attempts: unknown[] }>(
      `${fakes.vapi.url}/__control/deliveries?callId=${String(res.body.call.id)}`,
    );
    expect(listed.body.attempts).toHaveLength(3);
    expect((res.body.call.analysis as Obj).summary).toMatch(/book/i);
  });
});

describe('clinic world: what reaches the backend fake', () => {
  let fakes: Fakes;
  const clock = createFakeClock({ start: Date.parse('2026-02-02T14:00:00Z'), ticking: false });
  beforeAll(async () => {
    fakes = await startFakes({ clock });
  });
  afterAll(async () => {
    await fakes.close();
  });
  const byName = (name: string) => String(fakes.world.orgs[0]!.assistants.find((a) => a.name === name)!.id);

  it('the secret-header assistant delivers status updates with its secret but never the end-of-call report', async () => {
    const placed = await fakes.vapi.control.placeCall({ assistantId: byName('Secrétariat – ordonnances') });
    expect(placed.deliveries.map((d) => d.type)).toEqual(['status-update', 'status-update']);
    expect(placed.deliveries[0]!.headers['x-vapi-secret']).toBe('whsec_tilleuls_5f3a9c2e7b');
    expect(placed.deliveries[0]!.url).toBe(`${fakes.backend.url}/api/v1/webhooks/vapi`);
    expect(placed.skipped.map((s) => s.type)).toEqual(['end-of-call-report']);
  });

  it('the correct assistant reaches the deployed receiver, which answers 200 and saves nothing', async () => {
    const placed = await fakes.vapi.control.placeCall({ assistantId: byName('Ava – accueil principal') });
    expect(placed.deliveries.map((d) => [d.type, d.status])).toEqual([
      ['status-update', 200],
      ['status-update', 200],
      ['end-of-call-report', 200],
    ]);
    expect(fakes.backend.control.calls().some((r) => r.id === placed.call.id)).toBe(false);
    expect(fakes.truth.missingFromBackend().map((m) => m.id)).toContain(placed.call.id);
  });

  it('with the fixed receiver, the report is saved for the tenant named in assistant.metadata.user_id', async () => {
    fakes.backend.control.setSwitches({ fixedWebhookReceiver: true });
    const placed = await fakes.vapi.control.placeCall({ assistantId: byName('Ava – accueil principal') });
    const row = fakes.backend.control.calls().find((r) => r.id === placed.call.id);
    expect(row?.userId).toBe(fakes.credentials.backend.userId);
    expect(row?.transcript).toMatch(/^System: /);
    expect(row?.transcript).toContain('\n\nAVA: ');
    expect(fakes.truth.missingFromBackend().map((m) => m.id)).not.toContain(placed.call.id);
    fakes.backend.control.setSwitches({ fixedWebhookReceiver: false });
  });
});

describe('delivery abort listeners', () => {
  it('many deliveries (answered, failed, retried, timed out) leave the shared signal’s listener count flat', async () => {
    const receiver = await startReceiver();
    const closing = new AbortController();
    const listeners = () => getEventListeners(closing.signal, 'abort').length;
    const options = { timeScale: 0.01, now: () => Date.now(), signal: closing.signal };
    const message = { type: 'status-update', status: 'ended' };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 25; i++) {
        const [attempt] = await deliverMessage('c1', message, { url: receiver.url }, options);
        expect(attempt!.ok).toBe(true);
      }
      expect(listeners()).toBe(0);
      receiver.answer.status = 503;
      const retried = await deliverMessage(
        'c2',
        message,
        { url: receiver.url, backoffPlan: { type: 'fixed', maxRetries: 10, baseDelaySeconds: 0.1 } },
        options,
      );
      expect(retried).toHaveLength(11);
      expect(listeners()).toBe(0);
      receiver.answer.status = 200;
      receiver.answer.delayMs = 200;
      for (let i = 0; i < 12; i++) {
        const [attempt] = await deliverMessage('c3', message, { url: receiver.url, timeoutSeconds: 1 }, options);
        expect(attempt!.error).toMatch(/^timeout/);
      }
      expect(listeners()).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      closing.abort();
      await receiver.close();
    }
  });
});

describe('closing the Vapi fake', () => {
  it('abandons deliveries to a receiver that never answers', async () => {
    const fakes = await startFakes({ world: 'empty', clock: createFakeClock({ ticking: false }) });
    const receiver = await startReceiver();
    receiver.answer.delayMs = 60_000;
    try {
      const org = fakes.vapi.control.addOrg({ name: 'Slow' });
      const created = await http<Obj>(`${fakes.vapi.url}/assistant`, {
        method: 'POST',
        headers: bearer(org.privateKey),
        body: { server: { url: receiver.url, timeoutSeconds: 300 } },
      });
      const placed = await fakes.vapi.control.placeCall({
        assistantId: String(created.body.id),
        waitForDeliveries: false,
      });
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      await fakes.close();
      expect(performance.now() - started).toBeLessThan(3_000);
      const attempts = await placed.done;
      expect(attempts[0]?.error).toMatch(/aborted/);
    } finally {
      await receiver.close();
    }
  });
});
