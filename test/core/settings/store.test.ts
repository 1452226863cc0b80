import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../../src/shared/domain';
import { Redactor } from '../../../src/main/core/log/redact';
import { SETTINGS_FILE_NAME, SettingsStore } from '../../../src/main/core/settings/store';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ava-settings-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const NOW = () => Date.UTC(2026, 2, 3, 4, 5, 6);
const SID = 'AC' + '0123456789abcdef'.repeat(2);

describe('SettingsStore', () => {
  it('creates the file with defaults and reads it back', () => {
    const dir = tempDir();
    const store = SettingsStore.open(dir);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.recovered).toBeNull();
    expect(JSON.parse(readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8'))).toEqual(DEFAULT_SETTINGS);
  });

  it('updates through the patch schema, persists, and notifies', () => {
    const dir = tempDir();
    const store = SettingsStore.open(dir);
    const seen: Settings[] = [];
    const off = store.onChange((s) => seen.push(s));
    const next = store.update({ language: 'fr', theme: 'dark', syncIntervalMinutes: 30, webhookSecretEnabled: true });
    expect(next).toMatchObject({ language: 'fr', theme: 'dark', syncIntervalMinutes: 30, webhookSecretEnabled: true });
    expect(seen).toHaveLength(1);
    off();
    store.update({ theme: 'light' });
    expect(seen).toHaveLength(1);
    expect(SettingsStore.open(dir).get()).toMatchObject({ language: 'fr', theme: 'light', syncIntervalMinutes: 30 });
    // The copy handed out cannot change the store.
    store.get().language = 'en';
    expect(store.get().language).toBe('fr');
  });

  it('refuses patches outside the schema: unknown keys, owned fields, bad values', () => {
    const store = SettingsStore.open(tempDir());
    expect(() => store.update({ backendUrl: 'https://x.example' } as never)).toThrow(
      expect.objectContaining({ code: 'invalid-input' }),
    );
    expect(() => store.update({ syncIntervalMinutes: 0 })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => store.update({ password: 'x' } as never)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('sets the fields owned by flows, and keeps the backend URL safe', () => {
    const dir = tempDir();
    const store = SettingsStore.open(dir);
    store.setBackendUrl('https://ava.example.com/');
    store.setBackendUser({ id: 'u-1', email: 'owner@example.com', name: 'Owner' });
    store.setTwilioAccountSid(SID);
    expect(SettingsStore.open(dir).get()).toMatchObject({
      backendUrl: 'https://ava.example.com',
      backendUser: { id: 'u-1' },
      twilioAccountSid: SID,
    });
    expect(() => store.setBackendUrl('http://ava.example.com')).toThrow(
      expect.objectContaining({ code: 'insecure-url' }),
    );
    store.setBackendUrl('http://127.0.0.1:8000');
    expect(() => store.setTwilioAccountSid('nope')).toThrow(expect.objectContaining({ code: 'invalid-input' }));
  });

  it.each([
    ['invalid-json', '{"version":1,'],
    ['invalid', JSON.stringify({ ...DEFAULT_SETTINGS, theme: 'purple' })],
    ['invalid', JSON.stringify({ ...DEFAULT_SETTINGS, backendUrl: 'http://evil.example' })],
    ['invalid', '[]'],
    ['newer-version', JSON.stringify({ ...DEFAULT_SETTINGS, version: 2 })],
  ])('a %s file is moved aside and defaults are used', (reason, text) => {
    const dir = tempDir();
    writeFileSync(join(dir, SETTINGS_FILE_NAME), text);
    const store = SettingsStore.open(dir, { now: NOW });
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.recovered).toMatchObject({ reason, movedTo: join(dir, 'settings.json.bad-2026-03-03T04-05-06-000Z') });
    expect(readFileSync(store.recovered!.movedTo!, 'utf8')).toBe(text);
    expect(JSON.parse(readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8'))).toEqual(DEFAULT_SETTINGS);
  });

  it('reads a pre-versioned file with defaults for what it lacks, dropping unknown keys', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SETTINGS_FILE_NAME), JSON.stringify({ language: 'fr', bogus: 1 }));
    const store = SettingsStore.open(dir);
    expect(store.recovered).toBeNull();
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, language: 'fr' });
    expect(JSON.parse(readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8'))).toEqual({
      ...DEFAULT_SETTINGS,
      language: 'fr',
    });
  });

  it('writes atomically: no temporary file left behind, the old file intact if a write is refused', () => {
    const dir = tempDir();
    const redactor = new Redactor();
    const store = SettingsStore.open(dir, { redactor });
    store.update({ language: 'fr' });
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE_NAME]);
    const before = readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8');
    // A secret the app knows must never land in the file, even through a field that allows free text.
    redactor.addSecret('owner-refresh-token-abcdef');
    expect(() => store.setBackendUser({ id: 'u', email: null, name: 'owner-refresh-token-abcdef' })).toThrow(
      expect.objectContaining({ code: 'internal' }),
    );
    expect(readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE_NAME]);
    expect(store.get().backendUser).toBeNull();
  });

  it('writes text that only looks like a credential ("Basic Plumbing"): only registered secrets are refused', () => {
    const dir = tempDir();
    const redactor = new Redactor();
    redactor.addSecret('owner-refresh-token-abcdef');
    const store = SettingsStore.open(dir, { redactor });
    // The redactor's patterns would blank this name in a log line; in the settings file it is just a name.
    expect(redactor.redact('Basic Plumbing')).not.toBe('Basic Plumbing');
    store.setBackendUser({ id: 'u-2', email: 'bearer tokens@example.com', name: 'Basic Plumbing' });
    expect(readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8')).toContain('"name": "Basic Plumbing"');
    expect(redactor.containsSecret('Basic Plumbing')).toBe(false);
    expect(redactor.containsSecret('x owner-refresh-token-abcdef y')).toBe(true);
    // Encoded forms of a registered value count too.
    expect(redactor.containsSecret(Buffer.from('owner-refresh-token-abcdef').toString('base64'))).toBe(true);
  });

  it('contains no secret after a full round of use', () => {
    const dir = tempDir();
    const redactor = new Redactor();
    const secrets = [
      'vapi-key-11112222333344445555',
      'twilio-token-aaaabbbbccccdddd',
      'refresh.jwt.token-xyz',
      'hunter2hunter2',
    ];
    for (const s of secrets) redactor.addSecret(s);
    const store = SettingsStore.open(dir, { redactor });
    store.setTwilioAccountSid(SID);
    store.setBackendUser({ id: '6b7a', email: 'o@example.com', name: 'O' });
    store.update({ webhookSecretEnabled: true, language: 'en' });
    const text = readFileSync(join(dir, SETTINGS_FILE_NAME), 'utf8');
    for (const s of secrets) expect(text).not.toContain(s);
    expect(redactor.redact(text)).toBe(text);
    expect(existsSync(join(dir, SETTINGS_FILE_NAME))).toBe(true);
  });
});
