// `npm run package`: installers for this platform with electron-builder (fuses flipped, native modules rebuilt for
// Electron). Needs an Electron runtime; never run by install or the tests.
import { spawnSync } from 'node:child_process';
import { ensureNodeModules } from './lib/deps.mjs';
import { findElectronBinary, ROOT } from './lib/electron-runtime.cjs';
import { buildApp } from './lib/run.mjs';

ensureNodeModules();
if (!findElectronBinary()) {
  console.error('Packaging needs the Electron runtime: fetch it with `npx install-electron` first.');
  process.exit(1);
}
buildApp();
const result = spawnSync('npx', ['electron-builder', '--publish', 'never', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
