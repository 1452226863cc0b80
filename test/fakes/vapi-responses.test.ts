/**
 * Every Vapi route the app uses, called over HTTP, answered by the fake, and checked against the response schema
 * of that operation as Vapi's OpenAPI document declares it (read from `paths`, not picked by hand).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { type Fakes, operationSchema, startFakes, validateResponse } from './index';
import { openApiDocument } from './vapi/openapi';
import { scaleSpec } from './worlds/catalog';
import { bearer, http } from './test-helpers';

type Obj = Record<string, unknown>;

/** The routes of the issue, as OpenAPI path templates. */
const APP_ROUTES = [
  ['GET', '/assistant'],
  ['POST', '/assistant'],
  ['GET', '/assistant/{id}'],
  ['PATCH', '/assistant/{id}'],
  ['DELETE', '/assistant/{id}'],
  ['GET', '/phone-number'],
  ['POST', '/phone-number'],
  ['GET', '/phone-number/{id}'],
  ['PATCH', '/phone-number/{id}'],
  ['DELETE', '/phone-number/{id}'],
  ['GET', '/call'],
  ['GET', '/call/{id}'],
] as const;

/**
 * Fields a client writes and the service must never send back: the Twilio credentials of an import (the contract
 * says to treat them as write-only) and every property the document marks `writeOnly`.
 */
function writeOnlyFields(): Set<string> {
  const names = new Set(['twilioAuthToken', 'twilioApiKey', 'twilioApiSecret']);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const props = (node as { properties?: Record<string, { writeOnly?: boolean }> }).properties;
      for (const [name, schema] of Object.entries(props ?? {})) if (schema?.writeOnly === true) names.add(name);
      Object.values(node).forEach(walk);
    }
  };
  walk(openApiDocument());
  return names;
}

/** Every key path of a JSON value whose key is in `names`. */
function keysIn(value: unknown, names: Set<string>, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysIn(v, names, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(names.has(k) ? [`${path}.${k}`] : []),
    ...keysIn(v, names, `${path}.${k}`),
  ]);
}

function expectValid(method: string, template: string, status: number, body: unknown): void {
  const errors = validateResponse(method, template, status, body);
  expect(errors.slice(0, 5), `${method} ${template} → ${status}`).toEqual([]);
}

describe('Vapi fake responses against the OpenAPI document', () => {
  let fakes: Fakes;
  const checked = new Set<string>();
  const responses: { route: string; body: unknown; text: string }[] = [];
  const clock = createFakeClock({ start: Date.parse('2026-05-04T09:00:00Z'), ticking: false });

  beforeAll(async () => {
    fakes = await startFakes({ clock });
  });
  afterAll(async () => {
    await fakes.close();
  });

  const call = async (method: string, template: string, path: string, body?: unknown): Promise<Obj> => {
    const res = await http<Obj>(`${fakes.vapi.url}${path}`, {
      method,
      headers: bearer(fakes.credentials.vapi.privateKey),
      ...(body !== undefined ? { body } : {}),
    });
    expect(res.status, `${method} ${path}: ${res.text.slice(0, 300)}`).toBeLessThan(300);
    expectValid(method, template, res.status, res.body);
    checked.add(`${method} ${template}`);
    responses.push({ route: `${method} ${template}`, body: res.body, text: res.text });
    return res.body;
  };

  it('every app route has a JSON response schema in the document', () => {
    for (const [method, template] of APP_ROUTES) {
      const status = method === 'POST' ? 201 : 200;
      expect(operationSchema(method, template, { response: status }), `${method} ${template}`).not.toBeNull();
    }
  });

  it('assistant routes', async () => {
    await call('GET', '/assistant', '/assistant?limit=1000');
    const created = await call('POST', '/assistant', '/assistant', {
      name: 'Schema check',
      firstMessage: 'Bonjour',
      model: { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'system', content: 'x' }] },
      voice: { provider: '11labs', voiceId: 'charlotte' },
      transcriber: { provider: 'deepgram', model: 'nova-3', language: 'fr' },
      server: { url: `${fakes.backend.url}/api/v1/webhooks/vapi`, headers: { 'x-vapi-secret': 's' } },
      serverMessages: ['end-of-call-report'],
      metadata: { user_id: fakes.credentials.backend.userId },
    });
    const id = String(created.id);
    await call('GET', '/assistant/{id}', `/assistant/${id}`);
    await call('PATCH', '/assistant/{id}', `/assistant/${id}`, { server: { url: 'https://hooks.example.com/x' } });
    await call('DELETE', '/assistant/{id}', `/assistant/${id}`);
    for (const a of fakes.world.orgs[0]!.assistants) await call('GET', '/assistant/{id}', `/assistant/${String(a.id)}`);
  });

  it('the 409 of a pinned assistant matches its declared schema', async () => {
    const [first] = fakes.vapi.control.assistants(fakes.credentials.vapi.orgId);
    fakes.vapi.control.pinAssistant(String(first!.id));
    const res = await http(`${fakes.vapi.url}/assistant/${String(first!.id)}`, {
      method: 'DELETE',
      headers: bearer(fakes.credentials.vapi.privateKey),
    });
    expect(res.status).toBe(409);
    expectValid('DELETE', '/assistant/{id}', 409, res.body);
    fakes.vapi.control.pinAssistant(String(first!.id), false);
  });

  it('phone number routes', async () => {
    await call('GET', '/phone-number', '/phone-number');
    const created = await call('POST', '/phone-number', '/phone-number', {
      provider: 'twilio',
      number: '+33478000001',
      twilioAccountSid: fakes.credentials.twilio.accountSid,
      twilioAuthToken: fakes.credentials.twilio.authToken,
      name: 'Secrétariat',
    });
    const id = String(created.id);
    await call('GET', '/phone-number/{id}', `/phone-number/${id}`);
    await call('PATCH', '/phone-number/{id}', `/phone-number/${id}`, { provider: 'twilio', smsEnabled: false });
    await call('PATCH', '/phone-number/{id}', `/phone-number/${id}`, {
      provider: 'twilio',
      twilioAuthToken: fakes.credentials.twilio.authToken,
    });
    await call('GET', '/phone-number', '/phone-number');
    await call('DELETE', '/phone-number/{id}', `/phone-number/${id}`);
    const tw = fakes.credentials.twilio;
    fakes.twilio.directory.addNumber(tw.accountSid, { phoneNumber: '+33478000088' });
    const byKey = await call('POST', '/phone-number', '/phone-number', {
      provider: 'twilio',
      number: '+33478000088',
      twilioAccountSid: tw.accountSid,
      twilioApiKey: tw.apiKeySid,
      twilioApiSecret: tw.apiKeySecret,
    });
    await call('GET', '/phone-number/{id}', `/phone-number/${String(byKey.id)}`);
    await call('GET', '/phone-number', '/phone-number');
  });

  it('call routes, for every call of the clinic world (legacy fields, live, failed and very long calls included)', async () => {
    const all = (await call('GET', '/call', '/call?limit=1000')) as unknown as Obj[];
    expect(all).toHaveLength(500);
    expect(all.some((c) => c.status === 'in-progress')).toBe(true);
    expect(all.some((c) => !c.startedAt)).toBe(true);
    expect(all.some((c) => typeof c.transcript === 'string')).toBe(true);
    expect(all.some((c) => ((c.artifact as Obj).messages as unknown[]).length > 200)).toBe(true);
    for (const c of all.slice(0, 25)) await call('GET', '/call/{id}', `/call/${String(c.id)}`);
    const placed = await fakes.vapi.control.placeCall({ assistantId: String(fakes.world.orgs[0]!.assistants[2]!.id) });
    await call('GET', '/call/{id}', `/call/${String(placed.call.id)}`);
    await call('GET', '/call', '/call?limit=5');
  });

  it('no write-only field (or credential) in any response, on every route', () => {
    const names = writeOnlyFields();
    // Found in the OpenAPI document itself (the Twilio credentials are added by hand: the document does not mark them).
    expect(names).toContain('secretAccessKey');
    expect(new Set(responses.map((r) => r.route))).toEqual(new Set(APP_ROUTES.map(([m, p]) => `${m} ${p}`)));
    const secrets = [
      ...fakes.world.twilioAccounts.flatMap((a) => [a.authToken, ...a.apiKeys.map((k) => k.secret)]),
      ...fakes.vapi.control.orgs().map((o) => o.privateKey),
    ];
    expect(secrets.length).toBeGreaterThan(3);
    for (const r of responses) {
      expect(keysIn(r.body, names), r.route).toEqual([]);
      for (const secret of secrets) expect(r.text.includes(secret), `${r.route} leaks a credential`).toBe(false);
    }
  });

  it('covered every route the app uses', () => {
    expect([...checked].sort()).toEqual(APP_ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });
});

describe('scale world responses against the OpenAPI document', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes({
      world: scaleSpec({ calls: 20_000 }),
      clock: createFakeClock({ start: Date.parse('2026-05-04T09:00:00Z'), ticking: false }),
    });
  });
  afterAll(async () => {
    await fakes.close();
  });

  it('serves prefetched pages identical to the calls generated directly', async () => {
    const key = fakes.credentials.vapi.privateKey;
    const gen = fakes.world.orgs[0]!.calls!;
    const urls = { vapi: fakes.vapi.url, backend: fakes.backend.url };
    let cursor: string | null = null;
    let index = gen.count - 1;
    for (let page = 0; page < 4; page++) {
      const q: string = cursor ? `&createdAtLt=${encodeURIComponent(cursor)}` : '';
      const res = await fetch(`${fakes.vapi.url}/call?limit=500${q}`, { headers: bearer(key) });
      const text = await res.text();
      const expected: string[] = [];
      for (let k = 0; k < 500; k++) expected.push(gen.buildJson(index - k, urls));
      expect(text).toBe(`[${expected.join(',')}]`);
      index -= 500;
      cursor = new Date(gen.createdAt(index + 1)).toISOString();
    }
  });

  it('pages of generated calls and the 1,000 assistants validate', async () => {
    const key = fakes.credentials.vapi.privateKey;
    const assistants = await http<Obj[]>(`${fakes.vapi.url}/assistant?limit=1000`, { headers: bearer(key) });
    expect(assistants.body).toHaveLength(1000);
    expectValid('GET', '/assistant', 200, assistants.body);
    const oldest = fakes.world.orgs[0]!.calls!;
    for (const before of [undefined, oldest.createdAt(10_000), oldest.createdAt(1_000)]) {
      const q = before ? `&createdAtLt=${encodeURIComponent(new Date(before).toISOString())}` : '';
      const page = await http<Obj[]>(`${fakes.vapi.url}/call?limit=300${q}`, { headers: bearer(key) });
      expect(page.body).toHaveLength(300);
      expectValid('GET', '/call', 200, page.body);
    }
  });
});
