/**
 * The e2e fixture: a real core in a fresh data folder, served by the real preview host, opened in Chromium with its
 * per-run token. Screenshots go to test-results/screenshots so a human can look at them.
 */
import { test as base, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCore, type Core } from '../../src/main/core/app';
import { startPreviewHost, type PreviewHost } from '../../src/preview/server/host';

export const ROOT = resolve(__dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-results/screenshots');

export interface AppFixture {
  core: Core;
  host: PreviewHost;
  dataDir: string;
  /** Opens the app in the page and waits for the shell. */
  open(page: Page): Promise<void>;
  shot(page: Page, name: string): Promise<string>;
}

export const test = base.extend<{ app: AppFixture }>({
  // Playwright reads fixture dependencies from the destructuring pattern; this fixture has none.
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ava-e2e-'));
    const core = await createCore({
      dataDir,
      transport: 'preview',
      appVersion: '0.0.0-test',
      platform: process.platform,
      osLocale: 'en-US',
      env: {},
    });
    const host = await startPreviewHost({
      core,
      rendererDir: join(ROOT, 'out/renderer'),
      shimFile: join(ROOT, 'out/preview/preview-shim.js'),
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await use({
      core,
      host,
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
    await core.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
