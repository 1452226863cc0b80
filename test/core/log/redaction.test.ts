/**
 * Drives every error path of the trust base with known secret values, then searches the log files and every error
 * (message, detail, JSON, stack) for those values and their encoded forms. Servers here are tiny local ones that
 * behave worse than any real service would: they echo credentials back in their error bodies.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendClient } from '../../../src/main/core/clients/backend';
import { TwilioClient } from '../../../src/main/core/clients/twilio';
import { VapiClient } from '../../../src/main/core/clients/vapi';
import { AuthSession } from '../../../src/main/core/auth/session';
import { HttpClient } from '../../../src/main/core/http/client';
import { createLogger } from '../../../src/main/core/log/logger';
import { Redactor } from '../../../src/main/core/log/redact';
import { Vault, type KeychainBackend } from '../../../src/main/core/secrets/vault';
import { SettingsStore } from '../../../src/main/core/settings/store';
import { closedPort, sendJson, startConnectProxy, startServer } from '../http/servers';

const SECRETS = {
  vapiKey: 'vapi-priv-5c1e8d2a-0b7f-4e61-9a3d-7f00c0ffee42',
  twilioToken: 'twtok9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  password: 'Corr3ct-Horse-Battery-Staple!',
  refreshToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEiLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXJlZnJlc2g',
  accessToken: 'access-tok-7d1b0e93a8c64f25b0e1d2c3',
  webhookSecret: 'whsec_0d9c8b7a6f5e4d3c2b1a09876543210',
  proxyPassword: 'pr0xy-Pa55-w0rd',
} as const;
const SID = 'AC' + '0123456789abcdef'.repeat(2);

function forms(secret: string): string[] {
  const out = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64').replace(/=+$/, '')];
  // Any 12-character piece of the value must not survive either (a cut excerpt).
  for (let i = 0; i + 12 <= secret.length; i += 6) out.push(secret.slice(i, i + 12));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'ava-redaction-'));
afterAll(() => (process.env['KEEP'] ? undefined : rmSync(dir, { recursive: true, force: true })));

describe('no secret reaches a log line or an error, whatever the path', () => {
  it('drives every error path and finds none of the secrets', async () => {
    const redactor = new Redactor({ secretHeaderNames: ['x-vapi-secret'] });
    const logger = createLogger({ dir: join(dir, 'logs'), redactor, level: 'debug', maxBytes: 64 * 1024 });
    const errors: unknown[] = [];
    const capture = async (label: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
        errors.push(new Error(`${label}: expected a failure`));
      } catch (error) {
        errors.push(error);
        // What the composition root does with a failure: log it whole.
        logger.warn(`${label} failed`, { error });
      }
    };

    // A server that echoes everything it receives, headers and body, in its error answers.
    const echo = await startServer((req, res, body) => {
      const echoed = { headers: req.headers, body, url: req.url };
      if (req.url?.startsWith('/truncated')) {
        const text = JSON.stringify({ ok: true, echoed }).slice(0, 120);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        return res.end(text);
      }
      if (req.url?.startsWith('/reset')) return req.socket.destroy();
      if (req.url?.startsWith('/hang')) return;
      if (req.url?.startsWith('/plain')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end(`Internal error while handling ${JSON.stringify(echoed)}`);
      }
      const status = req.url?.includes('/auth/') || req.url?.startsWith('/assistant') ? 401 : 500;
      sendJson(
        res,
        status,
        { detail: `rejected ${JSON.stringify(echoed)}`, message: body, error: 'Echo' },
        { 'x-request-id': 'req-echo' },
      );
    });
    const proxy = await startConnectProxy({ requireAuth: 'Basic bm90LXRoaXMtb25l' });

    const http = new HttpClient({
      redactor,
      logger,
      env: {},
      timeouts: { headersMs: 300, bodyMs: 300 },
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    const vault = new Vault({
      service: 'redaction-test',
      redactor,
      logger,
      backend: {
        // The worst keychain: its errors repeat the value it was given.
        getPassword: async () => {
          throw new Error(`Object does not exist at path "/org/freedesktop/secrets/collection/login"`);
        },
        setPassword: async (_s: string, _a: string, p: string) => {
          throw new Error(`Access denied storing "${p}"`);
        },
        deletePassword: async () => {
          throw new Error('The prompt was dismissed');
        },
      } satisfies KeychainBackend,
    });
    const settings = SettingsStore.open(join(dir, 'settings'), { redactor, logger });

    const vapi = new VapiClient({ http, baseUrl: echo.url, getKey: async () => SECRETS.vapiKey });
    const twilio = new TwilioClient({
      http,
      baseUrl: echo.url,
      getCredentials: async () => ({ accountSid: SID, authToken: SECRETS.twilioToken }),
    });
    const backend = new BackendClient({ http, baseUrl: echo.url });
    const session = new AuthSession({ backend, vault, settings, redactor, logger });

    // Keychain first: the app only ever holds a key or the webhook secret after reading or writing it through the
    // vault. Here every keychain call fails, and the keychain's errors repeat the value they were given.
    await capture('keychain set', () => vault.set('vapiPrivateKey', SECRETS.vapiKey));
    await capture('keychain set webhook', () => vault.set('webhookSecret', SECRETS.webhookSecret));
    await capture('keychain get', () => vault.get('twilioAuthToken'));
    // Vapi: bad key (401 echoing the bearer), a key check, a PATCH carrying the webhook secret header, an import
    // carrying the Twilio token.
    await capture('vapi bad key', () => vapi.listAssistants({ limit: 1 }));
    await capture('vapi key check', () => vapi.checkKey(SECRETS.vapiKey));
    await capture('vapi patch', () =>
      vapi.updateAssistant('a1', {
        server: { url: 'https://x/api/v1/webhooks/vapi', headers: { 'x-vapi-secret': SECRETS.webhookSecret } },
      }),
    );
    await capture('vapi import', () =>
      vapi.importTwilioNumber({ number: '+15551234567', twilioAccountSid: SID, twilioAuthToken: SECRETS.twilioToken }),
    );
    // Twilio: Basic auth echoed in a 500.
    await capture('twilio account', () => twilio.getAccount());
    // Timeout, reset, truncated JSON, plain-text 500 echo.
    await capture('timeout', () =>
      http.json({ service: 'vapi', url: `${echo.url}/hang`, headers: { authorization: `Bearer ${SECRETS.vapiKey}` } }),
    );
    await capture('reset', () =>
      http.json({ service: 'vapi', url: `${echo.url}/reset`, headers: { authorization: `Bearer ${SECRETS.vapiKey}` } }),
    );
    await capture('truncated', () =>
      http.json({
        service: 'backend',
        url: `${echo.url}/truncated?token=${SECRETS.accessToken}`,
        headers: { authorization: `Bearer ${SECRETS.accessToken}` },
      }),
    );
    await capture('plain 500', () =>
      http.json({
        service: 'twilio',
        method: 'POST',
        url: `${echo.url}/plain`,
        json: { twilioAuthToken: SECRETS.twilioToken, note: SECRETS.webhookSecret },
      }),
    );
    // Proxy: credentials in HTTPS_PROXY, the proxy answers 407; and a proxy that is down.
    const viaProxy = new HttpClient({
      redactor,
      logger,
      env: { HTTP_PROXY: `http://alice:${SECRETS.proxyPassword}@${new URL(proxy.url).host}` },
      proxyLoopback: true,
      retry: { maxRetries: 0 },
    });
    await capture('proxy 407', () => viaProxy.json({ service: 'backend', url: `${echo.url}/healthz` }));
    const downPort = await closedPort();
    const viaDeadProxy = new HttpClient({
      redactor,
      logger,
      env: {
        HTTPS_PROXY: `http://bob:${SECRETS.proxyPassword}@127.0.0.1:${downPort}`,
        HTTP_PROXY: `http://bob:${SECRETS.proxyPassword}@127.0.0.1:${downPort}`,
      },
      proxyLoopback: true,
      retry: { maxRetries: 0 },
    });
    await capture('proxy down', () => viaDeadProxy.json({ service: 'backend', url: `${echo.url}/healthz` }));
    // Sign-in failure with the password (401 echoing the body), refresh failure (401 echoing the token), data
    // request refused with the bearer echoed, sign-out with a keychain that refuses.
    await capture('sign in', () => session.signIn('owner@example.com', SECRETS.password, true));
    await capture('refresh', () => backend.refresh(SECRETS.refreshToken));
    await capture('data', () => backend.listCalls(SECRETS.accessToken, { limit: 10 }));
    // Sign-out does not fail on a refusing keychain (it is kept pending and retried at start): the refusal is logged.
    expect(await session.signOut()).toEqual({ state: 'signed-out' });

    logger.close();
    await Promise.all([http.close(), viaProxy.close(), viaDeadProxy.close(), echo.close(), proxy.close()]);

    // Every path failed, with the codes we expect.
    const codes = errors.map((e) => (e as { code?: string }).code ?? String(e));
    expect(codes).toEqual([
      'keychain-unavailable',
      'keychain-unavailable',
      'keychain-unavailable',
      'unauthorized',
      'unauthorized',
      'unauthorized',
      'server-error',
      'server-error',
      'timeout',
      'offline',
      'invalid-response',
      'server-error',
      'offline',
      'offline',
      'invalid-credentials',
      'session-expired',
      'server-error',
    ]);
    // The servers did receive the secrets (so the test really exercised them)...
    expect(echo.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.vapiKey}`)).toBe(true);
    expect(echo.requests.some((r) => r.body.includes(SECRETS.password))).toBe(true);

    // ...and none of them is in any error or any log line.
    const logText = readdirSync(join(dir, 'logs'))
      .map((f) => readFileSync(join(dir, 'logs', f), 'utf8'))
      .join('\n');
    expect(logText.length).toBeGreaterThan(1000);
    const errorTexts = errors.map((e) => {
      const err = e as Error & { detail?: string; toJSON?: () => unknown };
      return [
        err.message,
        err.detail ?? '',
        JSON.stringify(err),
        String(err.stack),
        JSON.stringify(err.toJSON?.() ?? {}),
      ].join('\n');
    });
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const form of forms(secret)) {
        expect(logText.includes(form), `${name} (${form}) in the log`).toBe(false);
        errorTexts.forEach((text, i) =>
          expect(text.includes(form), `${name} (${form}) in error ${i} (${codes[i]})`).toBe(false),
        );
      }
    }
    // The details still say something useful.
    const details = errors.map((e) => (e as { detail?: string }).detail ?? '');
    expect(details[3]).toContain('GET /assistant?limit=1 → 401');
    expect(details[12]).toContain('proxy refused the connection (407)');
    expect(logText).toContain('req-echo');
  });
});
