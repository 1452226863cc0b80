/**
 * With the language left at "system", the app speaks the OS's language: the browser's locale stands for it here, as
 * navigator.languages does in Electron. Also: a fixture that is not "connected" still talks only to the local
 * backend fake, never to the production server.
 */
import { expect, test } from './fixtures';

const LOCALES = [
  { locale: 'fr-FR', lang: 'fr', language: 'French', shown: ['Réglages', 'Appels'], absent: 'Settings' },
  { locale: 'en-US', lang: 'en', language: 'English', shown: ['Settings', 'Calls'], absent: 'Réglages' },
];

for (const { locale, lang, language, shown, absent } of LOCALES) {
  test.describe(`OS language ${locale}`, () => {
    test.use({ locale });

    test(`shows the ${language} navigation without any setting`, async ({ page, app }) => {
      expect((await app.core.handlers.settings.get()).language).toBe('system');
      await app.open(page);
      const nav = page.getByRole('navigation');
      for (const name of shown) await expect(nav.getByRole('button', { name })).toBeVisible();
      await expect(nav.getByRole('button', { name: absent })).toHaveCount(0);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await app.shot(page, `shell-os-locale-${lang}`);
    });
  });
}

test('a fixture that is not connected health-checks the local backend fake, not production', async ({ app }) => {
  await expect.poll(() => app.fakes.backend.requests().filter((r) => r.path === '/healthz').length).toBeGreaterThan(0);
});
