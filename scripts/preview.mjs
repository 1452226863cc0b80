// `npm run preview`: the real UI and the real core in any browser, on a loopback URL with a per-run token. For
// machines without an Electron runtime, and for looking at the UI. Extra arguments go to the host
// (`--data-dir DIR`, `--port N`).
import { spawn } from 'node:child_process';
import { ensureNodeModules, log } from './lib/deps.mjs';
import { ROOT } from './lib/electron-runtime.cjs';
import { ensureNative } from './lib/native.mjs';
import { buildApp } from './lib/run.mjs';

ensureNodeModules();
for (const action of ensureNative('node')) log(action);
buildApp();
// The user's own keychain: keys entered here are real (the demo, with fake ones, uses a throwaway keyring instead).
const child = spawn('npx', ['tsx', 'src/preview/server/cli.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
