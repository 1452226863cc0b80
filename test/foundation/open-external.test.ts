/**
 * The core's openExternal gate (`app.openExternal` in src/main/core/app.ts), through the real dispatcher of a real
 * core: only allow-listed https links reach the shell's openExternal; anything else is a typed invalid-input and the
 * shell is never called. The core is never started, so nothing here touches the network or the OS keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../../src/main/core/app';
import type { KeychainBackend } from '../../src/main/core/secrets/vault';

const keychain: KeychainBackend = {
  getPassword: async () => null,
  setPassword: async () => undefined,
  deletePassword: async () => false,
};

const trusted = { trusted: true };
let dataDir: string;
let core: Core;
let coreWithoutDesktop: Core;
const openExternal = vi.fn(async (_url: string) => undefined);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ava-open-external-'));
  const base = {
    transport: 'electron' as const,
    appVersion: '0.0.0-test',
    platform: process.platform,
    osLocale: 'en-US',
    env: {},
    keychain,
  };
  core = await createCore({ ...base, dataDir: join(dataDir, 'a'), openExternal });
  coreWithoutDesktop = await createCore({ ...base, dataDir: join(dataDir, 'b'), transport: 'preview' });
});

afterAll(async () => {
  await core?.dispose();
  await coreWithoutDesktop?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => openExternal.mockClear());

describe('app.openExternal', () => {
  it.each(['https://dashboard.vapi.ai/assistants', 'https://console.twilio.com/', 'https://docs.vapi.ai/quickstart'])(
    'opens an allow-listed https link: %s',
    async (url) => {
      expect(await core.dispatch('app.openExternal', { url }, trusted)).toEqual({ ok: true, value: undefined });
      expect(openExternal).toHaveBeenCalledExactlyOnceWith(url);
    },
  );

  it.each([
    ['a host off the allow-list', 'https://evil.example/'],
    ['a look-alike host', 'https://dashboard.vapi.ai.evil.example/'],
    ['plain http', 'http://dashboard.vapi.ai/'],
    ['javascript:', 'javascript:alert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['credentials in the URL', 'https://user:pw@dashboard.vapi.ai/'],
    ['another port', 'https://dashboard.vapi.ai:8443/'],
    ['not a URL', 'dashboard.vapi.ai'],
  ])('refuses %s with invalid-input and never calls the shell', async (_label, url) => {
    const answer = await core.dispatch('app.openExternal', { url }, trusted);
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('refuses an untrusted caller before looking at the link', async () => {
    const answer = await core.dispatch(
      'app.openExternal',
      { url: 'https://dashboard.vapi.ai/' },
      { trusted: false, reason: 'test' },
    );
    expect(answer).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('says the desktop app is needed where there is no shell to open links (the preview host)', async () => {
    const answer = await coreWithoutDesktop.dispatch(
      'app.openExternal',
      { url: 'https://dashboard.vapi.ai/' },
      trusted,
    );
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/desktop/) } });
  });
});
