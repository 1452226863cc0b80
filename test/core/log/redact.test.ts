import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, isSecretKey } from '../../../src/main/core/log/redact';

describe('Redactor', () => {
  it('removes registered values and their encoded forms', () => {
    const r = new Redactor();
    const key = 'sk_live_9f3c2a/+b=7Q"x';
    r.addSecret(key);
    const text = [
      `raw ${key}`,
      `url ${encodeURIComponent(key)}`,
      `json ${JSON.stringify({ k: key })}`,
      `b64 ${Buffer.from(key).toString('base64')}`,
    ].join('\n');
    const out = r.redact(text);
    expect(out).not.toContain(key);
    expect(out).not.toContain(encodeURIComponent(key));
    expect(out).not.toContain(Buffer.from(key).toString('base64'));
    expect(out.match(/\[REDACTED\]/g)?.length).toBe(4);
  });

  it('ignores values too short to be secrets and forgets removed ones', () => {
    const r = new Redactor();
    r.addSecret('abc');
    expect(r.redact('abc def')).toBe('abc def');
    r.addSecret('longsecretvalue');
    expect(r.redact('x longsecretvalue y')).toBe(`x ${REDACTED} y`);
    r.removeSecret('longsecretvalue');
    expect(r.redact('x longsecretvalue y')).toBe('x longsecretvalue y');
  });

  it('registers Authorization values, including Basic user:password', () => {
    const r = new Redactor();
    const sid = 'AC' + 'a'.repeat(32);
    const token = 'twilio-token-0123456789abcdef';
    const basic = `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
    r.addAuthorization(basic);
    expect(r.redact(`token was ${token}`)).toBe(`token was ${REDACTED}`);
    expect(r.redact(`decoded ${sid}:${token}`)).not.toContain(token);
  });

  it('applies pattern rules without any registered value', () => {
    const r = new Redactor({ secretHeaderNames: ['x-vapi-secret'] });
    const cases: Array<[string, string]> = [
      ['Authorization: Bearer abcdefghijklmnop', 'abcdefghijklmnop'],
      ['proxy-authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
      ['sent Bearer eyJhbGciOi.something-long', 'eyJhbGciOi.something-long'],
      ['{"password":"hunter2hunter2","x":1}', 'hunter2hunter2'],
      ['{"refresh_token": "rt-123456789", "access_token":"at-987654321"}', 'rt-123456789'],
      ['{"twilioAuthToken":"tok-abcdef123"}', 'tok-abcdef123'],
      ['{"apiKey":"ak-000111222"}', 'ak-000111222'],
      ['{"vapi_api_key":"vk-000111222"}', 'vk-000111222'],
      ['truncated {"password":"hunter2hun', 'hunter2hun'],
      ['escaped {\\"password\\":\\"p4ssw0rd!!\\"}', 'p4ssw0rd!!'],
      ['https://user:pa55word@proxy.example:3128/', 'pa55word'],
      ['GET /x?token=tk-12345678&limit=1', 'tk-12345678'],
      ['x-vapi-secret: whsec-abcdef', 'whsec-abcdef'],
      ['{"headers":{"x-vapi-secret":"whsec-abcdef"}}', 'whsec-abcdef'],
      [
        'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
        'dozjgNryP4J3jVmNHl0w5N',
      ],
    ];
    for (const [text, secret] of cases) {
      const out = r.redact(text);
      expect(out, text).not.toContain(secret);
      expect(out, text).toContain(REDACTED);
    }
  });

  it('keeps ordinary text and identifiers intact', () => {
    const r = new Redactor();
    const text = 'GET /api/v1/calls?limit=200 → 200 in 31 ms (token_type bearer), 12 calls, assistant a1b2';
    expect(r.redact(text)).toBe(text);
    expect(r.redact('{"token_type":"bearer"}')).toContain('[REDACTED]'); // harmless over-redaction in text
  });

  it('redactDeep replaces secret fields whole and redacts every string, errors included', () => {
    const r = new Redactor();
    r.addSecret('known-secret-value');
    const err = new Error('failed with known-secret-value');
    (err as Error & { cause?: unknown }).cause = { password: 'p4ss-p4ss', note: 'known-secret-value' };
    const out = r.redactDeep({
      headers: { Authorization: 'Bearer abcdefghij', 'content-type': 'json' },
      nested: [{ refresh_token: 'rt-xyz-123', expires_in: 900, hasSecret: true }],
      err,
      url: new URL('https://u:pw123456@host/x?api_key=zzz999999'),
    });
    const json = JSON.stringify(out);
    for (const s of ['abcdefghij', 'rt-xyz-123', 'known-secret-value', 'p4ss-p4ss', 'pw123456', 'zzz999999']) {
      expect(json).not.toContain(s);
    }
    expect(json).toContain('"expires_in":900');
    expect(json).toContain('"hasSecret":true');
    expect(json).toContain('"content-type":"json"');
  });

  it('handles cycles', () => {
    const r = new Redactor();
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    expect(JSON.stringify(r.redactDeep(a))).toContain('[Circular]');
  });

  it('classifies keys', () => {
    for (const k of [
      'password',
      'access_token',
      'refreshToken',
      'twilioAuthToken',
      'apiKey',
      'x-vapi-secret',
      'token',
      'secret',
    ])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of [
      'token_type',
      'twilioAccountSid',
      'credentialId',
      'isServerUrlSecretSet',
      'webhookSecretEnabled',
      'id',
    ])
      expect(isSecretKey(k), k).toBe(false);
  });

  it('never lets a registered value through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9_.~-]{6,40}$/),
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 60 }),
        (secret, before, after) => {
          const r = new Redactor();
          r.addSecret(secret);
          return !r.redact(before + secret + after).includes(secret);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Redactor on big inputs', () => {
  it('stays linear on long blobs that look like names, schemes or tokens', () => {
    const r = new Redactor({ secretHeaderNames: ['x-vapi-secret'] });
    r.addSecret('some-known-secret-value');
    const blobs = [
      '"' + 'a'.repeat(500_000),
      'x'.repeat(500_000) + '://',
      'eyJ' + 'A'.repeat(500_000),
      '?' + 'b-'.repeat(250_000),
      JSON.stringify({ data: Buffer.alloc(400_000, 7).toString('base64url'), token: 'tok-123456789' }),
    ];
    for (const blob of blobs) {
      const t0 = performance.now();
      r.redact(blob);
      expect(performance.now() - t0, blob.slice(0, 20)).toBeLessThan(500);
    }
    expect(r.redact(blobs[4]!)).not.toContain('tok-123456789');
  });
});
