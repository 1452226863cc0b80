import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, createFakeClock } from './lib/clock';
import { type Fakes, type WorldSpec, startFakes } from './index';
import { bearer, http } from './test-helpers';

describe('startFakes', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes();
  });
  afterAll(async () => {
    await fakes.close();
  });

  it('starts the three fakes on loopback with the clinic world and its credentials', async () => {
    for (const url of Object.values(fakes.credentials.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fakes.world.name).toBe('clinic');
    expect(fakes.credentials).toMatchObject({
      vapi: { privateKey: expect.any(String), publicKey: expect.any(String), orgId: expect.any(String) },
      twilio: { accountSid: expect.stringMatching(/^AC/), authToken: expect.any(String) },
      backend: {
        email: 'demo@cabinet-tilleuls.fr',
        phone: '+33612345678',
        password: expect.any(String),
        userId: expect.any(String),
      },
    });
    const res = await http<unknown[]>(`${fakes.vapi.url}/assistant`, {
      headers: bearer(fakes.credentials.vapi.privateKey),
    });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(3);
    const viaControl = await http(`${fakes.backend.url}/__control/credentials`);
    expect(viaControl.body).toEqual(fakes.credentials);
  });

  it('starts again in well under a second once warm', async () => {
    const started = performance.now();
    const again = await startFakes();
    const elapsed = performance.now() - started;
    await again.close();
    expect(elapsed).toBeLessThan(1000);
  });

  it('uses a ticking clock from the real time by default', () => {
    expect(fakes.clock.ticking).toBe(true);
    expect(Math.abs(fakes.clock.now() - Date.now())).toBeLessThan(1000);
  });
});

describe('one clock for the three fakes', () => {
  it('advancing it through any fake’s control route expires the backend’s tokens', async () => {
    const clock = createFakeClock({ start: Date.parse('2026-01-01T09:00:00Z'), ticking: false });
    const fakes = await startFakes({ world: 'empty', clock });
    try {
      const login = await http<{ access_token: string }>(`${fakes.backend.url}/api/v1/auth/login`, {
        method: 'POST',
        body: { identifier: fakes.credentials.backend.email, password: fakes.credentials.backend.password },
      });
      const me = () => http(`${fakes.backend.url}/api/v1/auth/me`, { headers: bearer(login.body.access_token) });
      expect((await me()).status).toBe(200);
      const moved = await http<{ now: number }>(`${fakes.vapi.url}/__control/clock`, {
        method: 'POST',
        body: { advanceMs: 16 * MINUTE },
      });
      expect(moved.body.now).toBe(Date.parse('2026-01-01T09:16:00Z'));
      expect(fakes.clock.now()).toBe(moved.body.now);
      expect((await me()).status).toBe(401);
      await http(`${fakes.twilio.url}/__control/clock`, { method: 'POST', body: { set: '2026-01-01T09:00:00Z' } });
      expect((await me()).status).toBe(200);
    } finally {
      await fakes.close();
    }
  });
});

describe('custom worlds from the scenario builder', () => {
  it('runs a hand-written spec', async () => {
    const spec: WorldSpec = {
      name: 'tiny',
      backendUsers: [{ key: 'me', email: 'me@example.fr', name: 'Moi', password: 'Password1', org: 'o' }],
      twilioAccounts: [{ key: 't', friendlyName: 'T', numbers: [{ number: '+33400000001' }] }],
      orgs: [
        {
          key: 'o',
          name: 'Org',
          assistants: [
            {
              key: 'a',
              name: 'Only one',
              server: { url: '{{backend}}/api/v1/webhooks/vapi' },
              tagWithUser: 'me',
              fates: { webhook: 1 },
            },
          ],
          phoneNumbers: [{ key: 'p', twilioAccount: 't', number: '+33400000001', assistant: 'a' }],
          calls: { count: 30, days: 5, tenant: 'me', junk: false },
        },
      ],
    };
    const fakes = await startFakes({ world: spec, seed: 9, clock: createFakeClock({ ticking: false }) });
    try {
      const key = fakes.credentials.vapi.privateKey;
      const [assistant] = (
        await http<{ server: { url: string } }[]>(`${fakes.vapi.url}/assistant`, { headers: bearer(key) })
      ).body;
      expect(assistant!.server.url).toBe(`${fakes.backend.url}/api/v1/webhooks/vapi`);
      expect((await http<unknown[]>(`${fakes.vapi.url}/call?limit=100`, { headers: bearer(key) })).body).toHaveLength(
        30,
      );
      expect(fakes.backend.control.calls(fakes.credentials.backend.userId)).toHaveLength(30);
      expect(fakes.truth.missingFromBackend()).toEqual([]);
    } finally {
      await fakes.close();
    }
  });
});

describe('closing', () => {
  it('returns promptly with stalled requests and slow webhook receivers in flight', async () => {
    const fakes = await startFakes({ world: 'clinic', clock: createFakeClock({ ticking: false }) });
    fakes.faults.vapi.set('*', { kind: 'stall' });
    fakes.faults.backend.set('POST /api/v1/webhooks/vapi', { kind: 'stall' });
    const stalled = fetch(`${fakes.vapi.url}/assistant`).catch((e: unknown) => e);
    const main = fakes.world.orgs[0]!.assistants.find((a) => String(a.name).startsWith('Ava'))!;
    const placing = fakes.vapi.control.placeCall({ assistantId: String(main.id), waitForDeliveries: false });
    await placing;
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await fakes.close();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await stalled).toBeInstanceOf(Error);
  });
});

describe('reset', () => {
  it('puts data, switches, options, faults and logs back to the world’s initial state (TS and HTTP)', async () => {
    const fakes = await startFakes({ clock: createFakeClock({ ticking: false }) });
    try {
      const key = fakes.credentials.vapi.privateKey;
      const userId = fakes.credentials.backend.userId;
      const initialRows = fakes.backend.control.calls(userId).length;
      await http(`${fakes.vapi.url}/assistant`, { method: 'POST', headers: bearer(key), body: { name: 'Extra' } });
      await http(`${fakes.vapi.url}/phone-number`, {
        method: 'POST',
        headers: bearer(key),
        body: {
          provider: 'twilio',
          number: '+33478000001',
          twilioAccountSid: fakes.credentials.twilio.accountSid,
          twilioAuthToken: fakes.credentials.twilio.authToken,
        },
      });
      const token = fakes.backend.control.issueTokens(userId).access_token;
      const [first] = fakes.backend.control.calls(userId);
      await http(`${fakes.backend.url}/api/v1/calls/${first!.id}`, { method: 'DELETE', headers: bearer(token) });
      fakes.backend.control.setSwitches({ fixedWebhookReceiver: true });
      fakes.vapi.control.setOptions({ allowHttpLoopbackWebhooks: false });
      fakes.faults.twilio.set('*', { kind: 'status', status: 500 });
      await fakes.vapi.control.placeCall({ assistantId: String(fakes.world.orgs[0]!.assistants[2]!.id) });

      expect((await http(`${fakes.twilio.url}/__control/reset`, { method: 'POST' })).status).toBe(204);
      expect(fakes.vapi.requests()).toEqual([]);

      const assistants = await http<unknown[]>(`${fakes.vapi.url}/assistant`, { headers: bearer(key) });
      expect(assistants.body).toHaveLength(3);
      expect((await http<unknown[]>(`${fakes.vapi.url}/phone-number`, { headers: bearer(key) })).body).toHaveLength(1);
      expect((await http<unknown[]>(`${fakes.vapi.url}/call?limit=1000`, { headers: bearer(key) })).body).toHaveLength(
        500,
      );
      const twilioNumber = fakes.twilio.directory
        .get(fakes.credentials.twilio.accountSid)!
        .numbers.find((n) => n.phoneNumber === '+33478000001')!;
      expect(twilioNumber.voiceUrl).not.toContain('api.vapi.ai');
      expect(fakes.backend.control.calls(userId)).toHaveLength(initialRows);
      expect(fakes.backend.control.switches().fixedWebhookReceiver).toBe(false);
      expect(fakes.vapi.control.deliveries()).toEqual([]);
      expect(fakes.faults.twilio.rules()).toEqual([]);
      const login = await http(`${fakes.backend.url}/api/v1/auth/login`, {
        method: 'POST',
        body: { identifier: fakes.credentials.backend.email, password: fakes.credentials.backend.password },
      });
      expect(login.status).toBe(200);
      const http80 = await http(`${fakes.vapi.url}/assistant`, {
        method: 'POST',
        headers: bearer(key),
        body: { server: { url: `${fakes.backend.url}/x` } },
      });
      expect(http80.status).toBe(201);
    } finally {
      await fakes.close();
    }
  });
});
