// "Installs what is missing": npm packages when node_modules is absent or older than the lockfile, and the system
// packages the tests need (installed with apt when running as root on Debian/Ubuntu, otherwise named for the user).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './electron-runtime.cjs';

const STAMP = join(ROOT, 'node_modules/.ava-lock-hash');

function lockHash() {
  return createHash('sha256')
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .digest('hex');
}

export function log(message) {
  process.stdout.write(`\x1b[36m[ava]\x1b[0m ${message}\n`);
}

export function writeLockStamp() {
  if (existsSync(join(ROOT, 'node_modules'))) writeFileSync(STAMP, lockHash());
}

export function ensureNodeModules() {
  const hash = lockHash();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return;
  log('Installing npm packages (npm ci)…');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: ROOT,
    stdio: 'inherit',
    // The Electron binary and Playwright's browsers are never downloaded at install: Electron is fetched only where a
    // developer runs it, and the tests use the system's Chromium.
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  if (result.status !== 0) throw new Error('npm ci failed');
  writeLockStamp();
}

function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The commands the tests need, with the Debian package that provides each. */
const SYSTEM_NEEDS = [
  { command: 'chromium', pkg: 'chromium', why: 'end-to-end tests of the real UI' },
  { command: 'dbus-run-session', pkg: 'dbus', why: 'a private D-Bus session for the keychain tests' },
  { command: 'dbus-launch', pkg: 'dbus-x11', why: 'keytar without a desktop session' },
  { command: 'gnome-keyring-daemon', pkg: 'gnome-keyring', why: 'a real Secret Service keychain' },
  { command: 'xvfb-run', pkg: 'xvfb', why: 'real-window Electron tests' },
];

export function ensureSystemPackages() {
  const missing = SYSTEM_NEEDS.filter((need) => !have(need.command));
  const libsecret = spawnSync(
    'sh',
    ['-c', 'pkg-config --exists libsecret-1 2>/dev/null || test -e /usr/include/libsecret-1'],
    {
      stdio: 'ignore',
    },
  );
  const packages = [...new Set(missing.map((m) => m.pkg))];
  if (libsecret.status !== 0) packages.push('libsecret-1-dev');
  if (packages.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && have('apt-get')) {
    log(`Installing system packages: ${packages.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: 'inherit',
      env,
    });
    if (update.status === 0 && install.status === 0) return;
  }
  const lines = missing.map((m) => `  - ${m.command} (${m.pkg}): ${m.why}`);
  throw new Error(
    `Missing system packages:\n${lines.join('\n')}\nInstall them with:\n  sudo apt-get install ${packages.join(' ')}`,
  );
}
