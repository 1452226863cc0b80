// Shared steps of the run scripts (preview, demo, start).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_NEEDS, have, log } from './deps.mjs';
import { ROOT } from './electron-runtime.cjs';

export function buildApp() {
  log('Building the app (electron-vite)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The build failed.');
}

/** The Debian packages a throwaway keyring needs, by the command each provides (rows of `SYSTEM_NEEDS`). */
export const THROWAWAY_KEYRING_NEEDS = SYSTEM_NEEDS.filter((need) =>
  ['dbus-run-session', 'gnome-keyring-daemon'].includes(need.command),
);

/**
 * Throws, naming the packages to install, when this machine cannot give the demo a throwaway keyring (Linux without
 * dbus-run-session or gnome-keyring-daemon). Elsewhere there is nothing to check.
 */
export function assertThrowawayKeyring(probe = { platform: process.platform, have }) {
  if (probe.platform !== 'linux') return;
  const missing = THROWAWAY_KEYRING_NEEDS.filter((need) => !probe.have(need.command));
  if (missing.length === 0) return;
  throw new Error(
    [
      `The demo keeps its fake keys in a throwaway keyring, which needs ${missing.map((m) => m.command).join(' and ')}.`,
      'It will not use your own keyring instead. Install them with:',
      `  sudo apt-get install ${missing.map((m) => m.pkg).join(' ')}`,
    ].join('\n'),
  );
}

/**
 * On Linux, runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring: demo credentials
 * are fake and must never land in the user's own keychain. Without dbus-run-session or gnome-keyring-daemon it
 * refuses (see `assertThrowawayKeyring`) rather than fall back to the user's keyring. Elsewhere (macOS, Windows) the
 * command runs as is, and the demo uses a keychain service of its own ("AVA Desk (demo)").
 */
export function withThrowawayKeyring(command, args, env = process.env, probe = { platform: process.platform, have }) {
  if (probe.platform !== 'linux') return [command, args, env];
  assertThrowawayKeyring(probe);
  const xdg = mkdtempSync(join(tmpdir(), 'ava-demo-keyring-'));
  const script = 'echo -n ava-demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
  return ['dbus-run-session', ['--', 'sh', '-c', script, 'sh', command, ...args], { ...env, XDG_DATA_HOME: xdg }];
}
