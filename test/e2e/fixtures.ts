/**
 * The e2e fixtures: a real core in a fresh data folder, served by the real preview host, opened in Chromium with its
 * per-run token, against the local fakes (clinic world). Screenshots go to test-results/screenshots so a human can
 * look at them.
 */
import { test as base, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../src/main/core/app';
import { startPreviewHost, type PreviewHost } from '../../src/preview/server/host';
import { DEFAULT_SETTINGS } from '../../src/shared/domain';
import { startFakes, type Fakes } from '../fakes';

export const ROOT = resolve(__dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-results/screenshots');

export interface AppFixture {
  core: Core;
  host: PreviewHost;
  fakes: Fakes;
  dataDir: string;
  /** Opens the app in the page and waits for the shell. */
  open(page: Page): Promise<void>;
  shot(page: Page, name: string): Promise<string>;
}

interface Options {
  /** Connect the demo accounts and finish a first sync before the test starts. */
  connected: boolean;
  /** Extra core options (a failing keychain, …). */
  coreOptions: Partial<CoreOptions>;
  /** Files written in the data folder before the core opens it (a damaged cache, …): name → content. */
  dataDirFiles: Record<string, string>;
}

export const test = base.extend<Options & { app: AppFixture }>({
  connected: [false, { option: true }],
  coreOptions: [{}, { option: true }],
  dataDirFiles: [{}, { option: true }],
  app: async ({ connected, coreOptions, dataDirFiles, locale }, use, testInfo) => {
    const fakes = await startFakes({ world: 'clinic' });
    const c = fakes.credentials;
    const dataDir = mkdtempSync(join(tmpdir(), 'ava-e2e-'));
    // Every test starts on the local backend fake, connected or not: the default backend URL is the production
    // server, and no test may reach the internet (start() health-checks the backend at once).
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ ...DEFAULT_SETTINGS, backendUrl: fakes.backend.url }),
    );
    for (const [name, content] of Object.entries(dataDirFiles)) writeFileSync(join(dataDir, name), content);
    const core = await createCore({
      dataDir,
      transport: 'preview',
      appVersion: '0.0.0-test',
      platform: process.platform,
      // The browser's locale (test.use({ locale })) stands for the OS's, as in Electron.
      osLocale: locale ?? 'en-US',
      env: {},
      vapiUrl: fakes.vapi.url,
      twilioUrl: fakes.twilio.url,
      // A keychain service of its own per test: tests never see each other's (or a developer's) secrets.
      keychainService: `AVA Desk e2e ${testInfo.testId}`,
      ...(connected
        ? {
            demo: {
              backendUrl: fakes.backend.url,
              identifier: c.backend.email,
              password: c.backend.password,
              vapiPrivateKey: c.vapi.privateKey,
              twilioAccountSid: c.twilio.accountSid,
              twilioAuthToken: c.twilio.authToken,
            },
          }
        : {}),
      ...coreOptions,
    });
    const { backendUrl } = await core.handlers.settings.get();
    if (backendUrl !== fakes.backend.url) {
      throw new Error(`e2e fixture: the core would talk to ${backendUrl}, not the local backend fake`);
    }
    await core.start();
    if (connected) await core.handlers.sync.now();
    const host = await startPreviewHost({
      core,
      rendererDir: join(ROOT, 'out/renderer'),
      shimFile: join(ROOT, 'out/preview/preview-shim.js'),
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await use({
      core,
      host,
      fakes,
      dataDir,
      async open(page) {
        await page.goto(host.url);
        await page.getByRole('navigation').waitFor();
      },
      async shot(page, name) {
        const path = join(SCREENSHOTS, `${name}.png`);
        await page.screenshot({ path, fullPage: false });
        return path;
      },
    });
    await host.close();
    // Forget what the test stored in the keychain.
    for (const name of ['vapiPrivateKey', 'twilioAuthToken', 'webhookSecret'] as const) {
      await core.handlers.secrets.forget({ name }).catch(() => undefined);
    }
    await core.handlers.auth.signOut().catch(() => undefined);
    await core.dispose();
    await fakes.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
