import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../fakes';
import type { AuthState, Settings } from '../../../src/shared/domain';
import { AppError } from '../../../src/shared/errors';
import { jwtExpiry } from '../../../src/main/core/auth/session';
import { rig, START, type Rig } from './helpers';

let current: Rig | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});
async function setup(options?: Parameters<typeof rig>[0]): Promise<Rig> {
  current = await rig(options);
  return current;
}

function code(error: unknown): string {
  return error instanceof AppError ? error.code : String(error);
}

describe('AuthSession against the backend fake', () => {
  it('signs in: refresh token in the keychain, access token in memory, user in settings', async () => {
    const r = await setup();
    const { email, password, userId, name } = r.fakes.credentials.backend;
    const states: AuthState[] = [];
    r.session.onChange((s) => states.push(s));
    const state = await r.session.signIn(email, password, false);
    expect(state).toEqual({
      state: 'signed-in',
      user: { id: userId, email, name },
      accessExpiresAt: new Date(START + 15 * MINUTE).toISOString(),
      refreshExpiresAt: new Date(START + 7 * DAY).toISOString(),
    });
    expect(states.at(-1)).toEqual(state);
    expect(r.session.persisted).toBe(true);
    const stored = await r.vault.get('backendRefreshToken');
    expect(stored).toMatch(/^eyJ/);
    expect(jwtExpiry(stored!)).toBe(START + 7 * DAY);
    expect(r.settings.get().backendUser).toEqual({ id: userId, email, name });
    // Nothing of the tokens in the settings file.
    const settingsText = readFileSync(join(r.dir, 'data', 'settings.json'), 'utf8');
    expect(settingsText).not.toContain(stored!);
    expect(settingsText).not.toContain(await r.session.getAccessToken());
  });

  it('signs in with a phone number too', async () => {
    const r = await setup();
    r.fakes.backend.control.addUser({
      email: 'second@example.com',
      password: 'Secret123',
      name: 'Second',
      phone: '+15550001234',
    });
    const state = await r.session.signIn('+15550001234', 'Secret123', false);
    expect(state).toMatchObject({ state: 'signed-in', user: { email: 'second@example.com' } });
  });

  it('a wrong password is invalid-credentials, the password never logged, nothing stored', async () => {
    const r = await setup();
    const password = 'Wrong-Passw0rd-for-test';
    const err = await r.session.signIn(r.fakes.credentials.backend.email, password, false).catch((e: unknown) => e);
    expect(code(err)).toBe('invalid-credentials');
    expect((err as AppError).service).toBe('backend');
    expect((err as AppError).requestId).toBeTruthy();
    expect(r.session.state()).toEqual({ state: 'signed-out' });
    expect(await r.vault.get('backendRefreshToken')).toBeNull();
    r.logger.close();
    const log = readdirSync(join(r.dir, 'logs'))
      .map((f) => readFileSync(join(r.dir, 'logs', f), 'utf8'))
      .join('');
    expect(log).toContain('/api/v1/auth/login');
    expect(log).not.toContain(password);
    expect(JSON.stringify(err)).not.toContain(password);
  });

  it('refreshes shortly before the access token expires, once for concurrent callers', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    const first = await r.session.getAccessToken();
    r.fakes.clock.advance(13 * MINUTE);
    expect(await r.session.getAccessToken()).toBe(first);
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(0);
    r.fakes.clock.advance(MINUTE + 30_000); // 30 s before expiry: inside the 60 s margin
    const tokens = await Promise.all([
      r.session.getAccessToken(),
      r.session.getAccessToken(),
      r.session.getAccessToken(),
    ]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(1);
    expect(r.session.state()).toMatchObject({
      state: 'signed-in',
      accessExpiresAt: new Date(START + 14.5 * MINUTE + 15 * MINUTE).toISOString(),
    });
    const calls = await r.session.authorized((t) => r.backend.listCalls(t, { limit: 200 }));
    expect(calls.calls.length).toBeGreaterThan(0);
  });

  it('a 401 on a data request refreshes once and retries once', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    r.fakes.faults.backend.set('GET /api/v1/calls', { kind: 'status', status: 401 }, { times: 1 });
    const list = await r.session.authorized((t) => r.backend.listCalls(t, { limit: 10 }));
    expect(list.calls).toHaveLength(10);
    expect(r.backendCalls('GET /api/v1/calls')).toBe(2);
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(1);
    expect(r.session.state().state).toBe('signed-in');
  });

  it('a 403 "Not authenticated" counts as a refusal too; a second refusal ends the session without looping', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    r.fakes.faults.backend.set('GET /api/v1/calls', {
      kind: 'status',
      status: 403,
      body: { detail: 'Not authenticated' },
    });
    const states: string[] = [];
    r.session.onChange((s) => states.push(s.state));
    const err = await r.session.authorized((t) => r.backend.listCalls(t, { limit: 10 })).catch((e: unknown) => e);
    expect(code(err)).toBe('session-expired');
    expect(r.backendCalls('GET /api/v1/calls')).toBe(2);
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(1);
    expect(r.session.state()).toMatchObject({ state: 'expired', user: { email } });
    expect(states.filter((s) => s === 'expired')).toHaveLength(1);
    expect(await r.vault.get('backendRefreshToken')).toBeNull();
    // Later calls fail at once, without a request.
    const before = r.fakes.backend.requests().length;
    await expect(r.session.authorized((t) => r.backend.listCalls(t))).rejects.toMatchObject({
      code: 'session-expired',
    });
    await expect(r.session.getAccessToken()).rejects.toMatchObject({ code: 'session-expired' });
    expect(r.fakes.backend.requests().length).toBe(before);
  });

  it('the 7-day wall: after the refresh token expires, one refusal, state expired, no loop', async () => {
    const r = await setup();
    const { email, password, userId, name } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    // Six days in, refreshing still works.
    r.fakes.clock.advance(6 * DAY);
    await r.session.authorized((t) => r.backend.me(t));
    expect(r.session.state()).toMatchObject({
      state: 'signed-in',
      refreshExpiresAt: new Date(START + 7 * DAY).toISOString(),
    });
    // Past seven days, it does not.
    r.fakes.clock.advance(DAY + MINUTE);
    const states: AuthState[] = [];
    r.session.onChange((s) => states.push(s));
    const err = await r.session.authorized((t) => r.backend.listCalls(t)).catch((e: unknown) => e);
    expect(code(err)).toBe('session-expired');
    expect(states).toEqual([{ state: 'expired', user: { id: userId, email, name } }]);
    const refreshes = r.backendCalls('POST /api/v1/auth/refresh');
    for (let i = 0; i < 5; i++) await r.session.getAccessToken().catch(() => undefined);
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(refreshes);
    // A restart remembers who it was and asks to sign in again.
    expect(await r.restart().restore()).toEqual({ state: 'expired', user: { id: userId, email, name } });
    // Signing in again works.
    expect((await r.session.signIn(email, password, false)).state).toBe('signed-in');
    expect((await r.session.authorized((t) => r.backend.listCalls(t, { limit: 5 }))).calls).toHaveLength(5);
  });

  it('"keep me signed in" gets a 30-day access token that outlives the refresh token', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    const state = await r.session.signIn(email, password, true);
    expect(state).toMatchObject({ accessExpiresAt: new Date(START + 30 * DAY).toISOString() });
    r.fakes.clock.advance(10 * DAY);
    await r.session.authorized((t) => r.backend.listCalls(t, { limit: 1 }));
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(0);
    r.fakes.clock.advance(20 * DAY);
    await expect(r.session.authorized((t) => r.backend.listCalls(t))).rejects.toMatchObject({
      code: 'session-expired',
    });
    expect(r.session.state().state).toBe('expired');
  });

  it('restores a session from the keychain at start, and says signed-out when there is none', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    expect(await r.restart().restore()).toEqual({ state: 'signed-out' });
    await r.session.signIn(email, password, false);
    r.fakes.clock.advance(2 * DAY);
    const again = r.restart();
    expect(await again.restore()).toMatchObject({
      state: 'signed-in',
      user: { email },
      accessExpiresAt: new Date(START + 2 * DAY + 15 * MINUTE).toISOString(),
    });
    expect((await again.authorized((t) => r.backend.listCalls(t, { limit: 3 }))).calls).toHaveLength(3);
  });

  it('restores while the backend is unreachable: signed in, token fetched on first use', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    r.fakes.faults.backend.set('POST /api/v1/auth/refresh', { kind: 'reset' });
    const again = r.restart();
    expect(await again.restore()).toMatchObject({ state: 'signed-in', user: { email } });
    await expect(again.authorized((t) => r.backend.listCalls(t))).rejects.toMatchObject({ code: 'offline' });
    r.fakes.faults.clearAll();
    expect((await again.authorized((t) => r.backend.listCalls(t, { limit: 2 }))).calls).toHaveLength(2);
  });

  it('a refresh that fails for a network reason keeps using a still-valid access token', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    const token = await r.session.getAccessToken();
    r.fakes.clock.advance(14.5 * MINUTE);
    r.fakes.faults.backend.set('POST /api/v1/auth/refresh', { kind: 'status', status: 503 });
    expect(await r.session.getAccessToken()).toBe(token);
    r.fakes.clock.advance(MINUTE);
    await expect(r.session.getAccessToken()).rejects.toMatchObject({ code: 'server-error' });
    expect(r.session.state().state).toBe('signed-in');
  });

  it('a deleted user: /auth/me 404 then refresh 404 → expired', async () => {
    const r = await setup();
    const { email, password, userId } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    expect(await r.session.me()).toMatchObject({ id: userId, email });
    r.fakes.backend.control.deleteUser(userId);
    await expect(r.session.me()).rejects.toMatchObject({ code: 'session-expired' });
    expect(r.session.state().state).toBe('expired');
  });

  it('signs out: token deleted from the keychain, user forgotten, and no data request goes out without a bearer', async () => {
    const r = await setup({ fakes: { backendSwitches: { devModeNoBearerIsFirstUser: true } } });
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    const saves: Settings[] = [];
    r.settings.onChange((settings) => saves.push(settings));
    expect(await r.session.signOut()).toEqual({ state: 'signed-out' });
    // Two writes of the settings file: the user forgotten with the sign-out marked pending, then the mark cleared.
    expect(saves.map((s) => [s.backendUser, s.signOutPending])).toEqual([
      [null, true],
      [null, false],
    ]);
    expect(await r.vault.get('backendRefreshToken')).toBeNull();
    expect(r.keychain.store.size).toBe(0);
    expect(r.settings.get().backendUser).toBeNull();
    const before = r.fakes.backend.requests().length;
    await expect(r.session.authorized((t) => r.backend.listCalls(t))).rejects.toMatchObject({ code: 'signed-out' });
    // Even a caller that bypasses the session cannot send a data request without a bearer.
    for (const call of [
      () => r.backend.listCalls(''),
      () => r.backend.getCall('', 'x'),
      () => r.backend.getRecording(undefined as unknown as string, 'x'),
      () => r.backend.deleteCall('  ', 'x'),
      () => r.backend.me(null as unknown as string),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'signed-out' });
    }
    expect(r.fakes.backend.requests().length).toBe(before);
    expect(await r.restart().restore()).toEqual({ state: 'signed-out' });
    // Over the whole test, every data request the fake saw carried a bearer.
    const data = r.fakes.backend
      .requests()
      .filter(
        (q) =>
          q.path.startsWith('/api/v1/') &&
          !q.path.startsWith('/api/v1/auth/login') &&
          !q.path.startsWith('/api/v1/auth/refresh'),
      );
    expect(data.every((q) => q.authorization)).toBe(true);
  });

  it('a user named like a Basic credential ("Basic Plumbing") can sign in; the name is saved as it is', async () => {
    const r = await setup();
    r.fakes.backend.control.addUser({
      email: 'desk@basic-plumbing.example',
      password: 'Plumb3rPass',
      name: 'Basic Plumbing',
    });
    const state = await r.session.signIn('desk@basic-plumbing.example', 'Plumb3rPass', false);
    expect(state).toMatchObject({ state: 'signed-in', user: { name: 'Basic Plumbing' } });
    expect(r.settings.get().backendUser?.name).toBe('Basic Plumbing');
    expect(readFileSync(join(r.dir, 'data', 'settings.json'), 'utf8')).toContain('"Basic Plumbing"');
    // A restart finds the user again.
    expect(await r.restart().restore()).toMatchObject({ state: 'signed-in', user: { name: 'Basic Plumbing' } });
  });

  it('sign-out sticks when the keychain refuses the delete: the next start does not sign back in, and deletes it', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    const deletePassword = r.keychain.deletePassword;
    r.keychain.deletePassword = async () => {
      throw new Error('Access is denied.');
    };
    expect(await r.session.signOut()).toEqual({ state: 'signed-out' });
    expect(r.keychain.store.size).toBe(1); // the keychain kept the token
    expect(r.settings.get()).toMatchObject({ backendUser: null, signOutPending: true });

    // Next start, keychain still refusing: signed out, the problem reported, the token never used.
    const refreshes = r.backendCalls('POST /api/v1/auth/refresh');
    const again = r.restart();
    await expect(again.restore()).rejects.toMatchObject({ code: 'keychain-unavailable', problem: 'denied' });
    expect(again.state()).toEqual({ state: 'signed-out' });
    await expect(again.getAccessToken()).rejects.toMatchObject({ code: 'signed-out' });
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(refreshes);

    // Next start with a keychain that deletes: the token is gone and the marker cleared.
    r.keychain.deletePassword = deletePassword;
    expect(await r.restart().restore()).toEqual({ state: 'signed-out' });
    expect(r.keychain.store.size).toBe(0);
    expect(r.settings.get().signOutPending).toBe(false);
    expect(r.backendCalls('POST /api/v1/auth/refresh')).toBe(refreshes);

    // Signing in again is remembered across a restart as before.
    await r.session.signIn(email, password, false);
    expect(r.settings.get().signOutPending).toBe(false);
    expect(await r.restart().restore()).toMatchObject({ state: 'signed-in' });
  });

  it('a refreshed-away access token stays redacted (a request using it may still be in flight)', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    const first = await r.session.getAccessToken();
    r.fakes.clock.advance(15 * MINUTE);
    const second = await r.session.getAccessToken();
    expect(second).not.toBe(first);
    // Its base64 form matches no pattern rule: only the registered value can catch it.
    r.logger.warn('late failure', { echo: Buffer.from(first).toString('base64') });
    r.logger.close();
    const log = readdirSync(join(r.dir, 'logs'))
      .map((f) => readFileSync(join(r.dir, 'logs', f), 'utf8'))
      .join('');
    expect(log).toContain('late failure');
    expect(log).not.toContain(Buffer.from(first).toString('base64'));
    expect(r.redactor.containsSecret(first)).toBe(true);
  });

  it('a keychain that refuses at sign-in leaves a working in-memory session', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    r.keychain.setPassword = async () => {
      throw new Error('Cannot create an item in a locked collection');
    };
    const state = await r.session.signIn(email, password, false);
    expect(state.state).toBe('signed-in');
    expect(r.session.persisted).toBe(false);
    expect(r.vault.keychainState()).toMatchObject({ available: false, problem: 'locked' });
    expect((await r.session.authorized((t) => r.backend.listCalls(t, { limit: 1 }))).calls).toHaveLength(1);
  });

  it('Retry-After from the backend is honoured through the session', async () => {
    const r = await setup();
    const { email, password } = r.fakes.credentials.backend;
    await r.session.signIn(email, password, false);
    r.fakes.faults.backend.set('GET /api/v1/calls', { kind: 'status', status: 503, retryAfter: 2 }, { times: 1 });
    r.fakes.faults.backend.set('GET /api/v1/calls', { kind: 'status', status: 429, retryAfter: 1 }, { times: 1 });
    const list = await r.session.authorized((t) => r.backend.listCalls(t, { limit: 4 }));
    expect(list.calls).toHaveLength(4);
    expect(r.sleeps).toEqual([1000, 2000]);
  });
});
