/**
 * The one connection pool of the app: a keep-alive undici `Agent`, or an `EnvHttpProxyAgent` when a proxy is
 * configured.
 *
 * Public API
 * - `createDispatcher({ env?, connectTimeoutMs?, proxyLoopback?, redactor?, ca? })` → `{ dispatcher, proxy }`.
 *   `ca` (PEM) replaces the trusted certificates for direct TLS, for TLS to the target inside a CONNECT tunnel, and
 *   for an https proxy.
 *   Proxy from `HTTPS_PROXY`/`https_proxy` (https targets) and `HTTP_PROXY`/`http_proxy` (http targets, and https
 *   ones when no HTTPS proxy is set), skipping the hosts in `NO_PROXY`/`no_proxy` (`*` disables the proxy).
 *   Loopback (`localhost`, `127.0.0.1`, `[::1]`) always goes direct, because a local backend or test fake behind a
 *   corporate proxy is never reachable through it; `proxyLoopback: true` turns that off (tests of the proxy path).
 *   A proxy URL's credentials are registered with the redactor; `proxy` is the proxy URL without them, or null.
 */
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { Redactor } from '../log/redact';

export interface DispatcherOptions {
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  proxyLoopback?: boolean;
  redactor?: Redactor;
  /** Connections per origin. */
  connections?: number;
  /** Trusted certificates (PEM) instead of the bundled ones. */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface DispatcherInfo {
  dispatcher: Dispatcher;
  /** The proxy in use (credentials removed), or null for direct connections. */
  proxy: { http: string | null; https: string | null; noProxy: string } | null;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export function createDispatcher(options: DispatcherOptions = {}): DispatcherInfo {
  const env = options.env ?? process.env;
  const tls = options.ca ? { ca: options.ca } : {};
  const agentOptions = {
    connect: { timeout: options.connectTimeoutMs ?? 10_000, ...tls },
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connections: options.connections ?? 16,
  };
  const httpProxy = clean(env['HTTP_PROXY'] ?? env['http_proxy']);
  const httpsProxy = clean(env['HTTPS_PROXY'] ?? env['https_proxy']);
  if (!httpProxy && !httpsProxy) return { dispatcher: new Agent(agentOptions), proxy: null };

  for (const url of [httpProxy, httpsProxy]) registerProxyCredentials(url, options.redactor);
  const fromEnv = clean(env['NO_PROXY'] ?? env['no_proxy']) ?? '';
  const noProxy =
    fromEnv.trim() === '*' || options.proxyLoopback
      ? fromEnv
      : [fromEnv, ...LOOPBACK].filter((entry) => entry.trim()).join(',');
  const dispatcher = new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy,
    // TLS to the service inside the tunnel, and to an https proxy itself.
    requestTls: { ...tls },
    proxyTls: { ...tls },
  });
  return {
    dispatcher,
    proxy: { http: withoutCredentials(httpProxy), https: withoutCredentials(httpsProxy), noProxy },
  };
}

function clean(value: string | undefined): string | null {
  return value && value.trim() ? value.trim() : null;
}

function registerProxyCredentials(url: string | null, redactor: Redactor | undefined): void {
  if (!url || !redactor) return;
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      redactor.addSecret(password);
      redactor.addAuthorization(`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    }
  } catch {
    // an unparseable proxy URL fails at the first request, with its own error
  }
}

function withoutCredentials(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '[invalid proxy URL]';
  }
}
