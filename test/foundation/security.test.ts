import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  GRANTED_PERMISSIONS,
  isAllowedExternalUrl,
  isAppOrigin,
  isPermissionGranted,
  judgeIpcSender,
  resolveAppFile,
  SECURE_WEB_PREFERENCES,
  securityHeaders,
  windowWebPreferences,
} from '../../src/main/core/security';

describe('window policy', () => {
  const secure = {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
  };

  it('keeps the renderer isolated and sandboxed', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject(secure);
  });

  it('builds a packaged window isolated, sandboxed, with the preload and without DevTools', () => {
    const prefs = windowWebPreferences({ isPackaged: true, preload: '/opt/ava/preload/index.js' });
    expect(prefs).toMatchObject({ ...secure, preload: '/opt/ava/preload/index.js', devTools: false });
  });

  it('builds a development window the same way, with DevTools', () => {
    const prefs = windowWebPreferences({ isPackaged: false, preload: '/src/out/preload/index.js' });
    expect(prefs).toMatchObject({ ...secure, preload: '/src/out/preload/index.js', devTools: true });
    // Nothing but DevTools differs between the two builds.
    const packaged = windowWebPreferences({ isPackaged: true, preload: '/src/out/preload/index.js' });
    expect({ ...prefs, devTools: false }).toEqual(packaged);
  });

  it('serves every response with a CSP that keeps the page off the network', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives['default-src']).toBe("'self'");
    expect(directives['connect-src']).toBe("'self'");
    expect(directives['script-src']).toBe("'self'");
    expect(directives['object-src']).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(securityHeaders()['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('permissions', () => {
  // Every permission name Electron's handlers can be asked about (Electron 45), plus device types.
  const permissions = [
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'fileSystem',
    'fullscreen',
    'geolocation',
    'hid',
    'idle-detection',
    'keyboardLock',
    'local-fonts',
    'media',
    'mediaKeySystem',
    'midi',
    'midiSysex',
    'notifications',
    'openExternal',
    'persistent-storage',
    'pointerLock',
    'serial',
    'speaker-selection',
    'storage-access',
    'top-level-storage-access',
    'usb',
    'window-management',
    'unknown',
  ];
  const origins = [`${APP_ORIGIN}/index.html`, APP_ORIGIN, 'https://evil.example', 'file:///tmp/x.html', null];

  it('grants nothing', () => {
    expect(GRANTED_PERMISSIONS).toEqual([]);
    expect(Object.isFrozen(GRANTED_PERMISSIONS)).toBe(true);
  });

  it.each(['request', 'check', 'device'] as const)('denies every %s, from our own page or any other', (kind) => {
    for (const permission of permissions) {
      for (const origin of origins) {
        expect(isPermissionGranted({ kind, permission, origin }), `${permission} from ${origin}`).toBe(false);
      }
    }
  });
});

describe('external links', () => {
  it.each([
    ['https://dashboard.vapi.ai/assistants', true],
    ['https://console.twilio.com/', true],
    ['http://dashboard.vapi.ai/', false],
    ['https://dashboard.vapi.ai.evil.com/', false],
    ['https://user:pw@dashboard.vapi.ai/', false],
    ['https://dashboard.vapi.ai:8443/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedExternalUrl(url)).toBe(allowed);
  });
});

describe('IPC trusted sender', () => {
  const ok = { isAppWindow: true, isMainFrame: true, frameUrl: `${APP_ORIGIN}/index.html` };
  it('trusts the main frame of an app window on the app origin', () => {
    expect(judgeIpcSender(ok)).toEqual({ trusted: true });
  });
  it.each([
    ['another window', { ...ok, isAppWindow: false }],
    ['an iframe', { ...ok, isMainFrame: false }],
    ['a destroyed frame', { ...ok, isMainFrame: null, frameUrl: null }],
    ['a web page', { ...ok, frameUrl: 'https://evil.example/' }],
    ['a file URL', { ...ok, frameUrl: 'file:///tmp/x.html' }],
    ['another app host', { ...ok, frameUrl: 'app://other/index.html' }],
    ['garbage', { ...ok, frameUrl: '::' }],
  ])('refuses %s', (_label, facts) => {
    expect(judgeIpcSender(facts).trusted).toBe(false);
  });
  it('recognises only the app origin', () => {
    expect(isAppOrigin(`${APP_ORIGIN}/x`)).toBe(true);
    expect(isAppOrigin('https://ava-desk/x')).toBe(false);
    expect(isAppOrigin(undefined)).toBe(false);
  });
});

describe('app:// file mapping', () => {
  const root = '/opt/ava/renderer';
  it('maps paths inside the renderer folder', () => {
    expect(resolveAppFile(root, `${APP_ORIGIN}/`, join)).toBe('/opt/ava/renderer/index.html');
    expect(resolveAppFile(root, `${APP_ORIGIN}/assets/a.js?x=1`, join)).toBe('/opt/ava/renderer/assets/a.js');
  });
  it.each([
    `${APP_ORIGIN}/../../etc/passwd`,
    `${APP_ORIGIN}/assets/%2e%2e/%2e%2e/secret`,
    `${APP_ORIGIN}/a%5c..%5c..%5cb`,
    `${APP_ORIGIN}/a%00.js`,
    'app://other-host/index.html',
    'https://ava-desk/index.html',
  ])('never escapes the folder: %s', (url) => {
    const file = resolveAppFile(root, url, join);
    if (file !== null) expect(file.startsWith(`${root}/`)).toBe(true);
  });
});
