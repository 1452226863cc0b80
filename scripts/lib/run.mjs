// Shared steps of the run scripts (preview, demo, start).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from './deps.mjs';
import { ROOT } from './electron-runtime.cjs';

export function buildApp() {
  log('Building the app (electron-vite)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The build failed.');
}

function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * On Linux, runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring: demo and preview
 * credentials are fake and must never land in the user's own keychain. Elsewhere (macOS, Windows) the command runs
 * as is, and the core uses a separate keychain service name for the demo.
 */
export function withThrowawayKeyring(command, args, env = process.env) {
  if (process.platform !== 'linux' || !have('dbus-run-session') || !have('gnome-keyring-daemon')) {
    return [command, args, env];
  }
  const xdg = mkdtempSync(join(tmpdir(), 'ava-demo-keyring-'));
  const script = 'echo -n ava-demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
  return ['dbus-run-session', ['--', 'sh', '-c', script, 'sh', command, ...args], { ...env, XDG_DATA_HOME: xdg }];
}
