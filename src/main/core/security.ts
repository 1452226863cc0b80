/**
 * The window's security policy as plain data and pure decisions, so it can be tested without Electron and the
 * Electron shell (`src/main/index.ts`) only applies it. See Electron's security checklist.
 */

/** The custom scheme the renderer is served from. Privileged as standard + secure so `'self'` means this origin. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ava-desk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The page may load only its own files and never reach the network: every request goes through main. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React sets inline style attributes; no inline <style> or script is ever needed.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  // Recordings are streamed through main, never from the page.
  "media-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
].join('; ');

/** Preferences for every BrowserWindow the app opens (merged with the preload path by the shell). */
export const SECURE_WEB_PREFERENCES = {
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
  spellcheck: false,
} as const;

/** What the shell knows when it builds a window: whether this is a packaged build, and the preload bundle's path. */
export interface WindowContext {
  isPackaged: boolean;
  preload: string;
}

/**
 * The webPreferences of every window the app opens: the secure set, the preload, and DevTools only in development
 * (a packaged build cannot open them, even with the keyboard shortcut).
 */
export function windowWebPreferences({ isPackaged, preload }: WindowContext) {
  return { ...SECURE_WEB_PREFERENCES, preload, devTools: !isPackaged };
}

/** How a page asks for a permission: Electron's request, check and device handlers. */
export interface PermissionAsk {
  kind: 'request' | 'check' | 'device';
  /** Electron's permission name (`media`, `notifications`, `geolocation`, …) or device type (`hid`, `usb`, `serial`). */
  permission: string;
  /** Origin or URL of the asking frame, when Electron says. */
  origin: string | null;
}

/**
 * The permissions a page may be granted: none. The renderer needs no camera, microphone, notification, clipboard
 * read, location or device access (recordings are streamed through main), so every request, check and device
 * permission is denied, whoever asks.
 */
export const GRANTED_PERMISSIONS: readonly string[] = Object.freeze([]);

export function isPermissionGranted(ask: PermissionAsk): boolean {
  return isAppOrigin(ask.origin) && GRANTED_PERMISSIONS.includes(ask.permission);
}

/** Hosts the app may open in the user's browser (help, dashboards). Exact host match, https only. */
export const EXTERNAL_LINK_HOSTS = [
  'dashboard.vapi.ai',
  'docs.vapi.ai',
  'console.twilio.com',
  'www.twilio.com',
  'ava-api-production.onrender.com',
] as const;

export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    (EXTERNAL_LINK_HOSTS as readonly string[]).includes(parsed.hostname)
  );
}

/** True only for a URL of the app's own origin: IPC from anything else is refused. */
export function isAppOrigin(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** What the Electron shell knows about the sender of an IPC message. */
export interface IpcSenderFacts {
  /** The sender is the webContents of a window the app itself created. */
  isAppWindow: boolean;
  /** The message came from that window's main frame (not an iframe). Null when the frame is gone. */
  isMainFrame: boolean | null;
  /** URL of the sending frame. */
  frameUrl: string | null;
}

/** The trusted-sender rule for Electron IPC: the main frame of one of our windows, showing our own origin. */
export function judgeIpcSender(facts: IpcSenderFacts): { trusted: boolean; reason?: string } {
  if (facts.isMainFrame === null || facts.frameUrl === null) {
    return { trusted: false, reason: 'no sender frame (navigated away or destroyed)' };
  }
  if (!facts.isAppWindow) return { trusted: false, reason: 'not an app window' };
  if (!facts.isMainFrame) return { trusted: false, reason: 'sub-frame' };
  if (!isAppOrigin(facts.frameUrl)) return { trusted: false, reason: `foreign origin ${originOf(facts.frameUrl)}` };
  return { trusted: true };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(unparseable)';
  }
}

/**
 * Maps a request path of the app scheme to a file inside the renderer folder, or null when it would escape it.
 * `/` serves index.html; there is no directory listing and no path outside `rootDir`.
 */
export function resolveAppFile(
  rootDir: string,
  requestUrl: string,
  join: (...parts: string[]) => string,
): string | null {
  let pathname: string;
  try {
    const parsed = new URL(requestUrl);
    if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const segments = pathname.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\\') || s.includes('\0'))) return null;
  return join(rootDir, ...segments);
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export function mimeTypeFor(file: string): string {
  const dot = file.lastIndexOf('.');
  return (dot >= 0 && MIME_TYPES[file.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/** Headers sent with every document and asset, on both the app scheme and the preview host. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  };
}
