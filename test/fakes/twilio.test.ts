import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { type TwilioFake, startTwilioFake } from './index';
import { buildWorld } from './worlds/builder';
import { clinicSpec, scaleSpec } from './worlds/catalog';
import { basic, http } from './test-helpers';

type Obj = Record<string, unknown>;

describe('Twilio fake', () => {
  let twilio: TwilioFake;
  const world = buildWorld(clinicSpec(), { seed: 3, anchor: Date.parse('2026-01-15T10:00:00Z') });
  const scale = buildWorld(scaleSpec({ assistants: 2, calls: 0 }), {
    seed: 3,
    anchor: Date.parse('2026-01-15T10:00:00Z'),
  });
  const clinic = world.twilioAccounts[0]!;
  const big = scale.twilioAccounts[0]!;
  const api = (sid: string) => `${twilio.url}/2010-04-01/Accounts/${sid}`;

  beforeAll(async () => {
    twilio = await startTwilioFake({
      accounts: [...world.twilioAccounts, big],
      clock: createFakeClock({ ticking: false }),
    });
  });
  afterAll(async () => {
    await twilio.close();
  });

  it('returns the account with Basic auth (SID + auth token)', async () => {
    const res = await http<Obj>(`${api(clinic.sid)}.json`, { headers: basic(clinic.sid, clinic.authToken) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sid: clinic.sid,
      friendly_name: 'Cabinet des Tilleuls',
      status: 'active',
      type: 'Full',
      owner_account_sid: clinic.sid,
      auth_token: clinic.authToken,
      uri: `/2010-04-01/Accounts/${clinic.sid}.json`,
    });
    expect(String(res.body.date_created)).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(res.body.subresource_uris).toMatchObject({
      incoming_phone_numbers: `/2010-04-01/Accounts/${clinic.sid}/IncomingPhoneNumbers.json`,
    });
  });

  it('accepts an API key SID and secret', async () => {
    const key = clinic.apiKeys[0]!;
    expect((await http(`${api(clinic.sid)}.json`, { headers: basic(key.sid, key.secret) })).status).toBe(200);
  });

  const badCredentials: [string, () => Record<string, string>][] = [
    ['a wrong token', () => basic(clinic.sid, '0'.repeat(32))],
    ['a wrong API-key secret', () => basic(clinic.apiKeys[0]!.sid, 'x'.repeat(32))],
    ['another account’s credentials', () => basic(big.sid, big.authToken)],
    ['no credentials', () => ({})],
    ['a bearer token', () => ({ authorization: `Bearer ${clinic.authToken}` })],
  ];
  it.each(
    badCredentials.flatMap(([label, headers]) =>
      ['.json', '/IncomingPhoneNumbers.json'].map((route) => [label, route, headers] as const),
    ),
  )('answers 401 with code 20003 for %s on Accounts/{Sid}%s', async (_label, route, headers) => {
    const res = await http<Obj>(`${api(clinic.sid)}${route}`, { headers: headers() });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it('lists incoming numbers with the contract’s fields', async () => {
    const res = await http<Obj>(`${api(clinic.sid)}/IncomingPhoneNumbers.json`, {
      headers: basic(clinic.sid, clinic.authToken),
    });
    expect(res.status).toBe(200);
    const numbers = res.body.incoming_phone_numbers as Obj[];
    expect(numbers.map((n) => n.phone_number)).toEqual(['+33478000000', '+33478000001']);
    for (const n of numbers) {
      expect(String(n.sid)).toMatch(/^PN[0-9a-f]{32}$/);
      expect(n).toEqual(
        expect.objectContaining({
          account_sid: clinic.sid,
          friendly_name: expect.any(String),
          voice_url: expect.any(String),
          voice_method: 'POST',
          sms_url: expect.any(String),
          status_callback: expect.any(String),
          voice_application_sid: expect.any(String),
          trunk_sid: null,
          capabilities: { voice: true, sms: true, mms: false, fax: false },
          status: 'in-use',
        }),
      );
    }
    const [imported, other] = numbers;
    expect(imported!.voice_url).toBe('https://api.vapi.ai/twilio/inbound_call');
    expect(other!.voice_url).not.toContain('api.vapi.ai');
    expect(res.body).toMatchObject({ page: 0, page_size: 50, start: 0, next_page_uri: null, previous_page_uri: null });
  });

  it('pages with PageSize/Page and a relative next_page_uri until it is null', async () => {
    const seen: string[] = [];
    let next: string | null = `/2010-04-01/Accounts/${big.sid}/IncomingPhoneNumbers.json?PageSize=40`;
    let pages = 0;
    while (next) {
      expect(next.startsWith('/2010-04-01/')).toBe(true);
      const res = await http<Obj>(`${twilio.url}${next}`, { headers: basic(big.sid, big.authToken) });
      expect(res.status).toBe(200);
      const page = res.body.incoming_phone_numbers as Obj[];
      expect(res.body.page).toBe(pages);
      expect(res.body.page_size).toBe(40);
      seen.push(...page.map((n) => String(n.sid)));
      next = res.body.next_page_uri as string | null;
      pages++;
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(pages).toBe(7);
  });

  it('caps PageSize at 1000 and defaults it to 50', async () => {
    const h = { headers: basic(big.sid, big.authToken) };
    expect((await http<Obj>(`${api(big.sid)}/IncomingPhoneNumbers.json`, h)).body.page_size).toBe(50);
    const res = await http<Obj>(`${api(big.sid)}/IncomingPhoneNumbers.json?PageSize=5000`, h);
    expect(res.body.page_size).toBe(1000);
    expect(res.body.incoming_phone_numbers as unknown[]).toHaveLength(250);
  });

  it('filters by PhoneNumber (with * wildcards) and FriendlyName', async () => {
    const h = { headers: basic(clinic.sid, clinic.authToken) };
    const one = await http<Obj>(`${api(clinic.sid)}/IncomingPhoneNumbers.json?PhoneNumber=%2B33478000001`, h);
    expect((one.body.incoming_phone_numbers as Obj[]).map((n) => n.phone_number)).toEqual(['+33478000001']);
    const wild = await http<Obj>(`${api(clinic.sid)}/IncomingPhoneNumbers.json?PhoneNumber=*0000*`, h);
    expect(wild.body.incoming_phone_numbers as unknown[]).toHaveLength(2);
    const named = await http<Obj>(
      `${api(clinic.sid)}/IncomingPhoneNumbers.json?FriendlyName=${encodeURIComponent('Ligne secrétariat')}`,
      h,
    );
    expect((named.body.incoming_phone_numbers as Obj[]).map((n) => n.phone_number)).toEqual(['+33478000001']);
  });

  it('answers Twilio’s 404 for unknown resources', async () => {
    const res = await http<Obj>(`${api(clinic.sid)}/Calls.json`, { headers: basic(clinic.sid, clinic.authToken) });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 20404, status: 404 });
  });
});
