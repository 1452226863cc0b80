import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET_NAMES } from '../../../src/shared/domain';
import { AppError } from '../../../src/shared/errors';
import { createLogger } from '../../../src/main/core/log/logger';
import { Redactor } from '../../../src/main/core/log/redact';
import {
  classifyKeychainError,
  KeychainUnavailableError,
  maskHint,
  Vault,
  type KeychainBackend,
} from '../../../src/main/core/secrets/vault';

const CHILD = join(__dirname, 'vault-child.ts');
const REAL = process.env['AVA_TEST_KEYRING'] === '1';
const HAS_DBUS = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon']).status === 0;

describe('keychain error mapping', () => {
  it.each([
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', 'no-dbus'],
    ['The name org.freedesktop.secrets was not provided by any .service files', 'no-secret-service'],
    // No login keyring at all is not a locked one: the user must create it, not unlock it.
    ['Object does not exist at path “/org/freedesktop/secrets/collection/login”', 'no-login-keyring'],
    ['Object does not exist at path "/org/freedesktop/secrets/collection/login"', 'no-login-keyring'],
    ['No such secret collection at path: /', 'no-login-keyring'],
    ['Cannot create an item in a locked collection', 'locked'],
    ['The prompt was dismissed', 'locked'],
    ['User canceled the operation.', 'denied'],
    ['Access is denied.', 'denied'],
    ["Cannot find module 'keytar'", 'not-installed'],
    ['something else entirely', 'unknown'],
  ])('%s → %s', (message, problem) => {
    expect(classifyKeychainError(new Error(message))).toBe(problem);
  });

  it('masks hints to the last 4 characters', () => {
    expect(maskHint('abcdefgh1234')).toBe('••••1234');
    expect(maskHint('short')).toBe('••••');
  });
});

describe('vault over an injected backend', () => {
  function memoryBackend(): KeychainBackend & { store: Map<string, string> } {
    const store = new Map<string, string>();
    return {
      store,
      async getPassword(s, a) {
        return store.get(`${s}/${a}`) ?? null;
      },
      async setPassword(s, a, p) {
        store.set(`${s}/${a}`, p);
      },
      async deletePassword(s, a) {
        return store.delete(`${s}/${a}`);
      },
    };
  }

  it('keeps one account per secret under one service and registers values with the redactor', async () => {
    const backend = memoryBackend();
    const redactor = new Redactor();
    const vault = new Vault({ service: 'svc', backend, redactor });
    await vault.set('twilioAuthToken', 'token-0123456789abcdef');
    expect([...backend.store.keys()]).toEqual(['svc/twilioAuthToken']);
    expect(redactor.redact('token-0123456789abcdef')).toBe('[REDACTED]');
    const status = await vault.status();
    expect(status.keychain).toEqual({ available: true });
    expect(status.secrets.twilioAuthToken).toEqual({ set: true, hint: '••••cdef' });
    expect(status.secrets.vapiPrivateKey).toEqual({ set: false, hint: null });
    expect(JSON.stringify(status)).not.toContain('token-0123456789abcdef');
  });

  it('keeps a replaced or deleted value registered: a late log line about it is still redacted', async () => {
    const redactor = new Redactor();
    const logger = createLogger({ dir: null, redactor });
    const vault = new Vault({ service: 'svc', backend: memoryBackend(), redactor, logger });
    await vault.set('vapiPrivateKey', 'old-vapi-key-0000aaaa1111');
    await vault.set('vapiPrivateKey', 'new-vapi-key-2222bbbb3333');
    await vault.set('twilioAuthToken', 'twilio-token-4444cccc5555');
    await vault.delete('twilioAuthToken');
    // A request sent with the old key (or the deleted token) may still be in flight and fail after the change.
    logger.warn('http failed', { detail: 'GET /assistant with Bearer old-vapi-key-0000aaaa1111 → 401' });
    logger.warn('http failed', { url: 'https://api.twilio.com/?token=x', said: 'twilio-token-4444cccc5555' });
    const text = logger.lines().join('\n');
    expect(text).not.toContain('old-vapi-key-0000aaaa1111');
    expect(text).not.toContain('twilio-token-4444cccc5555');
    expect(redactor.redact('old-vapi-key-0000aaaa1111 new-vapi-key-2222bbbb3333')).toBe('[REDACTED] [REDACTED]');
  });

  it('turns backend failures into KeychainUnavailableError, redacted, and status names the problem', async () => {
    const lines: string[] = [];
    const redactor = new Redactor();
    const logger = createLogger({ dir: null, redactor });
    const failing: KeychainBackend = {
      getPassword: async () => {
        throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
      },
      setPassword: async (_s, _a, p) => {
        throw new Error(`Access is denied while storing ${p}`);
      },
      deletePassword: async () => false,
    };
    const vault = new Vault({ service: 'svc', backend: failing, redactor, logger });
    const err = await vault.set('vapiPrivateKey', 'vapi-key-should-never-leak').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    expect(err).toBeInstanceOf(AppError);
    expect((err as KeychainUnavailableError).code).toBe('keychain-unavailable');
    expect((err as KeychainUnavailableError).problem).toBe('denied');
    expect(JSON.stringify(err)).not.toContain('vapi-key-should-never-leak');
    expect((err as KeychainUnavailableError).detail).not.toContain('vapi-key-should-never-leak');
    const status = await vault.status();
    expect(status.keychain).toMatchObject({ available: false, problem: 'no-dbus' });
    lines.push(...logger.lines());
    expect(lines.join('\n')).not.toContain('vapi-key-should-never-leak');
  });

  it('reports a keytar that cannot load as not-installed, without crashing', async () => {
    const vault = new Vault({
      backend: () => {
        throw new KeychainUnavailableError('not-installed', 'keytar could not be loaded');
      },
    });
    const status = await vault.status();
    expect(status.keychain).toMatchObject({ available: false, problem: 'not-installed' });
    await expect(vault.get('webhookSecret')).rejects.toMatchObject({ code: 'keychain-unavailable' });
  });

  it('rejects empty values and unknown names', async () => {
    const vault = new Vault({ backend: memoryBackend() });
    await expect(vault.set('vapiPrivateKey', '')).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(vault.get('nope' as never)).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real keychain: gnome-keyring in a private D-Bus session.

const SERVICE = `AVA Desk test ${randomUUID()}`;

describe.runIf(REAL)('vault against the real gnome-keyring (AVA_TEST_KEYRING=1)', () => {
  const keytar = createRequire(import.meta.url)('keytar') as {
    findCredentials(service: string): Promise<Array<{ account: string }>>;
    getPassword(s: string, a: string): Promise<string | null>;
    deletePassword(s: string, a: string): Promise<boolean>;
  };

  afterAll(async () => {
    for (const { account } of await keytar.findCredentials(SERVICE)) await keytar.deletePassword(SERVICE, account);
  });

  it('sets, gets, replaces and deletes each secret', async () => {
    const redactor = new Redactor();
    const vault = new Vault({ service: SERVICE, redactor });
    for (const name of SECRET_NAMES) {
      expect(await vault.get(name)).toBeNull();
      await vault.set(name, `${name}-first-value-0001`);
      expect(await vault.get(name)).toBe(`${name}-first-value-0001`);
      await vault.set(name, `${name}-second-value-0002`);
      // A fresh vault reads from the keychain itself, not from memory.
      expect(await new Vault({ service: SERVICE }).get(name)).toBe(`${name}-second-value-0002`);
      expect(await keytar.getPassword(SERVICE, name)).toBe(`${name}-second-value-0002`);
    }
    const status = await vault.status();
    expect(status.keychain).toEqual({ available: true });
    for (const name of SECRET_NAMES) expect(status.secrets[name]).toEqual({ set: true, hint: '••••0002' });
    expect((await keytar.findCredentials(SERVICE)).map((c) => c.account).sort()).toEqual([...SECRET_NAMES].sort());

    for (const name of SECRET_NAMES) {
      expect(await vault.delete(name)).toBe(true);
      expect(await vault.get(name)).toBeNull();
      expect(await new Vault({ service: SERVICE }).get(name)).toBeNull();
      expect(await vault.delete(name)).toBe(false);
    }
    expect(await keytar.findCredentials(SERVICE)).toEqual([]);
  });
});

describe.skipIf(REAL)('vault against the real gnome-keyring', () => {
  it.skip(
    'skipped: run inside a private keyring with ' +
      "`XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock " +
      "--components=secrets >/dev/null; AVA_TEST_KEYRING=1 npx vitest run test/core/secrets'`",
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Broken environments, through the real keytar in a child process.

interface ChildOutcome {
  ok: boolean;
  result?: unknown;
  error?: { code: string; detail?: string; message: string };
  problem?: string | null;
}

const scratch = mkdtempSync(join(tmpdir(), 'ava-vault-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of [
    'DBUS_SESSION_BUS_ADDRESS',
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'GNOME_KEYRING_CONTROL',
    'AVA_TEST_KEYRING',
  ])
    delete env[key];
  env['XDG_DATA_HOME'] = mkdtempSync(join(scratch, 'data-'));
  env['XDG_CONFIG_HOME'] = mkdtempSync(join(scratch, 'config-'));
  return env;
}

/** Every file under `dir` whose bytes contain `value`. */
function filesContaining(dir: string, value: string): string[] {
  const hits: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(value)) hits.push(path);
  }
  return hits;
}

function runChild(command: string[], env: NodeJS.ProcessEnv): ChildOutcome {
  const child = spawnSync(command[0]!, command.slice(1), { env, encoding: 'utf8', timeout: 30_000 });
  const line = child.stdout
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`child printed nothing: ${child.stderr}`);
  return JSON.parse(line) as ChildOutcome;
}

const node = [process.execPath, '--import', 'tsx', CHILD];

describe.runIf(process.platform === 'linux')('keychain unavailable (real keytar, child process)', () => {
  it('without a D-Bus session: problem no-dbus, no plaintext anywhere', () => {
    const env = cleanEnv();
    const out = runChild([...node, `svc-${randomUUID()}`, 'set', 'must-not-be-stored-anywhere'], env);
    expect(out.ok).toBe(false);
    expect(out.error?.code).toBe('keychain-unavailable');
    expect(out.problem).toBe('no-dbus');
    expect(out.error?.detail).toContain('Cannot autolaunch D-Bus without X11 $DISPLAY');
    expect(JSON.stringify(out)).not.toContain('must-not-be-stored-anywhere');
    // No plaintext fallback: nothing was written where a fallback would write.
    expect(filesContaining(env['XDG_DATA_HOME']!, 'must-not-be-stored-anywhere')).toEqual([]);
    expect(filesContaining(env['XDG_CONFIG_HOME']!, 'must-not-be-stored-anywhere')).toEqual([]);
    const status = runChild([...node, `svc-${randomUUID()}`, 'status'], cleanEnv());
    expect(status.result).toMatchObject({ keychain: { available: false, problem: 'no-dbus' } });
  });

  it.runIf(HAS_DBUS)('with a session bus but no Secret Service: problem no-secret-service', () => {
    const config = join(scratch, 'no-services.conf');
    writeFileSync(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=${tmpdir()}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`,
    );
    const out = runChild(
      ['dbus-run-session', `--config-file=${config}`, '--', ...node, `svc-${randomUUID()}`, 'get'],
      cleanEnv(),
    );
    expect(out.ok).toBe(false);
    expect(out.problem).toBe('no-secret-service');
    expect(out.error?.detail).toContain('org.freedesktop.secrets was not provided by any .service files');
  });

  it.runIf(HAS_DBUS)('with a keyring daemon but no login keyring: problem no-login-keyring, not locked', () => {
    const script = `gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec "$@"`;
    const out = runChild(
      [
        'dbus-run-session',
        '--',
        'sh',
        '-c',
        script,
        'sh',
        ...node,
        `svc-${randomUUID()}`,
        'set',
        'locked-value-123456',
      ],
      cleanEnv(),
    );
    expect(out.ok).toBe(false);
    expect(out.problem).toBe('no-login-keyring');
    expect(out.error?.message).toContain('create a keyring named "Login"');
    expect(out.error?.detail).toMatch(/Object does not exist at path .*collection\/login/);
    expect(JSON.stringify(out)).not.toContain('locked-value-123456');
  });

  it.runIf(HAS_DBUS)('in an unlocked private keyring, the child stores and reads for real', () => {
    const service = `svc-${randomUUID()}`;
    const script = `echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "$@" set child-secret-value-9876 && "$@" get && "$@" status && "$@" delete`;
    const child = spawnSync('dbus-run-session', ['--', 'sh', '-c', script, 'sh', ...node, service], {
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const outs = child.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ChildOutcome);
    expect(outs.map((o) => o.ok)).toEqual([true, true, true, true]);
    expect(outs[1]!.result).toBe('child-secret-value-9876');
    expect(outs[2]!.result).toMatchObject({
      keychain: { available: true },
      secrets: { vapiPrivateKey: { set: true, hint: '••••9876' } },
    });
    expect(outs[3]!.result).toBe(true);
  });
});
