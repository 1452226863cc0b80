/**
 * The real app in a real Electron window. Runs wherever an Electron runtime is installed (`npx install-electron`
 * fetches it); on machines without one (such as CI here, where Electron's binary download is blocked) every test in
 * this file is skipped with the reason.
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findElectronBinary } from '../../scripts/lib/electron-runtime.cjs';
import { windowWebPreferences } from '../../src/main/core/security';
import { channelNames } from '../../src/shared/contract';

const ROOT = resolve(__dirname, '../..');
const binary = findElectronBinary();

test.skip(
  !binary,
  'No Electron runtime is installed on this machine (its binary download is blocked here); these tests run wherever Electron is installed.',
);

let app: ElectronApplication;
let page: Page;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ava-electron-'));
  app = await electron.launch({
    executablePath: binary!,
    args: [join(ROOT, 'out/main/index.js')],
    env: { ...process.env, AVA_DESK_DATA_DIR: dataDir },
  });
  page = await app.firstWindow();
  await page.getByRole('navigation').waitFor();
});

test.afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('opens the shell from app://, isolated and sandboxed', async () => {
  expect(page.url()).toBe('app://ava-desk/index.html');
  await expect(page).toHaveTitle('AVA Desk');
  // The live effect of contextIsolation + sandbox + nodeIntegration off: the page sees window.ava and nothing of Node.
  const globals = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return {
      ava: typeof w.ava,
      require: typeof w.require,
      process: typeof w.process,
      module: typeof w.module,
      ipcRenderer: typeof w.ipcRenderer,
      electron: typeof w.electron,
    };
  });
  expect(globals).toEqual({
    ava: 'object',
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    ipcRenderer: 'undefined',
    electron: 'undefined',
  });
  mkdirSync(join(ROOT, 'test-results/screenshots'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-results/screenshots/electron-window.png') });
});

test("the window's live webPreferences are the secure set, with DevTools only because this build is not packaged", async () => {
  const live = await app.evaluate(({ BrowserWindow, app: electronApp }) => {
    const [window] = BrowserWindow.getAllWindows();
    // Not in Electron's typings, but a webContents method: the preferences the window was really created with.
    const contents = window!.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null };
    return { prefs: contents.getLastWebPreferences(), isPackaged: electronApp.isPackaged };
  });
  expect(live.isPackaged).toBe(false);
  expect(live.prefs).toMatchObject({
    ...windowWebPreferences({ isPackaged: false, preload: join(ROOT, 'out/preload/index.js') }),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    devTools: true,
  });
});

test('denies every permission the page asks for: notifications, camera and microphone', async () => {
  const outcome = await page.evaluate(async () => ({
    notification: await Notification.requestPermission(),
    notificationState: Notification.permission,
    media: await navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then(
      (stream) => {
        stream.getTracks().forEach((track) => track.stop());
        return 'granted';
      },
      (error: unknown) => `rejected: ${error instanceof Error ? error.name : String(error)}`,
    ),
  }));
  expect(outcome.notification).toBe('denied');
  expect(outcome.notificationState).toBe('denied');
  expect(outcome.media).toMatch(/^rejected: /);
});

test('serves the CSP and keeps the page off the network', async () => {
  const csp = await page.evaluate(async () => (await fetch('/index.html')).headers.get('content-security-policy'));
  expect(csp).toContain("connect-src 'self'");
  const outcome = await page.evaluate(() =>
    fetch('https://example.com/').then(
      () => 'reached',
      () => 'blocked',
    ),
  );
  expect(outcome).toBe('blocked');
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
});

test('exposes exactly the contract as window.ava and validates input', async () => {
  const names = await page.evaluate(() =>
    Object.entries(window.ava as unknown as Record<string, unknown>).flatMap(([ns, group]) =>
      typeof group === 'object' && group ? Object.keys(group).map((m) => `${ns}.${m}`) : [],
    ),
  );
  expect(names.sort()).toEqual(channelNames().sort());
  const invalid = await page.evaluate(() =>
    (window.ava.settings.update as (input: unknown) => Promise<unknown>)({ theme: 'purple' }),
  );
  expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
});

test('denies navigation and new windows', async () => {
  const opened = await page.evaluate(() => window.open('https://example.com/') === null);
  expect(opened).toBe(true);
  await page.evaluate(() => {
    window.location.href = 'https://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe('app://ava-desk/index.html');
  expect(app.windows().length).toBe(1);
});

test('refuses IPC from a window that is not ours, even with the preload and on our own origin', async () => {
  const result = await app.evaluate(async ({ BrowserWindow, app: electronApp }) => {
    const preload = `${electronApp.getAppPath()}/out/preload/index.js`;
    const stranger = new BrowserWindow({
      show: false,
      webPreferences: { preload, sandbox: true, contextIsolation: true },
    });
    // The app's own page on the app's own origin, main frame: only the app-window check can refuse it.
    await stranger.loadURL('app://ava-desk/index.html');
    const url = stranger.webContents.getURL();
    const answer = await stranger.webContents.executeJavaScript('window.ava.app.info()');
    stranger.destroy();
    return { url, answer };
  });
  expect(result.url).toBe('app://ava-desk/index.html');
  expect(result.answer).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
  // The app's own window, asking the same thing, is answered.
  expect(await page.evaluate(() => window.ava.app.info())).toMatchObject({ ok: true });
});

test('a second instance hands over to the first and quits', async () => {
  const second = await electron.launch({
    executablePath: binary!,
    args: [join(ROOT, 'out/main/index.js')],
    env: { ...process.env, AVA_DESK_DATA_DIR: dataDir },
  });
  const exited = await new Promise<boolean>((done) => {
    second.process().once('exit', () => done(true));
    setTimeout(() => done(false), 10_000);
  });
  expect(exited).toBe(true);
});
