import { channelNames } from '../../src/shared/contract';
import { expect, test } from './fixtures';

test('the shell shows navigation, a status bar, and every page', async ({ page, app }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await app.open(page);

  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  for (const name of ['Setup', 'Assistants', 'Calls', 'Settings']) {
    await expect(nav.getByRole('button', { name })).toBeVisible();
  }
  await expect(page.getByTestId('status-backend')).toContainText('Backend');
  await expect(page.getByTestId('status-vapi')).toContainText('Vapi');
  await expect(page.getByTestId('status-sync')).toBeVisible();

  for (const name of ['Setup', 'Assistants', 'Calls', 'Settings']) {
    await nav.getByRole('button', { name }).click();
    await expect(nav.getByRole('button', { name })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  }
  await app.shot(page, 'shell-settings-en');
  expect(errors).toEqual([]);
});

test('French and dark theme from Settings, kept after a reload', async ({ page, app }) => {
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('navigation').getByRole('button', { name: 'Réglages' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');

  await page.getByLabel('Thème').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(18, 20, 24)');
  await app.shot(page, 'shell-settings-fr-dark');

  await page.reload();
  await expect(page.getByRole('navigation').getByRole('button', { name: 'Réglages' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('the theme follows the OS when set to system', async ({ page, app }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await app.open(page);
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(18, 20, 24)');
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 247, 249)');

  // A theme chosen in Settings wins over the OS.
  await app.core.handlers.settings.update({ theme: 'light' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 247, 249)');
});

test('window.ava is exactly the contract, and validates like Electron IPC', async ({ page, app }) => {
  await app.open(page);
  const shape = await page.evaluate(() => {
    const api = window.ava as unknown as Record<string, unknown>;
    const names: string[] = [];
    for (const [ns, group] of Object.entries(api)) {
      if (typeof group === 'object' && group) for (const method of Object.keys(group)) names.push(`${ns}.${method}`);
    }
    return { names: names.sort(), hasOn: typeof api.on === 'function', frozen: Object.isFrozen(api) };
  });
  expect(shape.names).toEqual(channelNames().sort());
  expect(shape.hasOn).toBe(true);
  expect(shape.frozen).toBe(true);

  const invalid = await page.evaluate(() =>
    (window.ava.settings.update as (input: unknown) => Promise<unknown>)({ theme: 'purple' }),
  );
  expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  const extra = await page.evaluate(() =>
    (window.ava.settings.update as (input: unknown) => Promise<unknown>)({ backendUrl: 'http://evil.example' }),
  );
  expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
});

test('the page cannot reach the network: CSP connect-src self', async ({ page, app }) => {
  await app.open(page);
  const response = await page.request.get(app.host.origin + '/index.html', {
    headers: { 'X-AVA-Token': app.host.token },
  });
  expect(response.headers()['content-security-policy']).toContain("connect-src 'self'");
  const outcome = await page.evaluate(async () => {
    try {
      await fetch('http://127.0.0.1:9/');
      return 'reached';
    } catch (error) {
      return `blocked: ${(error as Error).name}`;
    }
  });
  expect(outcome).toBe('blocked: TypeError');
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
});
