// Finds an installed Electron binary without triggering electron's own on-demand download (requiring the `electron`
// package from Node would try to fetch the binary when it is missing).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export function findElectronBinary() {
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

export function electronAbi() {
  const file = join(ROOT, 'node_modules/electron/abi_version');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}
