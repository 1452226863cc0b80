/**
 * The run scripts' system checks: `npm test` and `npm run demo` check the system packages before `npm ci` (which
 * builds the native modules), the list matches what `.ci/run` installs, and the demo refuses to start on Linux
 * without a throwaway keyring instead of putting its fake keys in the user's own.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

interface Need {
  command: string;
  pkg: string;
  for: string[];
}
interface Deps {
  SYSTEM_NEEDS: Need[];
  LIBSECRET: { pkg: string };
  missingSystemPackages(
    purpose: string,
    probe: { have(command: string): boolean; haveLibsecret(): boolean },
  ): { missing: { label: string; pkg: string }[]; packages: string[] };
}
interface Run {
  withThrowawayKeyring(
    command: string,
    args: string[],
    env: Record<string, string>,
    probe: { platform: string; have(command: string): boolean },
  ): [string, string[], Record<string, string>];
  assertThrowawayKeyring(probe: { platform: string; have(command: string): boolean }): void;
}

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(ROOT, file)).href)) as T;
const deps = await load<Deps>('scripts/lib/deps.mjs');
const run = await load<Run>('scripts/lib/run.mjs');
const source = (file: string) => readFileSync(join(ROOT, file), 'utf8');
/** The system packages `.ci/run` installs. */
const aptPackages = (): string[] => /APT_PACKAGES="([^"]+)"/.exec(source('.ci/run'))?.[1]?.split(/\s+/) ?? [];

describe('system packages', () => {
  it('checks exactly what .ci/run installs', () => {
    const apt = aptPackages();
    expect(apt.length).toBeGreaterThan(0);
    const checked = [...deps.SYSTEM_NEEDS.filter((n) => n.for.includes('test')).map((n) => n.pkg), deps.LIBSECRET.pkg];
    expect(new Set(checked)).toEqual(new Set(apt));
    for (const pkg of ['python3', 'make', 'g++', 'pkg-config']) expect(checked).toContain(pkg);
  });

  it('names every missing package for the tests, and the demo what it needs to build keytar and a keyring', () => {
    const nothing = { have: () => false, haveLibsecret: () => false };
    expect(new Set(deps.missingSystemPackages('test', nothing).packages)).toEqual(new Set(aptPackages()));
    const demo = deps.missingSystemPackages('demo', nothing).packages;
    for (const pkg of ['dbus', 'gnome-keyring', 'libsecret-1-dev', 'python3', 'make', 'g++', 'pkg-config']) {
      expect(demo).toContain(pkg);
    }
    expect(demo).not.toContain('chromium');
    expect(demo).not.toContain('xvfb');
    const everything = { have: () => true, haveLibsecret: () => true };
    expect(deps.missingSystemPackages('test', everything)).toEqual({ missing: [], packages: [] });
  });

  it.each(['scripts/test.mjs', 'scripts/demo.mjs'])('%s checks system packages before npm ci', (file) => {
    const text = source(file).replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
    const system = text.search(/ensureSystemPackages\(/);
    const npm = text.search(/ensureNodeModules\(\)/);
    expect(system).toBeGreaterThan(-1);
    expect(npm).toBeGreaterThan(-1);
    expect(system).toBeLessThan(npm);
  });
});

describe("the demo's throwaway keyring", () => {
  const env = { PATH: '/usr/bin' };

  it.each([
    [['gnome-keyring-daemon'], 'sudo apt-get install gnome-keyring'],
    [['dbus-run-session'], 'sudo apt-get install dbus'],
    [['dbus-run-session', 'gnome-keyring-daemon'], 'sudo apt-get install dbus gnome-keyring'],
  ])('refuses on Linux without %s, naming the packages, instead of using your keyring', (absent, install) => {
    const probe = { platform: 'linux', have: (command: string) => !absent.includes(command) };
    expect(() => run.assertThrowawayKeyring(probe)).toThrow(install);
    expect(() => run.withThrowawayKeyring('npx', ['tsx', 'x.ts'], env, probe)).toThrow(/not use your own keyring/);
  });

  it('runs the demo inside a private D-Bus session with a throwaway keyring on Linux', () => {
    const [command, args, childEnv] = run.withThrowawayKeyring('npx', ['tsx', 'x.ts'], env, {
      platform: 'linux',
      have: () => true,
    });
    expect(command).toBe('dbus-run-session');
    expect(args.join(' ')).toContain('gnome-keyring-daemon --unlock');
    expect(args.slice(-3)).toEqual(['npx', 'tsx', 'x.ts']);
    expect(childEnv.XDG_DATA_HOME).toMatch(/ava-demo-keyring-/);
    rmSync(childEnv.XDG_DATA_HOME!, { recursive: true, force: true });
  });

  it('leaves the command as is elsewhere (the demo has its own keychain service there)', () => {
    expect(run.withThrowawayKeyring('npx', ['x'], env, { platform: 'darwin', have: () => false })).toEqual([
      'npx',
      ['x'],
      env,
    ]);
  });

  it('is used by both demo paths (Electron and the preview host), and checked before the build', () => {
    const demo = source('scripts/demo.mjs');
    expect(demo.match(/withThrowawayKeyring\(/g)?.length).toBe(2);
    expect(demo).not.toMatch(/spawn\(electron,/);
    expect(demo.indexOf('assertThrowawayKeyring()')).toBeLessThan(demo.indexOf('buildApp()'));
  });
});
