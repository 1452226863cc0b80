import { readdirSync } from 'node:fs';
import { expect, test } from './fixtures';

test.use({ connected: true });

test('the synced calls are listed, searchable offline, and readable turn by turn', async ({ page, app }) => {
  await app.open(page);
  const rows = page.getByTestId('call-row');
  await expect(rows.first()).toBeVisible();
  const total = (await app.core.handlers.calls.list({ limit: 1 })).total;
  expect(total).toBeGreaterThan(400);
  await expect(page.getByTestId('calls-count')).toHaveText(`${total} calls`);

  // The first ended call with a transcript: open it and read its turns.
  const page1 = await app.core.handlers.calls.list({ limit: 50 });
  const withTranscript = page1.items.find((c) => c.transcriptState === 'full' && c.status === 'ended')!;
  await rows.nth(page1.items.indexOf(withTranscript)).click();
  const detail = page.getByTestId('call-detail');
  await expect(detail.getByTestId('transcript').locator('li').first()).toBeVisible();
  const turns = (await app.core.handlers.calls.get({ id: withTranscript.id })).turns;
  await expect(detail.getByTestId('transcript').locator('li')).toHaveCount(turns.length);
  await expect(detail.getByTestId('transcript').locator('li').first()).toContainText(turns[0]!.text.slice(0, 30));
  await app.shot(page, 'calls-detail-en');

  // Search ignores accents: "ordonnance" also finds "Ordonnance"; results carry highlighted snippets.
  await page.getByRole('searchbox').fill('ordonnance');
  await expect(page.getByTestId('call-snippet').first().locator('mark')).toBeVisible();
  const found = await app.core.handlers.calls.list({ text: 'ordonnance', limit: 1 });
  await expect(page.getByTestId('calls-count')).toHaveText(`${found.total} calls`);
  expect(found.total).toBeGreaterThan(0);
  expect(found.total).toBeLessThan(total);
  await app.shot(page, 'calls-search-en');

  await page.getByRole('searchbox').fill('zzzz-nothing-like-this');
  await expect(page.getByTestId('calls-empty')).toHaveText('No call matches this search.');
});

test('the banner counts exactly the calls the backend missed, and lists them', async ({ page, app }) => {
  const truth = app.fakes.truth.missingFromBackend();
  await app.open(page);
  const banner = page.getByTestId('missing-banner');
  await expect(banner).toContainText(`The backend missed ${truth.length} calls since`);
  await banner.getByRole('button', { name: 'Show them' }).click();
  await expect(page.getByTestId('calls-count')).toHaveText(`${truth.length} calls`);
  await expect(page.getByTestId('call-row').first()).toContainText('not in backend');
  await banner.getByRole('button', { name: 'Check the webhooks' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Assistants' })).toBeVisible();
});

test('in French, with the dark theme', async ({ page, app }) => {
  await app.core.handlers.settings.update({ language: 'fr', theme: 'dark' });
  await app.open(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Appels' })).toBeVisible();
  await page.getByTestId('call-row').nth(1).click();
  await expect(page.getByTestId('call-detail')).toContainText('Transcription');
  await app.shot(page, 'calls-detail-fr-dark');
});

test('the assistants page shows which webhooks reach the backend', async ({ page, app }) => {
  await app.open(page);
  await page.getByRole('navigation').getByRole('button', { name: 'Assistants' }).click();
  const table = page.getByTestId('assistants-table');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table.getByRole('row', { name: /Ava – accueil principal/ })).toContainText('Reaches the backend');
  await expect(table.getByRole('row', { name: /Accueil \(ancien backend\)/ })).toContainText('Sent elsewhere');
  await expect(table.getByRole('row', { name: /Secrétariat – ordonnances/ })).toContainText(
    'End-of-call report switched off',
  );
  await expect(page.getByTestId('assistants-summary')).toContainText('2 assistants do not send');
  await app.shot(page, 'assistants-en');
});

test.describe('with a damaged cache file', () => {
  test.use({ dataDirFiles: { 'calls.db': 'this is not a SQLite database'.repeat(200) } });

  test('sets it aside, says so, and rebuilds it by a full sync', async ({ page, app }) => {
    await app.open(page);
    await expect(page.getByTestId('notice-cache-rebuilt')).toContainText('The call cache was damaged');
    await expect(page.getByTestId('call-row').first()).toBeVisible();
    expect(readdirSync(app.dataDir).some((name) => name.startsWith('calls.db.corrupt-'))).toBe(true);
    await app.shot(page, 'calls-cache-rebuilt-en');
    await page.getByTestId('notice-cache-rebuilt').getByRole('button', { name: 'Close' }).click();
    await expect(page.getByTestId('notice-cache-rebuilt')).toHaveCount(0);
  });
});

test('a source whose last sync failed is named in the status bar, and Sync now retries it', async ({ page, app }) => {
  await app.open(page);
  await expect(page.getByTestId('call-row').first()).toBeVisible();
  const syncNow = page.getByRole('button', { name: 'Sync now' });
  await expect(syncNow).toBeEnabled();
  app.fakes.faults.vapi.set('GET /call', { kind: 'status', status: 503 });
  try {
    await syncNow.click();
    const failed = page.getByTestId('status-sync-failed-vapi');
    await expect(failed).toHaveText('Last sync with Vapi failed');
    await expect(failed).toHaveAttribute('title', /^Vapi had a problem on its side/);
    // The backend part went through on its own.
    await expect(page.getByTestId('status-sync-failed-backend')).toHaveCount(0);
    await expect(syncNow).toBeEnabled();
    await app.shot(page, 'status-vapi-failed-en');
  } finally {
    app.fakes.faults.clearAll();
  }
  await syncNow.click();
  await expect(page.getByTestId('status-sync-failed-vapi')).toHaveCount(0);
});
