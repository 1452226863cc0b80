/**
 * Server messages, the way Vapi sends them: one URL per event chosen by precedence (assistant.server, then the phone
 * number's, then the org's), only the types listed in `assistant.serverMessages` (or Vapi's default list), a
 * `POST` of `{"message": {...}}` with `server.headers`, cut at `timeoutSeconds` (default 20), retried only when
 * `backoffPlan` says so. Every attempt is recorded.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject, ServerConfig } from '../worlds/types';

/** Vapi's default `serverMessages` when an assistant sets none (SDK docs). */
export const DEFAULT_SERVER_MESSAGES = [
  'conversation-update',
  'end-of-call-report',
  'function-call',
  'hang',
  'speech-update',
  'status-update',
  'tool-calls',
  'transfer-destination-request',
  'handoff-destination-request',
  'user-interrupted',
  'assistant.started',
];

export interface DeliveryAttempt {
  callId: string;
  type: string;
  url: string;
  /** The headers sent (content-type, user-agent, and `server.headers`). */
  headers: Record<string, string>;
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** Network failure or timeout, when there was no answer. */
  error?: string;
  durationMs: number;
  /** 1 for the first try, 2+ for retries. */
  attempt: number;
  /** Fake-clock time of the attempt (ms). */
  at: number;
  /** Whether Vapi counts it as delivered (2xx within the timeout). */
  ok: boolean;
}

export interface SkippedDelivery {
  callId: string;
  type: string;
  reason: 'not-in-serverMessages' | 'no-server-url';
}

export interface DeliveryTarget {
  source: 'assistant' | 'phoneNumber' | 'org';
  server: ServerConfig;
}

/** Which server gets a call's events: assistant.server → phoneNumber.server → org server. */
export function effectiveServer(
  assistant: JsonObject | null,
  phoneNumber: JsonObject | null,
  orgServer: ServerConfig | null,
): DeliveryTarget | null {
  const a = assistant?.server as ServerConfig | undefined;
  if (a?.url) return { source: 'assistant', server: a };
  const p = phoneNumber?.server as ServerConfig | undefined;
  if (p?.url) return { source: 'phoneNumber', server: p };
  if (orgServer?.url) return { source: 'org', server: orgServer };
  return null;
}

export function acceptsType(assistant: JsonObject | null, type: string): boolean {
  const list = assistant?.serverMessages;
  return (Array.isArray(list) ? (list as string[]) : DEFAULT_SERVER_MESSAGES).includes(type);
}

export interface DeliveryOptions {
  /** Multiplies timeouts and backoff delays (tests use e.g. 0.01). Default 1. */
  timeScale?: number;
  now: () => number;
  /** Hosts reached over the network; anything else fails like an unreachable host. */
  isReachable?: (url: URL) => boolean;
  /** Aborts in-flight requests and pending retries (the fake is closing). */
  signal?: AbortSignal;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** Sends one message with the server's timeout and retry policy; returns every attempt. */
export async function deliverMessage(
  callId: string,
  message: JsonObject,
  server: ServerConfig,
  options: DeliveryOptions,
): Promise<DeliveryAttempt[]> {
  const scale = options.timeScale ?? 1;
  const timeoutMs = Math.max(1, (server.timeoutSeconds ?? 20) * 1000 * scale);
  const plan = server.backoffPlan;
  const maxRetries = plan ? Math.max(0, Math.min(10, Number(plan.maxRetries) || 0)) : 0;
  const excluded = new Set((plan?.excludedStatusCodes ?? []).map((c) => Number(c)));
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Vapi-Webhooks/1.0 (ava-desk fake)',
  };
  for (const [k, v] of Object.entries(server.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const body = JSON.stringify({ message });
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    const at = options.now();
    const result = await post(
      String(server.url),
      headers,
      body,
      timeoutMs,
      options.isReachable ?? isLoopbackUrl,
      options.signal,
    );
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    attempts.push({
      callId,
      type: String(message.type),
      url: String(server.url),
      headers,
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
      durationMs: Math.round(performance.now() - started),
      attempt,
      at,
      ok,
    });
    if (ok) break;
    if (result.status !== undefined && excluded.has(result.status)) break;
    if (attempt <= maxRetries && plan) {
      const base = Math.max(0, Number(plan.baseDelaySeconds) || 0) * 1000 * scale;
      const delay = plan.type === 'exponential' ? base * 2 ** (attempt - 1) : base;
      // The signal is shared by every delivery of the fake: the timers API removes its listener when the wait ends,
      // whichever way; an abort ends the wait early (and the next attempt sees the aborted signal).
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
  return attempts;
}

function post(
  target: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  isReachable: (url: URL) => boolean,
  signal?: AbortSignal,
): Promise<{ status?: number; error?: string }> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve({ error: `invalid URL ${target}` });
  }
  if (!isReachable(url)) {
    return Promise.resolve({ error: `getaddrinfo ENOTFOUND ${url.hostname} (the fakes never leave this machine)` });
  }
  if (signal?.aborted) return Promise.resolve({ error: 'aborted: the fake is closing' });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    // The signal is shared by every delivery of the fake: the attempt's listener is removed as soon as it settles.
    const onAbort = (): void => {
      done({ error: 'aborted: the fake is closing' });
      req.destroy();
    };
    const done = (r: { status?: number; error?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0 }));
        res.on('error', () => done({ status: res.statusCode ?? 0 }));
      },
    );
    const timer = setTimeout(() => {
      done({ error: `timeout after ${Math.round(timeoutMs)} ms` });
      req.destroy();
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ error: err.code ? `${err.code} ${err.message}` : err.message }),
    );
    req.end(body);
  });
}

/** A `status-update` message. */
export function statusUpdateMessage(
  call: JsonObject,
  status: string,
  context: { assistant: JsonObject | null; phoneNumber: JsonObject | null; timestamp: number },
): JsonObject {
  const message: JsonObject = {
    type: 'status-update',
    status,
    timestamp: context.timestamp,
    call,
    customer: call.customer,
  };
  if (status === 'ended' && call.endedReason) message.endedReason = call.endedReason;
  if (context.assistant) message.assistant = context.assistant;
  if (context.phoneNumber) message.phoneNumber = context.phoneNumber;
  return message;
}

/** An `end-of-call-report` message. */
export function endOfCallReportMessage(
  call: JsonObject,
  context: { assistant: JsonObject | null; phoneNumber: JsonObject | null; timestamp: number },
): JsonObject {
  const message: JsonObject = {
    type: 'end-of-call-report',
    timestamp: context.timestamp,
    endedReason: call.endedReason ?? 'customer-ended-call',
    call,
    customer: call.customer,
    artifact: call.artifact ?? {},
    analysis: call.analysis ?? {},
    cost: call.cost,
  };
  if (call.startedAt) message.startedAt = call.startedAt;
  if (call.endedAt) message.endedAt = call.endedAt;
  if (context.assistant) message.assistant = context.assistant;
  if (context.phoneNumber) message.phoneNumber = context.phoneNumber;
  return message;
}
