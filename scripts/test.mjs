// `npm test`: installs what is missing, then runs every check and every test runner, and ends with one line
// `N passed, N failed, N skipped` over all of them. Exits non-zero on any failure. This is what CI runs.
//
//   npm test                 everything
//   npm test -- --unit       only lint/typecheck/build + vitest
//   npm test -- --e2e        only build + Playwright
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNodeModules, ensureSystemPackages, log } from './lib/deps.mjs';
import { findElectronBinary, ROOT } from './lib/electron-runtime.cjs';

const args = new Set(process.argv.slice(2));
const only = args.has('--unit') ? 'unit' : args.has('--e2e') ? 'e2e' : 'all';
const REPORTS = join(ROOT, 'test-results');

const tally = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function step(name, command, commandArgs, options = {}) {
  log(`${name}: ${command} ${commandArgs.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit', ...options });
  const ok = result.status === 0;
  lines.push(
    `${name}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return ok;
}

/** Lint, format, typecheck and build count as one check each. */
function check(name, command, commandArgs) {
  const ok = step(name, command, commandArgs);
  tally[ok ? 'passed' : 'failed'] += 1;
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function countVitest(file, exitOk) {
  const report = readJson(file);
  if (!report) {
    tally.failed += 1;
    lines.push('vitest: no report (the runner crashed)');
    return;
  }
  const passed = report.numPassedTests ?? 0;
  const failed = (report.numFailedTests ?? 0) + (exitOk || report.numFailedTests ? 0 : 1);
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  tally.passed += passed;
  tally.failed += failed;
  tally.skipped += skipped;
  lines.push(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

function countPlaywright(name, file, exitOk) {
  const report = readJson(file);
  if (!report?.stats) {
    tally.failed += 1;
    lines.push(`${name}: no report (the runner crashed)`);
    return;
  }
  const { expected = 0, unexpected = 0, skipped = 0, flaky = 0 } = report.stats;
  const failed = unexpected + (exitOk || unexpected ? 0 : 1);
  tally.passed += expected + flaky;
  tally.failed += failed;
  tally.skipped += skipped;
  lines.push(
    `${name}: ${expected + flaky} passed${flaky ? ` (${flaky} flaky)` : ''}, ${failed} failed, ${skipped} skipped`,
  );
}

/**
 * Runs a command inside a private D-Bus session with an unlocked throwaway gnome-keyring, so keychain code is tested
 * against a real Secret Service without touching the user's own keyring.
 */
function inKeyring(command, commandArgs) {
  const xdg = mkdtempSync(join(tmpdir(), 'ava-keyring-'));
  const script = 'echo -n ava-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
  return {
    command: 'dbus-run-session',
    args: ['--', 'sh', '-c', script, 'sh', command, ...commandArgs],
    env: { ...process.env, XDG_DATA_HOME: xdg, AVA_TEST_KEYRING: '1' },
    cleanup: () => rmSync(xdg, { recursive: true, force: true }),
  };
}

try {
  // System packages first: npm ci builds the native modules (keytar needs libsecret and the toolchain).
  ensureSystemPackages('test');
  ensureNodeModules();
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

mkdirSync(REPORTS, { recursive: true });
const { ensureNative } = await import('./lib/native.mjs');
for (const action of ensureNative('node')) log(action);

check('lint', 'npx', ['eslint', '.', '--max-warnings=0']);
check('format', 'npx', ['prettier', '--check', '.', '--log-level=warn']);
check('typecheck (main, core, tests)', 'npx', ['tsc', '-p', 'tsconfig.node.json']);
check('typecheck (renderer)', 'npx', ['tsc', '-p', 'tsconfig.web.json']);
check('typecheck (e2e)', 'npx', ['tsc', '-p', 'tsconfig.e2e.json']);
const built = check('build', 'npm', ['run', '--silent', 'build']);

if (only !== 'e2e') {
  const report = join(REPORTS, 'vitest.json');
  rmSync(report, { force: true });
  const run = inKeyring('npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  const ok = step('vitest (unit + integration)', run.command, run.args, { env: run.env });
  run.cleanup();
  countVitest(report, ok);
}

if (only !== 'unit') {
  if (!built) {
    tally.failed += 1;
    lines.push('playwright: not run (the build failed)');
  } else {
    playwright('e2e', 'playwright e2e (real UI in Chromium via the preview host)');
    const electron = findElectronBinary();
    if (electron) {
      // The app loads native modules built for Electron; vitest and the e2e core needed them built for Node.
      for (const action of ensureNative('electron')) log(action);
    }
    playwright('electron', 'playwright electron (the real app window)', Boolean(electron));
    if (electron) for (const action of ensureNative('node')) log(action);
  }
}

function playwright(project, name, needsDisplay = false) {
  const report = join(REPORTS, `playwright-${project}.json`);
  rmSync(report, { force: true });
  const base = ['playwright', 'test', `--project=${project}`, '--reporter=list,json'];
  // Electron needs a display; Xvfb gives it one on a headless machine.
  const xvfb = needsDisplay && !process.env.DISPLAY && process.platform === 'linux';
  const run = inKeyring(xvfb ? 'xvfb-run' : 'npx', xvfb ? ['-a', 'npx', ...base] : base);
  const ok = step(name, run.command, run.args, { env: { ...run.env, PLAYWRIGHT_JSON_OUTPUT_NAME: report } });
  run.cleanup();
  countPlaywright(`playwright ${project}`, report, ok);
}

console.log('');
for (const line of lines) console.log(`  ${line}`);
if (!findElectronBinary()) {
  console.log('  (no Electron runtime on this machine: the Electron window tests were skipped)');
}
console.log(`${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
process.exit(tally.failed > 0 ? 1 : 0);
