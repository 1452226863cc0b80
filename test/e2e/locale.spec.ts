/**
 * With the language left at "system", the app speaks the OS's language: the browser's locale stands for it here, as
 * navigator.languages does in Electron. Also: a fixture that is not "connected" still talks only to the local
 * backend fake, never to the production server.
 */
import { expect, test } from './fixtures';

test.describe('OS language fr-FR', () => {
  test.use({ locale: 'fr-FR' });

  test('shows the French navigation without any setting', async ({ page, app }) => {
    expect((await app.core.handlers.settings.get()).language).toBe('system');
    await app.open(page);
    const nav = page.getByRole('navigation');
    for (const name of ['Réglages', 'Appels']) await expect(nav.getByRole('button', { name })).toBeVisible();
    await expect(nav.getByRole('button', { name: 'Settings' })).toHaveCount(0);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await app.shot(page, 'shell-os-locale-fr');
  });
});

test.describe('OS language en-US', () => {
  test.use({ locale: 'en-US' });

  test('shows the English navigation without any setting', async ({ page, app }) => {
    expect((await app.core.handlers.settings.get()).language).toBe('system');
    await app.open(page);
    const nav = page.getByRole('navigation');
    for (const name of ['Settings', 'Calls']) await expect(nav.getByRole('button', { name })).toBeVisible();
    await expect(nav.getByRole('button', { name: 'Réglages' })).toHaveCount(0);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });
});

test('a fixture that is not connected health-checks the local backend fake, not production', async ({ app }) => {
  expect((await app.core.handlers.settings.get()).backendUrl).toBe(app.fakes.backend.url);
  await expect.poll(() => app.fakes.backend.requests().filter((r) => r.path === '/healthz').length).toBeGreaterThan(0);
});
