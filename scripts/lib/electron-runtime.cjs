// Finds an installed Electron binary without triggering electron's own on-demand download (requiring the `electron`
// package from Node would try to fetch the binary when it is missing). CommonJS so both the .mjs scripts and the
// TypeScript tests (loaded as CommonJS by Playwright) can use it.
const { existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');

function findElectronBinary() {
  const pkg = join(ROOT, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
    const candidate = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, name);
    return existsSync(candidate) ? candidate : null;
  }
  if (!existsSync(pathFile)) return null;
  const candidate = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(candidate) ? candidate : null;
}

function electronAbi() {
  const file = join(ROOT, 'node_modules/electron/abi_version');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

module.exports = { ROOT, findElectronBinary, electronAbi };
