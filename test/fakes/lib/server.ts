/**
 * The small HTTP layer the three fakes share: a router, loopback-only `node:http` servers that close cleanly
 * (every socket is tracked and destroyed), `/__control/...` routes that skip auth and faults, a request log, and
 * the fault pipeline (status, latency, stall, reset, malformed, truncated).
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type FaultController, type FaultSpec, matcherFromJson, validateFault } from './faults';
import type { FakeClock } from './clock';

export const CONTROL_PREFIX = '/__control';

export interface FakeRequest {
  method: string;
  /** Path without the query string, percent-decoding left to the handler. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  params: Record<string, string>;
  /** Set by services that stamp requests (the backend's X-Request-ID). */
  requestId?: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string | number>;
  /** Serialized as JSON. */
  json?: unknown;
  /** Already-serialized JSON (fast path for big pages). */
  rawJson?: string;
  text?: string;
  bytes?: Buffer;
  contentType?: string;
  /**
   * Called once the response is over (sent, or its connection gone): its body is no longer used, so a recycled
   * buffer can be reused. Not called when the fake closes before answering.
   */
  onSent?: () => void;
}

export type RouteHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  find(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | 'method-not-allowed' | null {
    const actual = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, actual);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || route.method === '*') return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : null;
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith(':')) {
      // `:sid.json` style: a parameter followed by a literal suffix.
      const dot = p.indexOf('.');
      if (dot > 0) {
        const suffix = p.slice(dot);
        if (!a.endsWith(suffix) || a.length === suffix.length) return null;
        params[p.slice(1, dot)] = safeDecode(a.slice(0, -suffix.length));
      } else {
        params[p.slice(1)] = safeDecode(a);
      }
    } else if (p !== a) {
      return null;
    }
  }
  return params;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface RequestLogEntry {
  /** Real time (ms) the request arrived. */
  at: number;
  method: string;
  path: string;
  query: string;
  /** Null when no answer was sent (stall, reset). */
  status: number | null;
  /** The injected fault kind, if any. */
  fault: FaultSpec['kind'] | null;
  durationMs: number;
  /** Whether an Authorization header was present (its value is never logged). */
  authorization: boolean;
  requestId?: string;
}

export interface ErrorShaper {
  /** The service's error body for a status (fault, unknown route, crash). */
  (status: number, reason: 'fault' | 'not-found' | 'method-not-allowed' | 'internal', req: FakeRequest): FakeResponse;
}

export interface FakeServerOptions {
  name: string;
  port?: number;
  api: Router;
  control: Router;
  faults: FaultController;
  clock: FakeClock;
  errors: ErrorShaper;
  /** Wraps every API handler (the backend's request timeout). */
  wrap?: (req: FakeRequest, run: () => Promise<FakeResponse>) => Promise<FakeResponse>;
  /** Runs before routing (the backend's request id); may return a response to short-circuit. */
  before?: (req: FakeRequest) => FakeResponse | void;
  /** Headers added to every API response (fault answers included). */
  decorate?: (req: FakeRequest, res: FakeResponse) => void;
}

export interface RunningFakeServer {
  url: string;
  port: number;
  server: Server;
  /** The newest requests (up to 5,000), oldest first. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const MAX_BODY = 64 * 1024 * 1024;

export async function startFakeServer(options: FakeServerOptions): Promise<RunningFakeServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let log: RequestLogEntry[] = [];

  addCommonControlRoutes(options);

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, (req, res) => {
    void handle(req, res);
  });
  server.on('connection', (socket) => {
    if (!LOOPBACK.has(socket.remoteAddress ?? '')) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = {
      at: Date.now(),
      method,
      path: url.pathname,
      query: url.search,
      status: null,
      fault: null,
      durationMs: 0,
      authorization: typeof req.headers.authorization === 'string',
    };
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch {
      res.socket?.destroy();
      return;
    }
    const fakeReq: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      params: {},
    };

    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(CONTROL_PREFIX + '/')) {
      const controlPath = url.pathname.slice(CONTROL_PREFIX.length) || '/';
      const found = options.control.find(method, controlPath);
      let out: FakeResponse;
      if (!found || found === 'method-not-allowed') {
        out = { status: 404, json: { error: `no control route ${method} ${controlPath}` } };
      } else {
        try {
          out = await found.handler({ ...fakeReq, params: found.params });
        } catch (err) {
          out = { status: 400, json: { error: err instanceof Error ? err.message : String(err) } };
        }
      }
      send(res, out);
      return;
    }

    const record = (status: number | null, fault: FaultSpec['kind'] | null): void => {
      entry.status = status;
      entry.fault = fault;
      entry.durationMs = Math.round(performance.now() - started);
      if (fakeReq.requestId) entry.requestId = fakeReq.requestId;
      log.push(entry);
      if (log.length > 5_000) log = log.slice(-5_000);
    };

    const early = options.before?.(fakeReq);
    const fault = options.faults.decide(method, url.pathname);
    if (fault?.kind === 'reset') {
      record(null, 'reset');
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'stall') {
      record(null, 'stall');
      return; // never answered; close() destroys the socket
    }
    if (fault?.kind === 'status') {
      const out = options.errors(fault.status, 'fault', fakeReq);
      if (fault.body !== undefined) out.json = fault.body;
      out.headers = { ...out.headers };
      if (fault.retryAfter !== undefined) out.headers['Retry-After'] = String(fault.retryAfter);
      options.decorate?.(fakeReq, out);
      record(out.status, 'status');
      send(res, out);
      return;
    }

    let out: FakeResponse;
    if (early) {
      out = early;
    } else {
      const run = async (): Promise<FakeResponse> => {
        if (fault?.kind === 'latency') await sleep(fault.ms);
        const found = options.api.find(method, url.pathname);
        if (found === null) return options.errors(404, 'not-found', fakeReq);
        if (found === 'method-not-allowed') return options.errors(405, 'method-not-allowed', fakeReq);
        fakeReq.params = found.params;
        return found.handler(fakeReq);
      };
      try {
        out = options.wrap ? await options.wrap(fakeReq, run) : await run();
      } catch (err) {
        if (!closed) console.error(`[fake ${options.name}] ${method} ${url.pathname} crashed:`, err);
        out = options.errors(500, 'internal', fakeReq);
      }
    }
    if (closed) return;
    if (out.onSent) res.once('close', out.onSent);
    options.decorate?.(fakeReq, out);

    if (fault?.kind === 'malformed' || fault?.kind === 'truncated') {
      const full = Buffer.from(serialize(out), 'utf8');
      const half = full.subarray(0, Math.max(1, Math.floor(full.length / 2)));
      const headers = { ...out.headers, 'Content-Type': 'application/json; charset=utf-8' };
      record(200, fault.kind);
      if (fault.kind === 'malformed') {
        const garbage = Buffer.concat([half, Buffer.from('\u0000<!-- upstream error -->', 'utf8')]);
        res.writeHead(200, { ...headers, 'Content-Length': garbage.length });
        res.end(garbage);
      } else if (fault.variant === 'cut-json') {
        res.writeHead(200, { ...headers, 'Content-Length': half.length });
        res.end(half);
      } else {
        res.writeHead(200, { ...headers, 'Content-Length': full.length });
        res.write(half, () => res.socket?.destroy());
      }
      return;
    }
    record(out.status, fault?.kind === 'latency' ? 'latency' : null);
    send(res, out);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests: () => log.slice(),
    clearRequests: () => {
      log = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) {
          resolve();
          return;
        }
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      }),
  };

  function addCommonControlRoutes(o: FakeServerOptions): void {
    o.control
      .add('GET', '/health', () => ({ status: 200, json: { ok: true, service: o.name } }))
      .add('GET', '/faults', () => ({ status: 200, json: { rules: o.faults.rules(), history: o.faults.history() } }))
      .add('POST', '/faults', (req) => {
        const body = parseJson(req) as { match?: unknown; fault?: unknown; probability?: number; times?: number };
        validateFault(body.fault);
        const options: { probability?: number; times?: number } = {};
        if (typeof body.probability === 'number') options.probability = body.probability;
        if (typeof body.times === 'number') options.times = body.times;
        const id = o.faults.set(matcherFromJson(body.match), body.fault, options);
        return { status: 201, json: { id } };
      })
      .add('DELETE', '/faults', () => {
        o.faults.clear();
        o.faults.clearHistory();
        return { status: 204 };
      })
      .add('DELETE', '/faults/:id', (req) => {
        o.faults.remove(Number(req.params.id));
        return { status: 204 };
      })
      .add('GET', '/requests', () => ({ status: 200, json: log }))
      .add('DELETE', '/requests', () => {
        log = [];
        return { status: 204 };
      })
      .add('GET', '/clock', () => ({ status: 200, json: clockJson(o.clock) }))
      .add('POST', '/clock', (req) => {
        const body = parseJson(req) as { advanceMs?: number; set?: number | string };
        if (typeof body.advanceMs === 'number') o.clock.advance(body.advanceMs);
        if (body.set !== undefined) {
          const ms = typeof body.set === 'number' ? body.set : Date.parse(body.set);
          if (!Number.isFinite(ms)) throw new Error('set must be ms since the epoch or an ISO date');
          o.clock.set(ms);
        }
        return { status: 200, json: clockJson(o.clock) };
      });
  }
}

function clockJson(clock: FakeClock): { now: number; iso: string; ticking: boolean } {
  const now = clock.now();
  return { now, iso: new Date(now).toISOString(), ticking: clock.ticking };
}

function serialize(out: FakeResponse): string {
  if (out.rawJson !== undefined) return out.rawJson;
  if (out.text !== undefined) return out.text;
  if (out.bytes !== undefined) return out.bytes.toString('utf8');
  if (out.json === undefined) return '';
  return JSON.stringify(out.json);
}

function send(res: ServerResponse, out: FakeResponse): void {
  if (res.destroyed || res.headersSent) return;
  let body: Buffer | string = '';
  let type = out.contentType;
  if (out.bytes !== undefined) {
    body = out.bytes;
    type ??= 'application/octet-stream';
  } else if (out.text !== undefined) {
    body = out.text;
    type ??= 'text/plain; charset=utf-8';
  } else if (out.rawJson !== undefined) {
    body = out.rawJson;
    type ??= 'application/json; charset=utf-8';
  } else if (out.json !== undefined) {
    body = JSON.stringify(out.json);
    type ??= 'application/json; charset=utf-8';
  }
  const headers: Record<string, string | number> = { ...out.headers };
  const noBody = out.status === 204 || out.status === 304;
  if (!noBody) {
    if (type) headers['Content-Type'] = type;
    headers['Content-Length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  }
  res.writeHead(out.status, headers);
  res.end(noBody ? undefined : body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a control request body (throws on bad JSON: control routes answer 400). */
export function parseJson(req: FakeRequest): unknown {
  if (req.rawBody.length === 0) return {};
  return JSON.parse(req.rawBody.toString('utf8'));
}

/** Parses an API request body; the service turns a failure into its own error shape. */
export function tryParseJson(req: FakeRequest): { ok: true; value: unknown } | { ok: false; error: string } {
  const text = req.rawBody.toString('utf8');
  if (text.trim() === '') return { ok: false, error: 'empty body' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The bearer token of a request, or null. */
export function bearerOf(req: FakeRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1]!.trim() : null;
}
