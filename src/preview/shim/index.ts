/**
 * `window.ava` for the browser-preview host: the same object the Electron preload exposes, built from the same
 * contract, over loopback HTTP (a POST per call, Server-Sent Events for events). The per-run token travels in an
 * HttpOnly cookie the page never sees.
 */
import { createAvaApi, transportFailure } from '../../shared/api';
import type { EventName } from '../../shared/contract';
import type { Envelope } from '../../shared/errors';

const RPC_PREFIX = '/__ava/rpc/';
const EVENTS_PATH = '/__ava/events';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>();
let source: EventSource | null = null;

function ensureEventSource(event: EventName): void {
  source ??= new EventSource(EVENTS_PATH);
  if (listeners.has(event)) return;
  listeners.set(event, new Set());
  source.addEventListener(event, (message) => {
    let payload: unknown;
    try {
      payload = JSON.parse((message as MessageEvent<string>).data);
    } catch {
      return;
    }
    for (const listener of listeners.get(event) ?? []) listener(payload);
  });
}

const api = createAvaApi({
  async invoke(channel, input) {
    try {
      const response = await fetch(RPC_PREFIX + encodeURIComponent(channel), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ input }),
        credentials: 'same-origin',
      });
      const text = await response.text();
      if (!text.startsWith('{')) return transportFailure(new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`));
      return JSON.parse(text) as Envelope<unknown>;
    } catch (error) {
      return transportFailure(error);
    }
  },
  subscribe(event, listener) {
    ensureEventSource(event);
    const set = listeners.get(event);
    set?.add(listener);
    return () => set?.delete(listener);
  },
});

Object.defineProperty(window, 'ava', { value: api, writable: false, configurable: false, enumerable: true });
