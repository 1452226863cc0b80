import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { type FaultController, type Fakes, startFakes } from './index';
import { basic, bearer, http } from './test-helpers';

interface Target {
  name: 'vapi' | 'twilio' | 'backend';
  faults: () => FaultController;
  url: () => string;
  other: () => string;
  headers: () => Record<string, string>;
  /** The service's error body for a status. */
  errorBody: (status: number) => unknown;
}

describe('fault injection', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes({ clock: createFakeClock({ ticking: false }), seed: 42 });
  });
  afterAll(async () => {
    await fakes.close();
  });
  afterEach(() => fakes.faults.clearAll());

  const targets: Target[] = [
    {
      name: 'vapi',
      faults: () => fakes.faults.vapi,
      url: () => `${fakes.vapi.url}/assistant`,
      other: () => `${fakes.vapi.url}/phone-number`,
      headers: () => bearer(fakes.credentials.vapi.privateKey),
      errorBody: (status) =>
        expect.objectContaining({ statusCode: status, error: expect.any(String), message: expect.any(String) }),
    },
    {
      name: 'twilio',
      faults: () => fakes.faults.twilio,
      url: () =>
        `${fakes.twilio.url}/2010-04-01/Accounts/${fakes.credentials.twilio.accountSid}/IncomingPhoneNumbers.json`,
      other: () => `${fakes.twilio.url}/2010-04-01/Accounts/${fakes.credentials.twilio.accountSid}.json`,
      headers: () => basic(fakes.credentials.twilio.accountSid, fakes.credentials.twilio.authToken),
      errorBody: (status) =>
        expect.objectContaining({
          code: expect.any(Number),
          message: expect.any(String),
          status,
          more_info: expect.any(String),
        }),
    },
    {
      name: 'backend',
      faults: () => fakes.faults.backend,
      url: () => `${fakes.backend.url}/api/v1/runtime/status`,
      other: () => `${fakes.backend.url}/healthz`,
      headers: () => ({}),
      errorBody: () => ({ detail: expect.any(String) }),
    },
  ];
  const pathOf = (url: string) => new URL(url).pathname;

  describe.each(targets)('$name', (t) => {
    it('answers 429 with Retry-After, in the service’s error shape, then recovers', async () => {
      t.faults().set(`GET ${pathOf(t.url())}`, { kind: 'status', status: 429, retryAfter: 7 }, { times: 1 });
      const res = await http(t.url(), { headers: t.headers() });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.body).toEqual(t.errorBody(429));
      if (t.name === 'backend') expect(res.headers.get('x-request-id')).toBeTruthy();
      expect((await http(t.url(), { headers: t.headers() })).status).toBe(200);
    });

    it('answers 429 without Retry-After', async () => {
      t.faults().set(pathOf(t.url()), { kind: 'status', status: 429 }, { times: 1 });
      const res = await http(t.url(), { headers: t.headers() });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeNull();
    });

    it.each([500, 502, 503])('answers %i', async (status) => {
      t.faults().set(pathOf(t.url()), { kind: 'status', status }, { times: 1 });
      const res = await http(t.url(), { headers: t.headers() });
      expect(res.status).toBe(status);
      expect(res.body).toEqual(t.errorBody(status));
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('adds latency', async () => {
      t.faults().set(pathOf(t.url()), { kind: 'latency', ms: 150 }, { times: 1 });
      const started = performance.now();
      const res = await http(t.url(), { headers: t.headers() });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('stalls until the client gives up', async () => {
      t.faults().set(pathOf(t.url()), { kind: 'stall' }, { times: 1 });
      const started = performance.now();
      await expect(fetch(t.url(), { headers: t.headers(), signal: AbortSignal.timeout(200) })).rejects.toThrow();
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect((await http(t.url(), { headers: t.headers() })).status).toBe(200);
    });

    it('resets the connection', async () => {
      t.faults().set(pathOf(t.url()), { kind: 'reset' }, { times: 1 });
      await expect(fetch(t.url(), { headers: t.headers() })).rejects.toThrow(/fetch failed/);
    });

    it('answers 200 with malformed JSON', async () => {
      t.faults().set(pathOf(t.url()), { kind: 'malformed' }, { times: 1 });
      const res = await fetch(t.url(), { headers: t.headers() });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(() => JSON.parse(text)).toThrow();
    });

    it('truncates the body: content-length announces more than arrives, then the connection closes', async () => {
      t.faults().set(pathOf(t.url()), { kind: 'truncated' }, { times: 1 });
      const res = await fetch(t.url(), { headers: t.headers() });
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1);
      await expect(res.text()).rejects.toThrow();
    });

    it('truncates the JSON itself with a matching content-length', async () => {
      const full = (await http(t.url(), { headers: t.headers() })).text;
      t.faults().set(pathOf(t.url()), { kind: 'truncated', variant: 'cut-json' }, { times: 1 });
      const res = await fetch(t.url(), { headers: t.headers() });
      const text = await res.text();
      expect(text.length).toBeLessThan(full.length);
      expect(full.startsWith(text)).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
    });

    it('only hits the route it was set on', async () => {
      t.faults().set(`GET ${pathOf(t.url())}`, { kind: 'status', status: 503 });
      expect((await http(t.url(), { headers: t.headers() })).status).toBe(503);
      expect((await http(t.other(), { headers: t.headers() })).status).toBe(200);
      t.faults().clear();
      expect((await http(t.url(), { headers: t.headers() })).status).toBe(200);
    });
  });

  it('hits "the next N" matching requests, then stops', async () => {
    const url = `${fakes.backend.url}/healthz`;
    fakes.faults.backend.set('GET /healthz', { kind: 'status', status: 500 }, { times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await http(url)).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect(fakes.faults.backend.rules()).toEqual([]);
  });

  it('draws probabilities from the seed: same seed, same pattern', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const f = await startFakes({ world: 'empty', seed, clock: createFakeClock({ ticking: false }) });
      try {
        f.faults.backend.set('GET /healthz', { kind: 'status', status: 503 }, { probability: 0.5 });
        const out: number[] = [];
        for (let i = 0; i < 24; i++) out.push((await http(`${f.backend.url}/healthz`)).status);
        return out;
      } finally {
        await f.close();
      }
    };
    const a = await pattern(7);
    const b = await pattern(7);
    const c = await pattern(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('repeats the same pattern, rule ids and Vapi ids after POST /__control/reset', async () => {
    const f = await startFakes({
      world: 'empty',
      seed: 11,
      clock: createFakeClock({ start: Date.parse('2026-04-01T08:00:00Z'), ticking: false }),
    });
    try {
      const h = bearer(f.credentials.vapi.privateKey);
      const run = async () => {
        const ruleId = f.faults.backend.set('GET /healthz', { kind: 'status', status: 503 }, { probability: 0.5 });
        const statuses: number[] = [];
        for (let i = 0; i < 24; i++) statuses.push((await http(`${f.backend.url}/healthz`)).status);
        const assistant = await http<{ id: string }>(`${f.vapi.url}/assistant`, {
          method: 'POST',
          headers: h,
          body: { name: 'Same id' },
        });
        const placed = await f.vapi.control.placeCall({ assistantId: assistant.body.id });
        return { ruleId, statuses, assistantId: assistant.body.id, callId: placed.call.id };
      };
      const first = await run();
      expect(first.statuses).toContain(503);
      expect(first.statuses).toContain(200);
      expect((await http(`${f.vapi.url}/__control/reset`, { method: 'POST' })).status).toBe(204);
      expect(await run()).toEqual(first);
    } finally {
      await f.close();
    }
  });

  it('matches routes by pattern and regex, and records what it injected', async () => {
    const id = String(fakes.world.orgs[0]!.assistants[0]!.id);
    fakes.faults.vapi.set('GET /assistant/:id', { kind: 'status', status: 502 }, { times: 1 });
    fakes.faults.vapi.set(/^PATCH \/phone-number\//, { kind: 'status', status: 500 }, { times: 1 });
    const h = bearer(fakes.credentials.vapi.privateKey);
    expect((await http(`${fakes.vapi.url}/assistant/${id}`, { headers: h })).status).toBe(502);
    expect((await http(`${fakes.vapi.url}/assistant`, { headers: h })).status).toBe(200);
    const pn = String(fakes.world.orgs[0]!.phoneNumbers[0]!.object.id);
    const patch = await http(`${fakes.vapi.url}/phone-number/${pn}`, {
      method: 'PATCH',
      headers: h,
      body: { provider: 'twilio' },
    });
    expect(patch.status).toBe(500);
    const history = fakes.faults.vapi.history().slice(-2);
    expect(history.map((e) => [e.method, e.path, e.fault.kind])).toEqual([
      ['GET', `/assistant/${id}`, 'status'],
      ['PATCH', `/phone-number/${pn}`, 'status'],
    ]);
    expect(
      fakes.vapi
        .requests()
        .slice(-3)
        .map((r) => r.status),
    ).toEqual([502, 200, 500]);
  });

  it('is driven over HTTP through /__control/faults too', async () => {
    const set = await http<{ id: number }>(`${fakes.twilio.url}/__control/faults`, {
      method: 'POST',
      body: { match: 'GET /2010-04-01/**', fault: { kind: 'status', status: 429, retryAfter: 1 }, times: 1 },
    });
    expect(set.status).toBe(201);
    const t = targets[1]!;
    expect((await http(t.url(), { headers: t.headers() })).status).toBe(429);
    await http(`${fakes.twilio.url}/__control/faults`, {
      method: 'POST',
      body: { match: { regex: 'IncomingPhoneNumbers' }, fault: { kind: 'status', status: 500 } },
    });
    expect((await http(t.url(), { headers: t.headers() })).status).toBe(500);
    const listed = await http<{ rules: unknown[]; history: unknown[] }>(`${fakes.twilio.url}/__control/faults`);
    expect(listed.body.rules).toHaveLength(1);
    expect(listed.body.history.length).toBeGreaterThanOrEqual(2);
    expect((await http(`${fakes.twilio.url}/__control/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await http(t.url(), { headers: t.headers() })).status).toBe(200);
    const bad = await http(`${fakes.twilio.url}/__control/faults`, {
      method: 'POST',
      body: { match: '*', fault: { kind: 'boom' } },
    });
    expect(bad.status).toBe(400);
  });
});
