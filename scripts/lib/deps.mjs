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

/** Whether a command is on the PATH. */
export function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function haveLibsecret() {
  const probe = 'pkg-config --exists libsecret-1 2>/dev/null || test -e /usr/include/libsecret-1';
  return spawnSync('sh', ['-c', probe], { stdio: 'ignore' }).status === 0;
}

/**
 * What each command needs from the system (Debian packages), the same list `.ci/run` installs: `test` is everything,
 * `demo` what `npm run demo` needs (the native-module toolchain and libsecret for keytar, and D-Bus with
 * gnome-keyring for the throwaway keyring that holds the demo's fake keys).
 */
export const SYSTEM_NEEDS = [
  { command: 'chromium', pkg: 'chromium', why: 'end-to-end tests of the real UI', for: ['test'] },
  {
    command: 'dbus-run-session',
    pkg: 'dbus',
    why: 'a private D-Bus session for the keychain (tests, and the throwaway keyring of the demo)',
    for: ['test', 'demo'],
  },
  { command: 'dbus-launch', pkg: 'dbus-x11', why: 'keytar without a desktop session', for: ['test'] },
  {
    command: 'gnome-keyring-daemon',
    pkg: 'gnome-keyring',
    why: 'a real Secret Service keychain (tests, and the throwaway keyring of the demo)',
    for: ['test', 'demo'],
  },
  { command: 'xvfb-run', pkg: 'xvfb', why: 'real-window Electron tests', for: ['test'] },
  { command: 'python3', pkg: 'python3', why: 'building native modules (node-gyp)', for: ['test', 'demo'] },
  { command: 'make', pkg: 'make', why: 'building native modules (node-gyp)', for: ['test', 'demo'] },
  { command: 'g++', pkg: 'g++', why: 'building native modules (node-gyp)', for: ['test', 'demo'] },
  { command: 'pkg-config', pkg: 'pkg-config', why: 'finding libsecret to build keytar', for: ['test', 'demo'] },
  { command: 'openssl', pkg: 'openssl', why: 'a self-signed certificate for the HTTPS proxy tests', for: ['test'] },
];
export const LIBSECRET = { pkg: 'libsecret-1-dev', why: 'building keytar (the OS keychain)' };

/** What is missing for `purpose` ('test' or 'demo'), given how to probe: `{ missing: [{label, pkg, why}], packages }`. */
export function missingSystemPackages(purpose, probe = { have, haveLibsecret }) {
  const missing = SYSTEM_NEEDS.filter((need) => need.for.includes(purpose) && !probe.have(need.command)).map(
    (need) => ({ label: need.command, pkg: need.pkg, why: need.why }),
  );
  if (!probe.haveLibsecret()) missing.push({ label: 'libsecret-1', ...LIBSECRET });
  return { missing, packages: [...new Set(missing.map((m) => m.pkg))] };
}

/**
 * Installs (as root, with apt) or names the system packages `purpose` needs. Only on Linux: elsewhere the OS has its
 * own keychain and toolchain story, and nothing here is checked. Run it before `npm ci`, which builds native modules.
 */
export function ensureSystemPackages(purpose = 'test') {
  if (process.platform !== 'linux') return;
  const { missing, packages } = missingSystemPackages(purpose);
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
  const lines = missing.map((m) => `  - ${m.label} (${m.pkg}): ${m.why}`);
  throw new Error(
    `Missing system packages:\n${lines.join('\n')}\nInstall them with:\n  sudo apt-get install ${packages.join(' ')}`,
  );
}
