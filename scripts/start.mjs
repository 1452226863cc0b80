// `npm start`: the desktop app, where an Electron runtime is installed. Rebuilds the native modules for Electron
// first (a copy of each build is kept, so switching back for `npm test` is instant).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureNodeModules, log } from './lib/deps.mjs';
import { findElectronBinary, ROOT } from './lib/electron-runtime.cjs';
import { ensureNative } from './lib/native.mjs';
import { buildApp } from './lib/run.mjs';

ensureNodeModules();
const electron = findElectronBinary();
if (!electron) {
  console.error(
    'No Electron runtime is installed. Fetch it with `npx install-electron`, or try the app in a browser with `npm run preview`.',
  );
  process.exit(1);
}
buildApp();
for (const action of ensureNative('electron')) log(action);
const app = spawn(electron, [join(ROOT, 'out/main/index.js')], { cwd: ROOT, stdio: 'inherit' });
app.on('exit', (code) => process.exit(code ?? 0));
