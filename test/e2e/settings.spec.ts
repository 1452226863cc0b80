import type { KeychainBackend } from '../../src/main/core/secrets/vault';
import { expect, test } from './fixtures';

test('connect the backend account, Vapi and Twilio from Settings, with errors in plain words', async ({
  page,
  app,
}) => {
  const c = app.fakes.credentials;
  await app.core.handlers.backend.setUrl({ url: app.fakes.backend.url });
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('backend-url')).toHaveText(app.fakes.backend.url);

  // Backend sign-in: a wrong password first, then the right one.
  const account = page.getByTestId('card-account');
  await account.getByLabel('Email or phone number').fill(c.backend.email);
  await account.getByLabel('Password').fill('wrong-password');
  await account.getByRole('button', { name: 'Sign in' }).click();
  await expect(account.getByRole('alert')).toContainText('The email, phone number or password is not right');
  await expect(account.getByLabel('Password')).toHaveValue('');
  await account.getByLabel('Password').fill(c.backend.password);
  await account.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText(c.backend.email);

  // Vapi: the public key is refused with Vapi's reason; the private key is kept, shown only as a hint.
  const vapi = page.getByTestId('card-vapi');
  await vapi.getByLabel('Private key').fill(c.vapi.publicKey);
  await vapi.getByRole('button', { name: 'Check and save' }).click();
  await expect(vapi.getByRole('alert')).toContainText('Vapi refused the credentials');
  await vapi.getByLabel('Private key').fill(c.vapi.privateKey);
  await vapi.getByRole('button', { name: 'Check and save' }).click();
  await expect(vapi.getByTestId('hint-vapiPrivateKey')).toHaveText(`••••${c.vapi.privateKey.slice(-4)}`);
  await expect(page.getByTestId('status-vapi')).toContainText('connected');

  // Twilio.
  const twilio = page.getByTestId('card-twilio');
  await twilio.getByLabel('Account SID').fill(c.twilio.accountSid);
  await twilio.getByLabel('Auth token').fill(c.twilio.authToken);
  await twilio.getByRole('button', { name: 'Check and save' }).click();
  await expect(twilio.getByTestId('twilio-sid')).toHaveText(c.twilio.accountSid);
  await expect(twilio.getByTestId('hint-twilioAuthToken')).toHaveText(`••••${c.twilio.authToken.slice(-4)}`);

  // The secrets never reach the page: not in the DOM, not in anything window.ava answers.
  const html = await page.content();
  for (const secret of [c.vapi.privateKey, c.twilio.authToken, c.backend.password]) expect(html).not.toContain(secret);
  const answers = JSON.stringify(
    await page.evaluate(async () => [
      await window.ava.secrets.status(),
      await window.ava.auth.status(),
      await window.ava.settings.get(),
    ]),
  );
  for (const secret of [c.vapi.privateKey, c.twilio.authToken, c.backend.password])
    expect(answers).not.toContain(secret);
  await app.shot(page, 'settings-connected-en');

  // Forget the Vapi key; sign out.
  await vapi.getByRole('button', { name: 'Forget' }).click();
  await expect(vapi.getByLabel('Private key')).toBeVisible();
  await expect(page.getByTestId('status-vapi')).toContainText('no key');
  await account.getByRole('button', { name: 'Sign out' }).click();
  await expect(account.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('a backend address over plain http to a remote host is refused', async ({ page, app }) => {
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  const account = page.getByTestId('card-account');
  await account.getByRole('button', { name: 'Change' }).click();
  await account.getByLabel('Backend address').fill('http://ava.example.com');
  await account.getByRole('button', { name: 'Switch' }).click();
  await expect(account.getByRole('alert')).toContainText('must start with https://');
  const settings = await app.core.handlers.settings.get();
  expect(settings.backendUrl).toBe(app.fakes.backend.url);
});

test('Réglages en français', async ({ page, app }) => {
  await app.core.handlers.settings.update({ language: 'fr' });
  await app.core.handlers.backend.setUrl({ url: app.fakes.backend.url });
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Réglages' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Compte AVA' })).toBeVisible();
  const account = page.getByTestId('card-account');
  await account.getByLabel('E-mail ou numéro de téléphone').fill(app.fakes.credentials.backend.email);
  await account.getByLabel('Mot de passe').fill('pas-le-bon');
  await account.getByRole('button', { name: 'Se connecter' }).click();
  await expect(account.getByRole('alert')).toContainText('mot de passe est incorrect');
  await app.shot(page, 'settings-fr');

  // Connected, in French.
  await account.getByLabel('Mot de passe').fill(app.fakes.credentials.backend.password);
  await account.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText(app.fakes.credentials.backend.email);
  await expect(account.getByRole('button', { name: 'Se déconnecter' })).toBeVisible();
  await app.shot(page, 'settings-connected-fr');
});

/** A keychain that answers like keytar does on Linux without a Secret Service. */
const noSecretService: KeychainBackend = {
  getPassword: () =>
    Promise.reject(new Error('The name org.freedesktop.secrets was not provided by any .service files')),
  setPassword: () =>
    Promise.reject(new Error('The name org.freedesktop.secrets was not provided by any .service files')),
  deletePassword: () =>
    Promise.reject(new Error('The name org.freedesktop.secrets was not provided by any .service files')),
};

test.describe('without a keychain', () => {
  test.use({ coreOptions: { keychain: noSecretService } });

  test('says what is wrong and what to do, keeps nothing in plaintext, and the cached calls stay browsable', async ({
    page,
    app,
  }) => {
    // Fill the cache while the keychain fails: the session lives in memory only, the backend's calls are synced.
    await app.core.handlers.backend.setUrl({ url: app.fakes.backend.url });
    const c = app.fakes.credentials.backend;
    await app.core.handlers.auth.signIn({ identifier: c.email, password: c.password, remember: false });
    await app.core.handlers.sync.now();
    const cached = (await app.core.handlers.calls.list({ limit: 1 })).total;
    expect(cached).toBeGreaterThan(0);

    await app.open(page);
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    const alert = page.getByTestId('keychain-alert');
    await expect(alert).toContainText('No keychain service is running');
    await expect(alert).toContainText('never stores keys in a file');
    await expect(page.getByTestId('status-bar-keychain')).toBeVisible();

    const vapi = page.getByTestId('card-vapi');
    await vapi.getByLabel('Private key').fill(app.fakes.credentials.vapi.privateKey);
    await vapi.getByRole('button', { name: 'Check and save' }).click();
    await expect(vapi.getByRole('alert')).toContainText('The system keychain is not available');
    await app.shot(page, 'settings-no-keychain-en');

    await page.getByRole('navigation').getByRole('button', { name: 'Calls' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Calls' })).toBeVisible();
    await expect(page.getByTestId('call-row').first()).toBeVisible();
    await expect(page.getByTestId('calls-count')).toHaveText(`${cached} calls`);
    await expect(page.getByTestId('calls-empty')).toHaveCount(0);
    // Still failing: the list did not need the keychain.
    expect((await app.core.handlers.secrets.status()).keychain).toMatchObject({ available: false });
    await expect(page.getByTestId('status-bar-keychain')).toBeVisible();
  });

  test('en français : la notice de démarrage et les réglages disent le problème dans la langue de l’utilisateur', async ({
    page,
    app,
  }) => {
    await app.core.handlers.settings.update({ language: 'fr' });
    await app.open(page);
    const notice = page.getByTestId('notice-keychain-unavailable');
    await expect(notice).toHaveText(
      /Le trousseau du système n'est pas disponible\. Aucun service de trousseau ne tourne\. Installez GNOME Keyring/,
    );
    await expect(notice).not.toContainText('keyring service');
    await expect(notice).not.toContainText('org.freedesktop');
    await page.getByRole('navigation').getByRole('button', { name: 'Réglages' }).click();
    const alert = page.getByTestId('keychain-alert');
    await expect(alert).toContainText('Aucun service de trousseau ne tourne');
    await expect(alert).toContainText('ne range jamais les clés dans un fichier');
    await app.shot(page, 'settings-no-keychain-fr');
  });
});

test('switching to a backend address that is asleep shows "waking the server up" on the Settings card', async ({
  page,
  app,
}) => {
  // The same fake under another name: a new address, asleep.
  const next = app.fakes.backend.url.replace('127.0.0.1', 'localhost');
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  const account = page.getByTestId('card-account');
  await expect(page.getByTestId('backend-url')).toHaveText(app.fakes.backend.url);
  app.fakes.backend.control.setSwitches({ coldStartMs: 6_000 });
  app.fakes.backend.control.simulateColdStart();
  await account.getByRole('button', { name: 'Change' }).click();
  await account.getByLabel('Backend address').fill(next);
  await account.getByRole('button', { name: 'Switch' }).click();
  const pending = account.getByTestId('backend-pending');
  await expect(pending).toContainText('Waking the server up at', { timeout: 8_000 });
  await expect(pending).toContainText(next);
  // The status bar is about the configured backend, not the one being checked.
  await expect(page.getByTestId('status-backend')).not.toContainText('waking');
  await app.shot(page, 'settings-switch-waking-en');
  await expect(page.getByTestId('backend-url')).toHaveText(next, { timeout: 15_000 });
  await expect(pending).toHaveCount(0);
});

test('a sleeping backend shows "waking the server up" until it answers', async ({ page, app }) => {
  await app.core.handlers.backend.setUrl({ url: app.fakes.backend.url });
  app.fakes.backend.control.setSwitches({ coldStartMs: 5_000 });
  app.fakes.backend.control.simulateColdStart();
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByTestId('card-account').getByRole('button', { name: 'Check' }).click();
  await expect(page.getByTestId('status-backend')).toContainText('waking the server up', { timeout: 8_000 });
  await expect(page.getByTestId('backend-health')).toHaveText('waking the server up…');
  await app.shot(page, 'settings-waking-en');
  await expect(page.getByTestId('backend-health')).toHaveText('online', { timeout: 15_000 });
  // Awake: the status bar no longer says so, and tells the next step (signed out of this backend).
  await expect(page.getByTestId('status-backend')).not.toContainText('waking');
  await expect(page.getByTestId('status-backend')).toContainText('signed out');
});
