/**
 * The browser-preview host: serves the built renderer and the IPC contract over loopback HTTP, so the real UI runs
 * against the real core in any browser (e2e tests, machines without an Electron runtime).
 *
 * Who may talk to it: only a page that was opened with the per-run token. `GET /?token=…` trades the token for an
 * HttpOnly, SameSite=Strict cookie and redirects to `/`; every other request must carry that cookie (or the
 * `X-AVA-Token` header). Requests must name this host (no DNS rebinding) and, when the browser says where they come
 * from (Origin, Sec-Fetch-Site), come from this origin. Calls are `POST /__ava/rpc/<channel>` with a JSON body
 * `{input}` answering the same envelope as Electron IPC; events are Server-Sent Events on `GET /__ava/events`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { EVENT_NAMES, type EventMap, type EventName } from '../../shared/contract';
import type { Envelope } from '../../shared/errors';
import type { Caller, Dispatch } from '../../main/core/rpc';
import { mimeTypeFor, securityHeaders } from '../../main/core/security';

export const RPC_PREFIX = '/__ava/rpc/';
export const EVENTS_PATH = '/__ava/events';
export const SHIM_PATH = '/__ava/shim.js';
export const TOKEN_COOKIE = 'ava_preview';
const MAX_BODY_BYTES = 1024 * 1024;

export interface PreviewCore {
  dispatch: Dispatch;
  on(listener: <E extends EventName>(event: E, payload: EventMap[E]) => void): () => void;
}

export interface PreviewHostOptions {
  core: PreviewCore;
  /** The built renderer (`out/renderer`). */
  rendererDir: string;
  /** The built shim (`out/preview/preview-shim.js`). */
  shimFile: string;
  port?: number;
  /** Fixed token for tests; random per run otherwise. */
  token?: string;
}

export interface PreviewHost {
  /** Base URL, e.g. http://127.0.0.1:5123 */
  origin: string;
  /** The URL to open: carries the token once, then the cookie does. */
  url: string;
  token: string;
  close(): Promise<void>;
}

export async function startPreviewHost(options: PreviewHostOptions): Promise<PreviewHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const sockets = new Set<Socket>();
  const streams = new Set<ServerResponse>();
  let origin = '';

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error');
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const unsubscribe = options.core.on((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (req.headers.host !== new URL(origin).host) return send(res, 421, 'text/plain; charset=utf-8', 'Wrong host');

    // The one request that may come without the cookie: the printed URL, carrying the token.
    if (url.pathname === '/' && url.searchParams.has('token')) {
      if (!sameToken(url.searchParams.get('token'), token)) return deny(res, 401, 'Invalid token');
      res.writeHead(303, {
        Location: '/',
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }

    if (!sameToken(presentedToken(req), token)) return deny(res, 401, 'Missing or invalid token');
    const caller = callerOf(req, origin);

    if (url.pathname.startsWith(RPC_PREFIX)) {
      if (req.method !== 'POST') return deny(res, 405, 'Use POST');
      const channel = decodeURIComponent(url.pathname.slice(RPC_PREFIX.length));
      // Who is calling is settled before the body is read: an untrusted caller learns nothing about its body.
      if (!caller.trusted) return sendEnvelope(res, 403, await options.core.dispatch(channel, undefined, caller));
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return deny(res, 415, 'Use application/json');
      }
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body.length === 0 ? undefined : (JSON.parse(body) as { input?: unknown }).input;
      } catch {
        return sendEnvelope(res, 400, {
          ok: false,
          error: { code: 'invalid-input', message: 'The request was not valid.', detail: 'Body is not JSON' },
        });
      }
      const envelope = await options.core.dispatch(channel, input, caller);
      const status = envelope.ok ? 200 : envelope.error.code === 'untrusted-sender' ? 403 : 200;
      return sendEnvelope(res, status, envelope);
    }

    if (!caller.trusted) return deny(res, 403, 'Forbidden origin');

    if (url.pathname === EVENTS_PATH) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        ...securityHeaders(),
      });
      res.write(`: events ${EVENT_NAMES.join(' ')}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed');
    if (url.pathname === SHIM_PATH) return sendFile(res, options.shimFile);
    if (url.pathname === '/' || url.pathname === '/index.html') return sendIndex(res);
    const file = staticFile(options.rendererDir, url.pathname);
    if (!file) return deny(res, 404, 'Not found');
    return sendFile(res, file);
  }

  async function sendIndex(res: ServerResponse): Promise<void> {
    const html = await readFile(join(options.rendererDir, 'index.html'), 'utf8');
    // The shim defines window.ava before the app's module runs (module scripts run in document order).
    const withShim = html.replace(/<script\b/, `<script type="module" src="${SHIM_PATH}"></script>\n    <script`);
    send(res, 200, 'text/html; charset=utf-8', withShim);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: `${origin}/?token=${token}`,
    token,
    async close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function presentedToken(req: IncomingMessage): string | null {
  const header = req.headers['x-ava-token'];
  if (typeof header === 'string') return header;
  const cookies = req.headers.cookie ?? '';
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return rest.join('=');
  }
  return null;
}

function sameToken(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A request is from our own page only if the browser says so wherever it says anything. */
export function callerOf(req: IncomingMessage, origin: string): Caller {
  const requestOrigin = req.headers.origin;
  if (requestOrigin !== undefined && requestOrigin !== origin) {
    return { trusted: false, reason: `foreign origin ${String(requestOrigin).slice(0, 100)}` };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { trusted: false, reason: `cross-site request (${String(site)})` };
  }
  if (req.method === 'POST' && requestOrigin === undefined) {
    return { trusted: false, reason: 'a call without an Origin header' };
  }
  return { trusted: true };
}

function staticFile(rootDir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const segments = decoded.split('/').filter((s) => s.length > 0);
  if (segments.length === 0) return null;
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\\') || s.includes('\0'))) return null;
  return join(rootDir, ...segments);
}

async function sendFile(res: ServerResponse, file: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return deny(res, 404, 'Not found');
  }
  send(res, 200, mimeTypeFor(file), body);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...securityHeaders() });
  res.end(body);
}

function deny(res: ServerResponse, status: number, message: string): void {
  send(res, status, 'text/plain; charset=utf-8', message);
}

function sendEnvelope(res: ServerResponse, status: number, envelope: Envelope<unknown>): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(envelope ?? null));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('Body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
