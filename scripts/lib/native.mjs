// Native modules (better-sqlite3, keytar) must be built for the runtime that loads them: Node for the tests, Electron
// for the app. Each build is kept in .native-cache/<module>/<runtime>-<abi>/ so switching back and forth is a file
// copy, not a 100-second compile.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronAbi, ROOT } from './electron-runtime.cjs';

const MODULES = [
  { name: 'better-sqlite3', binary: 'build/Release/better_sqlite3.node' },
  { name: 'keytar', binary: 'build/Release/keytar.node' },
];

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

function markerFile(module) {
  return join(ROOT, 'node_modules', module.name, 'build/Release/.ava-runtime');
}

function currentRuntime(module) {
  const binary = join(ROOT, 'node_modules', module.name, module.binary);
  if (!existsSync(binary)) return null;
  const marker = markerFile(module);
  // Without a marker the binary came from `npm ci`, which builds with the Node running npm.
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : `node-${process.versions.modules}`;
}

/** Makes every native module loadable by `runtime` ('node' or 'electron'). Returns what it did, for the log. */
export function ensureNative(runtime) {
  const abi = runtime === 'node' ? process.versions.modules : electronAbi();
  if (!abi) throw new Error('Electron is not installed in node_modules: cannot build native modules for it.');
  const wanted = `${runtime}-${abi}`;
  const actions = [];
  const toBuild = [];
  for (const module of MODULES) {
    const binary = join(ROOT, 'node_modules', module.name, module.binary);
    const cached = join(ROOT, '.native-cache', module.name, wanted, 'module.node');
    const current = currentRuntime(module);
    if (current === wanted) {
      // Keep a copy of the build we already have, so a later switch back is instant.
      if (!existsSync(cached)) stash(binary, cached);
      continue;
    }
    if (current) stash(binary, join(ROOT, '.native-cache', module.name, current, 'module.node'));
    if (existsSync(cached)) {
      copyFileSync(cached, binary);
      writeFileSync(markerFile(module), wanted);
      actions.push(`${module.name}: restored the ${wanted} build`);
    } else {
      toBuild.push(module);
    }
  }
  if (toBuild.length > 0) {
    const names = toBuild.map((m) => m.name);
    if (runtime === 'node') {
      run('npm', ['rebuild', ...names]);
    } else {
      // Compiles against Electron's headers (downloaded by node-gyp from electronjs.org).
      run('npx', ['electron-builder', 'install-app-deps']);
    }
    for (const module of toBuild) {
      writeFileSync(markerFile(module), wanted);
      stash(
        join(ROOT, 'node_modules', module.name, module.binary),
        join(ROOT, '.native-cache', module.name, wanted, 'module.node'),
      );
      actions.push(`${module.name}: built for ${wanted}`);
    }
  }
  return actions;
}

function stash(from, to) {
  if (!existsSync(from)) return;
  mkdirSync(join(to, '..'), { recursive: true });
  copyFileSync(from, to);
}
