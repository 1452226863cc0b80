/**
 * The demo in the browser-preview host: the local fakes with the `clinic` world, the real core with the demo
 * accounts connected, and the real UI on a loopback URL. Started by `npm run demo` where Electron is not installed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCore } from '../src/main/core/app';
import { startPreviewHost } from '../src/preview/server/host';
import { startFakes } from '../test/fakes';

const ROOT = resolve(__dirname, '..');

async function main(): Promise<void> {
  const fakes = await startFakes({ world: 'clinic' });
  const c = fakes.credentials;
  const dataDir = mkdtempSync(join(tmpdir(), 'ava-desk-demo-'));
  const core = await createCore({
    dataDir,
    transport: 'preview',
    appVersion: process.env.npm_package_version ?? '0.0.0',
    platform: process.platform,
    osLocale: Intl.DateTimeFormat().resolvedOptions().locale,
    env: process.env,
    vapiUrl: fakes.vapi.url,
    twilioUrl: fakes.twilio.url,
    keychainService: 'AVA Desk (demo)',
    demo: {
      backendUrl: fakes.backend.url,
      identifier: c.backend.email,
      password: c.backend.password,
      vapiPrivateKey: c.vapi.privateKey,
      twilioAccountSid: c.twilio.accountSid,
      twilioAuthToken: c.twilio.authToken,
    },
  });
  const host = await startPreviewHost({
    core,
    rendererDir: join(ROOT, 'out/renderer'),
    shimFile: join(ROOT, 'out/preview/preview-shim.js'),
  });
  await core.start();
  process.stdout.write(
    [
      '',
      `AVA Desk demo (world "${fakes.world.name}") — open this URL in your browser:`,
      `  ${host.url}`,
      '',
      `Fakes: Vapi ${fakes.vapi.url} · Twilio ${fakes.twilio.url} · backend ${fakes.backend.url}`,
      `Backend sign-in: ${c.backend.email} / ${c.backend.password}`,
      `Data folder: ${dataDir}`,
      'Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const stop = async (): Promise<void> => {
    await host.close();
    await core.dispose();
    await fakes.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The demo could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
