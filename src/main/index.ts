/**
 * The Electron shell: lifecycle, the app:// protocol, window creation and the guards of Electron's security
 * checklist. Everything with logic lives in `./core` (plain Node, tested without Electron); this file only applies it.
 */
import { app, BrowserWindow, nativeTheme, protocol, session, shell, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCore, developmentOverrides, type Core } from './core/app';
import {
  APP_ORIGIN,
  APP_SCHEME,
  isAllowedExternalUrl,
  isPermissionGranted,
  mimeTypeFor,
  resolveAppFile,
  securityHeaders,
  windowWebPreferences,
} from './core/security';
import { broadcast, registerIpc, trustWindow } from './ipc';

const RENDERER_DIR = join(__dirname, '../renderer');
const PRELOAD = join(__dirname, '../preload/index.js');

// Standard + secure: the page gets a real origin (app://ava-desk) that CSP 'self' and the IPC origin check rely on.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// A separate data folder (tests, a second profile) must be chosen before anything reads it, the lock included.
if (process.env.AVA_DESK_DATA_DIR) app.setPath('userData', process.env.AVA_DESK_DATA_DIR);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let core: Core | undefined;
  let mainWindow: BrowserWindow | undefined;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => guardContents(contents));

  app.whenReady().then(async () => {
    serveRenderer();
    denyPermissions();
    core = await createCore({
      dataDir: app.getPath('userData'),
      transport: 'electron',
      appVersion: app.getVersion(),
      platform: process.platform,
      osLocale: app.getLocale(),
      env: process.env,
      openExternal: (url) => shell.openExternal(url),
      // Service overrides and demo accounts are for development against the local fakes: a packaged app ignores
      // them, so nothing in the environment can send its keys elsewhere.
      ...(app.isPackaged ? {} : developmentOverrides(process.env)),
    });
    core.on((event, payload) => broadcast(event, payload));
    registerIpc(core.dispatch);
    mainWindow = createWindow();
    void core.start();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting || !core) return;
    // Let the core finish its writes (SQLite transaction, settings, log) before the process ends.
    event.preventDefault();
    quitting = true;
    void core.dispose().finally(() => app.quit());
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 780,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'AVA Desk',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f7f7f9',
    webPreferences: windowWebPreferences({ isPackaged: app.isPackaged, preload: PRELOAD }),
  });
  trustWindow(window);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** The renderer is served from app://ava-desk/ with the CSP on every response; nothing outside its folder. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(RENDERER_DIR, request.url, join);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, { headers: { 'Content-Type': mimeTypeFor(file), ...securityHeaders() } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** Permission requests, checks and device access all go through the core's policy (which grants none). */
function denyPermissions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionGranted({ kind: 'request', permission, origin: details.requestingUrl ?? null })),
  );
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionGranted({ kind: 'check', permission, origin: requestingOrigin }),
  );
  ses.setDevicePermissionHandler((details) =>
    isPermissionGranted({ kind: 'device', permission: details.deviceType, origin: details.origin }),
  );
}

/** No navigation, no new windows, no webviews; allow-listed https links open in the user's browser. */
function guardContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
