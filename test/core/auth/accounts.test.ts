/** The trust base as the composition root will use it, against the fakes: connect each service, forget, switch backend. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock, startFakes, type BackendSwitches, type Fakes } from '../../fakes';
import { createTrustBase, type TrustBase } from '../../../src/main/core/auth/accounts';
import { closedPort } from '../http/servers';
import { memoryKeychain, START } from './helpers';

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of open.splice(0).reverse()) await fn();
});

async function setup(
  backendSwitches: Partial<BackendSwitches> = {},
): Promise<{ fakes: Fakes; trust: TrustBase; dir: string; keychain: ReturnType<typeof memoryKeychain> }> {
  const fakes = await startFakes({ clock: createFakeClock({ start: START, ticking: false }), backendSwitches });
  const dir = mkdtempSync(join(tmpdir(), 'ava-trust-'));
  const keychain = memoryKeychain();
  const trust = createTrustBase({
    dataDir: dir,
    env: {},
    keychain,
    vapiUrl: fakes.credentials.urls.vapi,
    twilioUrl: fakes.credentials.urls.twilio,
    now: fakes.clock.now,
  });
  trust.settings.setBackendUrl(fakes.credentials.urls.backend);
  open.push(async () => {
    await trust.close();
    await fakes.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { fakes, trust, dir, keychain };
}

describe('Accounts over the fakes', () => {
  it('connects Vapi only with a key Vapi accepts, then shows its hint', async () => {
    const { fakes, trust, keychain } = await setup();
    await expect(trust.accounts.connectVapi(fakes.credentials.vapi.publicKey)).rejects.toMatchObject({
      code: 'unauthorized',
      service: 'vapi',
    });
    expect(keychain.store.size).toBe(0);
    const key = fakes.credentials.vapi.privateKey;
    const status = await trust.accounts.connectVapi(`  ${key}  `);
    expect(status.keychain).toEqual({ available: true });
    expect(status.secrets.vapiPrivateKey).toEqual({ set: true, hint: `••••${key.slice(-4)}` });
    expect(JSON.stringify(status)).not.toContain(key);
    expect((await trust.vapi.listAssistants()).length).toBeGreaterThan(0);
    const forgotten = await trust.accounts.forgetSecret('vapiPrivateKey');
    expect(forgotten.secrets.vapiPrivateKey).toEqual({ set: false, hint: null });
    await expect(trust.vapi.listAssistants()).rejects.toMatchObject({ code: 'missing-secret' });
  });

  it('connects Twilio: token in the keychain, SID in settings; forgetting clears both', async () => {
    const { fakes, trust, keychain } = await setup();
    const { accountSid, authToken } = fakes.credentials.twilio;
    await expect(trust.accounts.connectTwilio(accountSid, 'f'.repeat(32))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(trust.settings.get().twilioAccountSid).toBeNull();
    const status = await trust.accounts.connectTwilio(accountSid, authToken);
    expect(status.secrets.twilioAuthToken.set).toBe(true);
    expect(trust.settings.get().twilioAccountSid).toBe(accountSid);
    expect([...keychain.store.values()]).toEqual([authToken]);
    expect((await trust.twilio.listIncomingNumbers()).length).toBeGreaterThan(0);
    await trust.accounts.forgetSecret('twilioAuthToken');
    expect(trust.settings.get().twilioAccountSid).toBeNull();
    expect(keychain.store.size).toBe(0);
  });

  it('stores a given or generated webhook secret, and refuses to forget the session as a secret', async () => {
    const { trust, keychain } = await setup();
    await trust.accounts.setWebhookSecret('given-webhook-secret-0123456789');
    expect(await trust.vault.get('webhookSecret')).toBe('given-webhook-secret-0123456789');
    const status = await trust.accounts.setWebhookSecret();
    const generated = await trust.vault.get('webhookSecret');
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(status.secrets.webhookSecret.hint).toBe(`••••${generated!.slice(-4)}`);
    expect([...keychain.store.keys()]).toEqual(['AVA Desk/webhookSecret']);
    await expect(trust.accounts.forgetSecret('backendRefreshToken' as never)).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  it('checks the backend, waiting through a cold start with a visible waking state', async () => {
    const { fakes, trust } = await setup({ coldStartMs: 1500 });
    fakes.backend.control.simulateColdStart();
    const states: string[] = [];
    const check = await trust.accounts.checkBackend(undefined, {
      onWaking: () => states.push('waking'),
      wakingAfterMs: 500,
    });
    expect(check).toMatchObject({ url: fakes.credentials.urls.backend, health: 'ok' });
    expect(check.elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(states).toEqual(['waking']);
  });

  it('switching backend: refuses an unsafe or dead URL without changing anything; a good one signs out', async () => {
    const { fakes, trust, keychain } = await setup();
    const { email, password } = fakes.credentials.backend;
    await trust.accounts.signIn(email, password, true);
    expect(trust.accounts.authState().state).toBe('signed-in');
    const before = trust.settings.get();
    await expect(trust.accounts.setBackendUrl('http://ava.example.com')).rejects.toMatchObject({
      code: 'insecure-url',
    });
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await expect(trust.accounts.setBackendUrl(dead)).rejects.toMatchObject({ code: 'offline', service: 'backend' });
    expect(trust.settings.get()).toEqual(before);
    expect(trust.accounts.authState().state).toBe('signed-in');
    // A second fake backend stands for "another server".
    const other = await startFakes({ clock: fakes.clock, world: 'empty' });
    open.push(() => other.close());
    const settings = await trust.accounts.setBackendUrl(`${other.credentials.urls.backend}/`);
    expect(settings.backendUrl).toBe(other.credentials.urls.backend);
    expect(settings.backendUser).toBeNull();
    expect(trust.accounts.authState()).toEqual({ state: 'signed-out' });
    expect([...keychain.store.keys()]).not.toContain('AVA Desk/backendRefreshToken');
  });

  it('writes its log in the data folder, without a single secret', async () => {
    const { fakes, trust, dir } = await setup();
    const { email, password } = fakes.credentials.backend;
    await trust.accounts.connectVapi(fakes.credentials.vapi.privateKey);
    await trust.accounts.connectTwilio(fakes.credentials.twilio.accountSid, fakes.credentials.twilio.authToken);
    await trust.accounts.signIn(email, password, false);
    await trust.session.authorized((t) => trust.backend.listCalls(t, { limit: 5 }));
    await trust.accounts.signIn(email, 'wrong-password-here', false).catch(() => undefined);
    await trust.close();
    const log = readdirSync(join(dir, 'logs'))
      .map((f) => readFileSync(join(dir, 'logs', f), 'utf8'))
      .join('');
    expect(log).toContain('/api/v1/calls?limit=5');
    for (const secret of [
      fakes.credentials.vapi.privateKey,
      fakes.credentials.twilio.authToken,
      password,
      'wrong-password-here',
      (await trust.vault.get('backendRefreshToken'))!,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain(fakes.credentials.twilio.authToken);
  });
});
