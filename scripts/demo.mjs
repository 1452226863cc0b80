// `npm run demo`: AVA Desk against the local fakes (Vapi, Twilio and the AVA backend with the `clinic` world), with
// its accounts already connected. In an Electron window where Electron is installed, otherwise in the browser-preview
// host (it prints the URL to open). `npm run demo -- --preview` forces the browser. The fake keys live in a throwaway
// keyring (Linux: the demo refuses to start without one rather than use yours) or, on macOS and Windows, under a
// keychain service of their own.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureNodeModules, ensureSystemPackages, log } from './lib/deps.mjs';
import { findElectronBinary, ROOT } from './lib/electron-runtime.cjs';
import { ensureNative } from './lib/native.mjs';
import { assertThrowawayKeyring, buildApp, withThrowawayKeyring } from './lib/run.mjs';

function refuse(error) {
  console.error(`The demo cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let electron;
try {
  // System packages first: npm ci builds the native modules, and the throwaway keyring needs D-Bus and gnome-keyring.
  ensureSystemPackages('demo');
  ensureNodeModules();
  // Refuse now, before building, if the fake keys would have nowhere but the user's own keyring to go.
  assertThrowawayKeyring();
  buildApp();
  electron = process.argv.includes('--preview') ? null : findElectronBinary();
} catch (error) {
  refuse(error);
}
const children = [];
const stopAll = () => children.forEach((child) => child.kill('SIGTERM'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll());

if (electron) {
  for (const action of ensureNative('electron')) log(action);
  const fakes = spawn('npx', ['tsx', 'test/fakes/cli.ts', '--world', 'clinic', '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(fakes);
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: fakes.stdout }).once('line', resolve);
    fakes.once('exit', (code) => reject(new Error(`The fakes stopped before starting (exit ${code}).`)));
  });
  const world = JSON.parse(line);
  const demo = {
    backendUrl: world.urls.backend,
    identifier: world.backend.email,
    password: world.backend.password,
    vapiPrivateKey: world.vapi.privateKey,
    twilioAccountSid: world.twilio.accountSid,
    twilioAuthToken: world.twilio.authToken,
  };
  log(
    `Fakes up (Vapi ${world.urls.vapi}, Twilio ${world.urls.twilio}, backend ${world.urls.backend}). Starting AVA Desk…`,
  );
  // The fake keys go to a throwaway keyring (Linux) or the demo's own keychain service, never the user's entries.
  const [command, args, env] = withThrowawayKeyring(electron, [join(ROOT, 'out/main/index.js')], {
    ...process.env,
    AVA_DESK_DATA_DIR: mkdtempSync(join(tmpdir(), 'ava-desk-demo-')),
    AVA_VAPI_URL: world.urls.vapi,
    AVA_TWILIO_URL: world.urls.twilio,
    AVA_KEYCHAIN_SERVICE: 'AVA Desk (demo)',
    AVA_DESK_DEMO: JSON.stringify(demo),
  });
  const app = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
  children.push(app);
  app.on('exit', (code) => {
    stopAll();
    process.exit(code ?? 0);
  });
} else {
  for (const action of ensureNative('node')) log(action);
  log('No Electron runtime here: starting the demo in the browser-preview host.');
  // Fake credentials only ever go to a throwaway keyring (Linux) or a separate keychain service (elsewhere).
  const [command, args, env] = withThrowawayKeyring('npx', [
    'tsx',
    'scripts/demo-preview.ts',
    ...process.argv.slice(2),
  ]);
  const host = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
  children.push(host);
  host.on('exit', (code) => process.exit(code ?? 0));
}
