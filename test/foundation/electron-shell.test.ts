/**
 * The Electron shell (`src/main/index.ts`) with a stand-in `electron` module and core: the window it creates gets
 * `windowWebPreferences` (DevTools off in a packaged build), every permission handler answers with the core's policy
 * (deny), and the navigation and window.open guards are installed. The live checks are in test/electron.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { windowWebPreferences } from '../../src/main/core/security';

type Listener = (...args: unknown[]) => unknown;

const state = vi.hoisted(() => {
  const fresh = () => ({
    isPackaged: false,
    appListeners: new Map<string, Listener[]>(),
    windows: [] as { options: Record<string, unknown>; url?: string }[],
    handlers: {} as Record<string, Listener>,
    opened: [] as string[],
    ipcChannels: [] as string[],
  });
  return { current: fresh(), fresh };
});

vi.mock('electron', () => {
  const s = () => state.current;
  class BrowserWindow {
    static getAllWindows = () => s().windows;
    webContents = { id: s().windows.length + 1, mainFrame: {}, isDestroyed: () => false, send: () => undefined };
    constructor(public options: Record<string, unknown>) {
      s().windows.push(this as never);
    }
    on() {}
    once() {}
    show() {}
    async loadURL(url: string) {
      (this as unknown as { url: string }).url = url;
    }
  }
  const on = (name: string, listener: Listener) => {
    const list = s().appListeners.get(name) ?? [];
    list.push(listener);
    s().appListeners.set(name, list);
  };
  return {
    app: {
      get isPackaged() {
        return s().isPackaged;
      },
      requestSingleInstanceLock: () => true,
      on,
      whenReady: () => Promise.resolve(),
      getPath: () => '/tmp/ava-shell-test',
      setPath: () => undefined,
      getVersion: () => '0.0.0-test',
      getLocale: () => 'en-US',
      quit: () => undefined,
    },
    BrowserWindow,
    nativeTheme: { shouldUseDarkColors: false },
    protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: Listener) => void (s().handlers.request = handler),
        setPermissionCheckHandler: (handler: Listener) => void (s().handlers.check = handler),
        setDevicePermissionHandler: (handler: Listener) => void (s().handlers.device = handler),
      },
    },
    shell: { openExternal: async (url: string) => void s().opened.push(url) },
    ipcMain: { handle: (channel: string) => void s().ipcChannels.push(channel), removeHandler: () => undefined },
  };
});

vi.mock('../../src/main/core/app', () => ({
  developmentOverrides: () => ({}),
  createCore: async () => ({
    dispatch: async () => ({ ok: true, value: null }),
    on: () => () => undefined,
    start: async () => undefined,
    dispose: async () => undefined,
  }),
}));

async function startShell(isPackaged: boolean) {
  state.current = state.fresh();
  state.current.isPackaged = isPackaged;
  vi.resetModules();
  await import('../../src/main/index');
  // whenReady() has resolved; let its continuation (createCore, the window) run.
  await vi.waitFor(() => expect(state.current.windows.length).toBe(1));
  return state.current;
}

afterEach(() => vi.resetModules());

describe('the Electron shell', () => {
  it.each([true, false])('creates the window with windowWebPreferences (packaged: %s)', async (isPackaged) => {
    const shell = await startShell(isPackaged);
    const [window] = shell.windows;
    const prefs = window!.options.webPreferences as Record<string, unknown>;
    expect(String(prefs.preload)).toMatch(/preload[/\\]index\.js$/);
    expect(prefs).toEqual(windowWebPreferences({ isPackaged, preload: String(prefs.preload) }));
    expect(prefs.devTools).toBe(!isPackaged);
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(window!.url).toBe('app://ava-desk/index.html');
    expect(shell.ipcChannels.length).toBeGreaterThan(0);
  });

  it('denies every permission request, check and device, even from its own page', async () => {
    const { handlers } = await startShell(false);
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'display-capture']) {
      const answers: boolean[] = [];
      handlers.request!({}, permission, (granted: boolean) => answers.push(granted), {
        requestingUrl: 'app://ava-desk/index.html',
        isMainFrame: true,
      });
      expect(answers, permission).toEqual([false]);
      expect(handlers.check!({}, permission, 'app://ava-desk', {}), permission).toBe(false);
    }
    for (const deviceType of ['hid', 'serial', 'usb']) {
      expect(handlers.device!({ deviceType, origin: 'app://ava-desk', device: {} }), deviceType).toBe(false);
    }
  });

  it('guards every webContents: no navigation, no webview, window.open denied, only allow-listed links opened', async () => {
    const shell = await startShell(false);
    const contentsEvents = new Map<string, Listener>();
    let openHandler: Listener | undefined;
    const contents = {
      on: (name: string, listener: Listener) => void contentsEvents.set(name, listener),
      setWindowOpenHandler: (handler: Listener) => void (openHandler = handler),
    };
    for (const listener of shell.appListeners.get('web-contents-created') ?? []) listener({}, contents);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contentsEvents.get(name)!(event);
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://dashboard.vapi.ai/' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://dashboard.vapi.ai/']);
  });
});
