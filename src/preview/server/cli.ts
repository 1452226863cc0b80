/**
 * `npm run preview`: the real core and the built renderer on a loopback URL, printed for the user (or a test) to open.
 *   tsx src/preview/server/cli.ts [--data-dir DIR] [--port N] [--json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCore, developmentOverrides } from '../../main/core/app';
import { startPreviewHost } from './host';

const ROOT = resolve(__dirname, '../../..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'ava-desk-preview-'));
  const core = await createCore({
    dataDir,
    transport: 'preview',
    appVersion: process.env.npm_package_version ?? '0.0.0',
    platform: process.platform,
    osLocale: Intl.DateTimeFormat().resolvedOptions().locale,
    env: process.env,
    ...developmentOverrides(process.env),
  });
  const host = await startPreviewHost({
    core,
    rendererDir: join(ROOT, 'out/renderer'),
    shimFile: join(ROOT, 'out/preview/preview-shim.js'),
    port: values.port ? Number(values.port) : 0,
  });
  void core.start();
  if (values.json) process.stdout.write(`${JSON.stringify({ url: host.url, origin: host.origin, dataDir })}\n`);
  else process.stdout.write(`AVA Desk preview: ${host.url}\n(data folder: ${dataDir}; Ctrl+C to stop)\n`);

  const stop = async (): Promise<void> => {
    await host.close();
    await core.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`AVA Desk preview could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
