import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { type Fakes, INVALID_KEY_MESSAGE, startFakes } from './index';
import { queryParameters } from './vapi/openapi';
import { bearer, http } from './test-helpers';

type Obj = Record<string, unknown>;

const MINIMAL_ASSISTANT = {
  name: 'Test desk',
  model: { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'system', content: 'You help.' }] },
  voice: { provider: '11labs', voiceId: 'paula' },
};

describe('Vapi fake', () => {
  let fakes: Fakes;
  let url: string;
  let key: string;
  const clock = createFakeClock({ start: Date.parse('2026-03-10T10:00:00Z'), ticking: false });

  beforeAll(async () => {
    fakes = await startFakes({ clock });
    url = fakes.vapi.url;
    key = fakes.credentials.vapi.privateKey;
  });
  afterAll(async () => {
    await fakes.close();
  });

  const get = <T = unknown>(path: string, token = key) => http<T>(`${url}${path}`, { headers: bearer(token) });
  const send = <T = unknown>(method: string, path: string, body: unknown, token = key) =>
    http<T>(`${url}${path}`, { method, headers: bearer(token), body });

  describe('auth', () => {
    it('accepts the org private key', async () => {
      expect((await get('/assistant?limit=1')).status).toBe(200);
    });

    it.each([
      ['the public key', () => fakes.credentials.vapi.publicKey],
      ['an unknown key', () => '00000000-0000-4000-8000-000000000000'],
    ])('answers 401 with Vapi’s body for %s', async (_label, token) => {
      const res = await get('/assistant?limit=1', token());
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: INVALID_KEY_MESSAGE, error: 'Unauthorized', statusCode: 401 });
    });

    it('answers 401 without an Authorization header', async () => {
      const res = await http(`${url}/call`);
      expect(res.status).toBe(401);
    });

    it('keeps orgs apart: each key sees only its own org', async () => {
      const bakery = fakes.credentials.vapiOrgs.find((o) => o.key === 'bakery')!;
      const mine = (await get<Obj[]>('/assistant')).body.map((a) => a.orgId);
      const theirs = (await get<Obj[]>('/assistant', bakery.privateKey)).body.map((a) => a.orgId);
      expect(new Set(mine)).toEqual(new Set([fakes.credentials.vapi.orgId]));
      expect(new Set(theirs)).toEqual(new Set([bakery.orgId]));
    });
  });

  describe('lists', () => {
    it('returns bare arrays, newest first', async () => {
      const res = await get<Obj[]>('/call?limit=50');
      expect(Array.isArray(res.body)).toBe(true);
      const times = res.body.map((c) => Date.parse(String(c.createdAt)));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('defaults limit to 100 and caps it at 1000', async () => {
      expect((await get<Obj[]>('/call')).body).toHaveLength(100);
      expect((await get<Obj[]>('/call?limit=1000')).body).toHaveLength(500);
      const over = await get<Obj>('/call?limit=1001');
      expect(over.status).toBe(400);
      expect(over.body).toEqual({
        message: ['limit must not be greater than 1000'],
        error: 'Bad Request',
        statusCode: 400,
      });
      expect((await get('/assistant?limit=-1')).status).toBe(400);
      expect((await get('/assistant?limit=abc')).status).toBe(400);
      expect((await get<Obj[]>('/assistant?limit=0')).body).toEqual([]);
    });

    it('takes its query parameters from the document: every declared one is accepted', async () => {
      const filters = [
        'createdAtGt',
        'createdAtLt',
        'createdAtGe',
        'createdAtLe',
        'updatedAtGt',
        'updatedAtLt',
        'updatedAtGe',
        'updatedAtLe',
      ];
      const expected: Record<string, string[]> = {
        '/assistant': ['limit', ...filters],
        '/phone-number': ['limit', ...filters],
        '/call': ['id', 'assistantId', 'phoneNumberId', 'limit', ...filters],
      };
      for (const [path, names] of Object.entries(expected)) {
        const declared = queryParameters('GET', path);
        expect(declared.map((p) => p.name).sort()).toEqual([...names].sort());
        expect(declared.find((p) => p.name === 'limit')).toMatchObject({ minimum: 0, maximum: 1000 });
        const value = (name: string, format?: string): string =>
          name === 'limit'
            ? '5'
            : format !== 'date-time'
              ? 'x'
              : /(Lt|Le)$/.test(name)
                ? '2100-01-01T00:00:00.000Z'
                : '2000-01-01T00:00:00.000Z';
        const query = declared.map((p) => `${p.name}=${value(p.name, p.format)}`).join('&');
        expect((await get(`${path}?${query}`)).status, path).toBe(200);
      }
    });

    it('rejects query parameters Vapi does not declare', async () => {
      const res = await get<Obj>('/assistant?page=2');
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['property page should not exist']);
    });

    it('pages with createdAtLt through every call without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page: Obj[] = (
          await get<Obj[]>(`/call?limit=120${cursor ? `&createdAtLt=${encodeURIComponent(cursor)}` : ''}`)
        ).body;
        seen.push(...page.map((c) => String(c.id)));
        if (page.length < 120) break;
        cursor = String(page[page.length - 1]!.createdAt);
      }
      expect(seen).toHaveLength(500);
      expect(new Set(seen).size).toBe(500);
    });

    /**
     * The eight filters against brute force over the whole list (ids and order, not just counts), with pivots in the
     * middle of the list and among the latest updates; then `limit` on a filtered list, and a malformed date.
     */
    const expectListFilters = async (path: string, token: string): Promise<void> => {
      const all = (await get<Obj[]>(`${path}?limit=1000`, token)).body;
      expect(all.length, path).toBeGreaterThan(100);
      const rows = all.map((o) => ({
        id: o.id,
        c: Date.parse(String(o.createdAt)),
        u: Date.parse(String(o.updatedAt)),
      }));
      expect(
        rows.map((r) => r.c),
        `${path} newest first`,
      ).toEqual(rows.map((r) => r.c).sort((a, b) => b - a));
      expect(new Set(rows.map((r) => r.u)).size, `${path} needs several updatedAt values`).toBeGreaterThan(10);
      const ids = async (q: string) => (await get<Obj[]>(`${path}?limit=1000&${q}`, token)).body.map((o) => o.id);
      const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
      const mid = rows[Math.floor(rows.length / 2)]!;
      // A second updatedAt pivot among the latest updates (objects updated after creation, for the lab org's lists).
      const late = [...rows].sort((a, b) => a.u - b.u)[Math.floor(rows.length * 0.85)]!.u;
      const cases: [string, (r: (typeof rows)[number]) => boolean][] = [
        [`createdAtGt=${iso(mid.c)}`, (r) => r.c > mid.c],
        [`createdAtGe=${iso(mid.c)}`, (r) => r.c >= mid.c],
        [`createdAtLt=${iso(mid.c)}`, (r) => r.c < mid.c],
        [`createdAtLe=${iso(mid.c)}`, (r) => r.c <= mid.c],
      ];
      for (const u of [mid.u, late]) {
        cases.push(
          [`updatedAtGt=${iso(u)}`, (r) => r.u > u],
          [`updatedAtGe=${iso(u)}`, (r) => r.u >= u],
          [`updatedAtLt=${iso(u)}`, (r) => r.u < u],
          [`updatedAtLe=${iso(u)}`, (r) => r.u <= u],
        );
      }
      for (const [q, keep] of cases) expect(await ids(q), `${path}?${q}`).toEqual(rows.filter(keep).map((r) => r.id));
      const limited = (await get<Obj[]>(`${path}?limit=5&createdAtLt=${iso(mid.c)}`, token)).body.map((o) => o.id);
      expect(limited).toEqual(
        rows
          .filter((r) => r.c < mid.c)
          .slice(0, 5)
          .map((r) => r.id),
      );
      const bad = await get<Obj>(`${path}?createdAtLt=yesterday`, token);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toEqual(['createdAtLt must be a valid ISO 8601 date string']);
    };

    it('applies the eight createdAt/updatedAt filters with the right bounds', async () => {
      await expectListFilters('/call', key);
    });

    describe('assistant and phone-number lists (an org with 120 of each, some updated later)', () => {
      const COUNT = 120;
      let lab: { privateKey: string };
      beforeAll(async () => {
        lab = fakes.vapi.control.addOrg({ name: 'List lab' });
        const tw = fakes.credentials.twilio;
        const assistantIds: string[] = [];
        const phoneIds: string[] = [];
        for (let i = 0; i < COUNT; i++) {
          const a = await send<Obj>('POST', '/assistant', { name: `Lab ${i}` }, lab.privateKey);
          expect(a.status).toBe(201);
          assistantIds.push(String(a.body.id));
          const number = `+3347911${String(i).padStart(4, '0')}`;
          fakes.twilio.directory.addNumber(tw.accountSid, { phoneNumber: number });
          const p = await send<Obj>(
            'POST',
            '/phone-number',
            { provider: 'twilio', number, twilioAccountSid: tw.accountSid, twilioAuthToken: tw.authToken },
            lab.privateKey,
          );
          expect(p.status, p.text).toBe(201);
          phoneIds.push(String(p.body.id));
        }
        // Update every third object, oldest last, so updatedAt order differs from createdAt order.
        clock.advance(1_000);
        for (let i = COUNT - 1; i >= 0; i -= 3) {
          clock.advance(1);
          expect(
            (await send('PATCH', `/assistant/${assistantIds[i]!}`, { firstMessage: 'x' }, lab.privateKey)).status,
          ).toBe(200);
          const patched = await send(
            'PATCH',
            `/phone-number/${phoneIds[i]!}`,
            { provider: 'twilio', name: 'x' },
            lab.privateKey,
          );
          expect(patched.status).toBe(200);
        }
      });

      it.each(['/assistant', '/phone-number'])('%s: limit defaults to 100, newest first', async (path) => {
        const all = (await get<Obj[]>(`${path}?limit=1000`, lab.privateKey)).body;
        expect(all).toHaveLength(COUNT);
        const page = (await get<Obj[]>(path, lab.privateKey)).body;
        expect(page.map((o) => o.id)).toEqual(all.slice(0, 100).map((o) => o.id));
        const times = page.map((o) => Date.parse(String(o.createdAt)));
        expect(times).toEqual([...times].sort((a, b) => b - a));
        expect((await get<Obj[]>(`${path}?limit=3`, lab.privateKey)).body).toEqual(all.slice(0, 3));
      });

      it.each(['/assistant', '/phone-number'])('%s: the eight createdAt/updatedAt filters', async (path) => {
        await expectListFilters(path, lab.privateKey);
      });
    });

    it('filters calls by id, assistantId and phoneNumberId', async () => {
      const all = (await get<Obj[]>('/call?limit=1000')).body;
      const one = all[7]!;
      expect((await get<Obj[]>(`/call?id=${String(one.id)}`)).body.map((c) => c.id)).toEqual([one.id]);
      const aid = String(one.assistantId);
      const byAssistant = (await get<Obj[]>(`/call?limit=1000&assistantId=${aid}`)).body;
      expect(byAssistant.length).toBe(all.filter((c) => c.assistantId === aid).length);
      const pid = String(one.phoneNumberId);
      const byPhone = (await get<Obj[]>(`/call?limit=1000&phoneNumberId=${pid}`)).body;
      expect(byPhone.length).toBe(all.filter((c) => c.phoneNumberId === pid).length);
    });

    it('lists assistants and phone numbers with the same filters', async () => {
      const assistants = (await get<Obj[]>('/assistant')).body;
      expect(assistants).toHaveLength(3);
      const oldest = assistants[assistants.length - 1]!;
      const newer = await get<Obj[]>(`/assistant?createdAtGt=${encodeURIComponent(String(oldest.createdAt))}`);
      expect(newer.body).toHaveLength(2);
      const numbers = (await get<Obj[]>('/phone-number')).body;
      expect(numbers).toHaveLength(1);
      expect(numbers[0]!.number).toBe('+33478000000');
    });
  });

  describe('assistants', () => {
    it('creates (201), reads, patches and deletes (200 with the whole object)', async () => {
      const created = await send<Obj>('POST', '/assistant', MINIMAL_ASSISTANT);
      expect(created.status).toBe(201);
      const id = String(created.body.id);
      expect(created.body).toMatchObject({ ...MINIMAL_ASSISTANT, orgId: fakes.credentials.vapi.orgId });
      expect(created.body.createdAt).toBe(new Date(clock.now()).toISOString());
      expect((await get<Obj>(`/assistant/${id}`)).body).toEqual(created.body);
      const patched = await send<Obj>('PATCH', `/assistant/${id}`, { firstMessage: 'Bonjour !' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ ...MINIMAL_ASSISTANT, firstMessage: 'Bonjour !' });
      const deleted = await send<Obj>('DELETE', `/assistant/${id}`, undefined);
      expect(deleted.status).toBe(200);
      expect(deleted.body.id).toBe(id);
      expect((await get(`/assistant/${id}`)).status).toBe(404);
    });

    it('replaces nested objects whole on PATCH: {server:{url}} drops the headers', async () => {
      const created = await send<Obj>('POST', '/assistant', {
        ...MINIMAL_ASSISTANT,
        server: { url: 'https://hooks.example.com/a', headers: { 'x-vapi-secret': 's3cr3t' }, timeoutSeconds: 12 },
      });
      const id = String(created.body.id);
      const patched = await send<Obj>('PATCH', `/assistant/${id}`, { server: { url: 'https://hooks.example.com/b' } });
      expect(patched.body.server).toEqual({ url: 'https://hooks.example.com/b' });
      expect(patched.body.model).toEqual(MINIMAL_ASSISTANT.model);
    });

    it('treats null as "remove this field" on PATCH', async () => {
      const created = await send<Obj>('POST', '/assistant', { ...MINIMAL_ASSISTANT, firstMessage: 'Hi' });
      const patched = await send<Obj>('PATCH', `/assistant/${String(created.body.id)}`, { firstMessage: null });
      expect(patched.status).toBe(200);
      expect(patched.body).not.toHaveProperty('firstMessage');
    });

    it('rejects unknown properties the way the whitelist does, nested ones with their parent path', async () => {
      const res = await send<Obj>('POST', '/assistant', {
        ...MINIMAL_ASSISTANT,
        serverUrl: 'https://hooks.example.com',
        server: { url: 'https://hooks.example.com', secret: 'x' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        message: ['property serverUrl should not exist', 'server.property secret should not exist'],
        error: 'Bad Request',
        statusCode: 400,
      });
      const patch = await send<Obj>('PATCH', `/assistant/${fakes.world.orgs[0]!.assistants[0]!.id as string}`, {
        id: 'x',
        isServerUrlSecretSet: true,
        model: { ...MINIMAL_ASSISTANT.model, messages: [{ role: 'system', content: 'x', secret: 1 }] },
      });
      expect(patch.status).toBe(400);
      expect(patch.body.message).toEqual([
        'property id should not exist',
        'property isServerUrlSecretSet should not exist',
        'model.messages.0.property secret should not exist',
      ]);
    });

    it('limits name to 40 characters', async () => {
      const res = await send<Obj>('POST', '/assistant', { ...MINIMAL_ASSISTANT, name: 'x'.repeat(41) });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['name must be shorter than or equal to 40 characters']);
      expect((await send('POST', '/assistant', { ...MINIMAL_ASSISTANT, name: 'x'.repeat(40) })).status).toBe(201);
    });

    it('validates nested DTOs against the OpenAPI schema (model provider, timeoutSeconds)', async () => {
      const res = await send<Obj>('POST', '/assistant', {
        model: { provider: 'not-a-provider', model: 'x' },
        server: { url: 'https://hooks.example.com', timeoutSeconds: 301 },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          expect.stringContaining('model.provider'),
          'server.timeoutSeconds must not be greater than 300',
        ]),
      );
    });

    it('accepts the documented backoffPlan although the document types it wrongly', async () => {
      const res = await send('POST', '/assistant', {
        server: {
          url: 'https://hooks.example.com',
          backoffPlan: { type: 'exponential', maxRetries: 3, baseDelaySeconds: 1, excludedStatusCodes: [400, 401] },
        },
      });
      expect(res.status).toBe(201);
    });

    it('requires https for server.url; http is allowed on loopback only behind the switch', async () => {
      const bad = await send<Obj>('POST', '/assistant', { server: { url: 'http://hooks.example.com/x' } });
      expect(bad.status).toBe(400);
      expect((bad.body.message as string[])[0]).toMatch(
        /^server\.url must be a valid URL\. Hot tip, the protocol should be https:\/\//,
      );
      expect((await send('POST', '/assistant', { server: { url: 'ftp://hooks.example.com/x' } })).status).toBe(400);
      expect((await send('POST', '/assistant', { server: { url: `${fakes.backend.url}/hook` } })).status).toBe(201);
      fakes.vapi.control.setOptions({ allowHttpLoopbackWebhooks: false });
      try {
        expect((await send('POST', '/assistant', { server: { url: `${fakes.backend.url}/hook` } })).status).toBe(400);
        expect((await send('POST', '/assistant', { server: { url: 'https://localhost/x' } })).status).toBe(400);
        expect((await send('POST', '/assistant', { server: { url: 'https://hooks.example.com/x' } })).status).toBe(201);
      } finally {
        fakes.vapi.control.setOptions({ allowHttpLoopbackWebhooks: true });
      }
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const missing = await get<Obj>('/assistant/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error: 'Not Found', statusCode: 404 });
      const malformed = await get<Obj>('/assistant/not-a-uuid');
      expect(malformed.status).toBe(400);
      expect(malformed.body.message).toBe('Validation failed (uuid is expected)');
    });

    it('answers 409 to deleting a pinned assistant', async () => {
      const created = await send<Obj>('POST', '/assistant', MINIMAL_ASSISTANT);
      fakes.vapi.control.pinAssistant(String(created.body.id));
      const res = await send<Obj>('DELETE', `/assistant/${String(created.body.id)}`, undefined);
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('assistant_pinned');
    });

    it('rejects a body that is not JSON with a plain-string message', async () => {
      const res = await http<Obj>(`${url}/assistant`, { method: 'POST', headers: bearer(key), body: '{"name":' });
      expect(res.status).toBe(400);
      expect(typeof res.body.message).toBe('string');
    });
  });

  describe('phone numbers and the Twilio import', () => {
    const tw = () => fakes.credentials.twilio;
    const twilioNumber = (n: string) =>
      fakes.twilio.directory.get(tw().accountSid)!.numbers.find((x) => x.phoneNumber === n)!;

    it('refuses a number that is not in the Twilio account, or with wrong credentials', async () => {
      const notThere = await send<Obj>('POST', '/phone-number', {
        provider: 'twilio',
        number: '+33499999999',
        twilioAccountSid: tw().accountSid,
        twilioAuthToken: tw().authToken,
      });
      expect(notThere.status).toBe(400);
      expect(String(notThere.body.message)).toContain('Number Not Found on Twilio');
      const wrongToken = await send<Obj>('POST', '/phone-number', {
        provider: 'twilio',
        number: '+33478000001',
        twilioAccountSid: tw().accountSid,
        twilioAuthToken: 'f'.repeat(32),
      });
      expect(String(wrongToken.body.message)).toContain('Number Not Found on Twilio');
    });

    it('refuses a number that is already imported', async () => {
      const res = await send<Obj>('POST', '/phone-number', {
        provider: 'twilio',
        number: '+33478000000',
        twilioAccountSid: tw().accountSid,
        twilioAuthToken: tw().authToken,
      });
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toMatch(/already/);
    });

    it('refuses a number already imported in another org', async () => {
      const bakery = fakes.credentials.vapiOrgs.find((o) => o.key === 'bakery')!;
      expect(bakery.orgId).not.toBe(fakes.credentials.vapi.orgId);
      const before = fakes.vapi.control.phoneNumbers(bakery.orgId).length;
      const res = await send<Obj>(
        'POST',
        '/phone-number',
        {
          provider: 'twilio',
          number: '+33478000000',
          twilioAccountSid: tw().accountSid,
          twilioAuthToken: tw().authToken,
        },
        bakery.privateKey,
      );
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toMatch(/already/);
      expect(fakes.vapi.control.phoneNumbers(bakery.orgId)).toHaveLength(before);
    });

    it('imports a number, rewrites its Twilio voice URL, never echoes the token, and PATCH needs provider', async () => {
      const before = twilioNumber('+33478000001');
      expect(before.voiceUrl).not.toContain('api.vapi.ai');
      const assistantId = String(fakes.world.orgs[0]!.assistants[2]!.id);
      const res = await send<Obj>('POST', '/phone-number', {
        provider: 'twilio',
        number: '+33478000001',
        twilioAccountSid: tw().accountSid,
        twilioAuthToken: tw().authToken,
        name: 'Secrétariat',
        assistantId,
        smsEnabled: false,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ provider: 'twilio', number: '+33478000001', assistantId, status: 'active' });
      expect(res.body).not.toHaveProperty('twilioAuthToken');
      const after = twilioNumber('+33478000001');
      expect(after.voiceUrl).toBe('https://api.vapi.ai/twilio/inbound_call');
      expect(after.smsUrl).not.toBe('https://api.vapi.ai/twilio/sms');

      const id = String(res.body.id);
      const noProvider = await send<Obj>('PATCH', `/phone-number/${id}`, { name: 'Ligne 2' });
      expect(noProvider.status).toBe(400);
      expect(noProvider.body.message).toEqual(['provider should not be empty']);
      const patched = await send<Obj>('PATCH', `/phone-number/${id}`, {
        provider: 'twilio',
        server: { url: 'https://hooks.example.com/pn' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.server).toEqual({ url: 'https://hooks.example.com/pn' });
      expect(patched.body.name).toBe('Secrétariat');
      expect((await send('DELETE', `/phone-number/${id}`, undefined)).status).toBe(200);
      expect((await get(`/phone-number/${id}`)).status).toBe(404);
    });

    it('limits name to 40 characters and requires an https server.url, on import (POST) and on PATCH', async () => {
      const number = fakes.twilio.directory.addNumber(tw().accountSid, { phoneNumber: '+33478000077' }).phoneNumber;
      const importBody = (extra: Obj) => ({
        provider: 'twilio',
        number,
        twilioAccountSid: tw().accountSid,
        twilioAuthToken: tw().authToken,
        ...extra,
      });
      const httpsMessage = /^server\.url must be a valid URL\. Hot tip, the protocol should be https:\/\//;

      const longName = await send<Obj>('POST', '/phone-number', importBody({ name: 'x'.repeat(41) }));
      expect(longName.status).toBe(400);
      expect(longName.body.message).toEqual(['name must be shorter than or equal to 40 characters']);
      for (const bad of ['http://hooks.example.com/pn', 'ftp://hooks.example.com/pn', 'hooks.example.com/pn']) {
        const res = await send<Obj>('POST', '/phone-number', importBody({ server: { url: bad } }));
        expect(res.status, bad).toBe(400);
        expect((res.body.message as string[])[0], bad).toMatch(httpsMessage);
      }
      expect(fakes.vapi.control.phoneNumbers().some((p) => p.number === number)).toBe(false);

      const created = await send<Obj>(
        'POST',
        '/phone-number',
        importBody({ name: 'x'.repeat(40), server: { url: 'https://hooks.example.com/pn' } }),
      );
      expect(created.status, created.text).toBe(201);
      const id = String(created.body.id);

      const patchLong = await send<Obj>('PATCH', `/phone-number/${id}`, { provider: 'twilio', name: 'y'.repeat(41) });
      expect(patchLong.status).toBe(400);
      expect(patchLong.body.message).toEqual(['name must be shorter than or equal to 40 characters']);
      const patchHttp = await send<Obj>('PATCH', `/phone-number/${id}`, {
        provider: 'twilio',
        server: { url: 'http://hooks.example.com/pn' },
      });
      expect(patchHttp.status).toBe(400);
      expect((patchHttp.body.message as string[])[0]).toMatch(httpsMessage);
      const unchanged = (await get<Obj>(`/phone-number/${id}`)).body;
      expect(unchanged.name).toBe('x'.repeat(40));
      expect(unchanged.server).toEqual({ url: 'https://hooks.example.com/pn' });

      const patched = await send<Obj>('PATCH', `/phone-number/${id}`, {
        provider: 'twilio',
        name: 'y'.repeat(40),
        server: { url: 'https://hooks.example.com/pn2' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ name: 'y'.repeat(40), server: { url: 'https://hooks.example.com/pn2' } });
      expect((await send('DELETE', `/phone-number/${id}`, undefined)).status).toBe(200);
    });

    it('rejects unknown properties on imports', async () => {
      const res = await send<Obj>('POST', '/phone-number', {
        provider: 'twilio',
        number: '+33478000001',
        twilioAccountSid: tw().accountSid,
        twilioAuthToken: tw().authToken,
        twilioPhoneNumber: '+33478000001',
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['property twilioPhoneNumber should not exist']);
    });

    it('accepts an API key and secret instead of the auth token', async () => {
      const extra = fakes.twilio.directory.addNumber(tw().accountSid, { phoneNumber: '+33478000099' });
      const res = await send<Obj>('POST', '/phone-number', {
        provider: 'twilio',
        number: extra.phoneNumber,
        twilioAccountSid: tw().accountSid,
        twilioApiKey: tw().apiKeySid,
        twilioApiSecret: tw().apiKeySecret,
      });
      expect(res.status).toBe(201);
      expect(twilioNumber('+33478000099').smsUrl).toBe('https://api.vapi.ai/twilio/sms');
    });
  });

  describe('calls', () => {
    it('returns one call by id, 404 for an unknown one', async () => {
      const [first] = (await get<Obj[]>('/call?limit=1')).body;
      const one = await get<Obj>(`/call/${String(first!.id)}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(first);
      expect((await get('/call/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });

    it('keeps other orgs’ calls out of reach', async () => {
      const bakery = fakes.credentials.vapiOrgs.find((o) => o.key === 'bakery')!;
      const [mine] = (await get<Obj[]>('/call?limit=1')).body;
      expect((await get(`/call/${String(mine!.id)}`, bakery.privateKey)).status).toBe(404);
      const theirs = (await get<Obj[]>('/call?limit=1000', bakery.privateKey)).body;
      expect(theirs).toHaveLength(12);
      expect(theirs.every((c) => c.orgId === bakery.orgId)).toBe(true);
    });

    it('builds realistic calls: artifact messages with timings, AI/User transcript, recording, analysis, cost', async () => {
      const calls = (await get<Obj[]>('/call?limit=1000')).body;
      const ended = calls.filter((c) => c.status === 'ended' && c.startedAt);
      expect(ended.length).toBeGreaterThan(450);
      const c = ended[3]!;
      const artifact = c.artifact as Obj;
      const messages = artifact.messages as Obj[];
      expect(messages[0]).toMatchObject({ role: 'system', secondsFromStart: 0 });
      for (const m of messages.slice(1)) {
        expect(['bot', 'user']).toContain(m.role);
        expect(m).toEqual(
          expect.objectContaining({
            message: expect.any(String),
            time: expect.any(Number),
            endTime: expect.any(Number),
            secondsFromStart: expect.any(Number),
            duration: expect.any(Number),
          }),
        );
      }
      const transcript = String(artifact.transcript ?? c.transcript);
      for (const line of transcript.split('\n').filter((l) => /^(AI|User): /.test(l))) {
        expect(line).toMatch(/^(AI|User): ./);
      }
      expect((artifact.recording as Obj).mono).toMatchObject({ combinedUrl: expect.stringMatching(/-mono\.wav$/) });
      expect(c.analysis).toMatchObject({
        summary: expect.any(String),
        successEvaluation: expect.stringMatching(/^(true|false)$/),
      });
      expect(typeof c.cost).toBe('number');
      expect((c.costBreakdown as Obj).total).toBe(c.cost);
      expect(Array.isArray(artifact.messagesOpenAIFormatted)).toBe(true);
    });

    it('serves recordings as WAV files', async () => {
      const [call] = (await get<Obj[]>('/call?limit=5')).body.filter((c) => (c.artifact as Obj).recording);
      const recUrl = ((call!.artifact as Obj).recording as { mono: { combinedUrl: string } }).mono.combinedUrl;
      expect(recUrl.startsWith(url)).toBe(true);
      const res = await fetch(recUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    });

    it('lists placed calls with the generated history, newest first', async () => {
      clock.advance(60_000);
      const placed = await fakes.vapi.control.placeCall({
        assistantId: String(fakes.world.orgs[0]!.assistants[2]!.id),
      });
      const [newest] = (await get<Obj[]>('/call?limit=1')).body;
      expect(newest!.id).toBe(placed.call.id);
      expect((await get<Obj>(`/call/${String(placed.call.id)}`)).body).toEqual(placed.call);
      const all = (await get<Obj[]>('/call?limit=1000')).body;
      expect(all).toHaveLength(501);
    });
  });
});
