/**
 * Builds `window.ava` from the contract over any transport. The preload uses it with Electron IPC and the preview
 * shim with loopback HTTP, so both expose exactly the same object, typed by `AvaApi`.
 */
import { contract, type AvaApi, type EventName } from './contract';
import type { Envelope } from './errors';

export { unwrap } from './errors';

export interface Transport {
  /** Sends one call and resolves with the envelope main answered (never rejects for an app error). */
  invoke(channel: string, input: unknown): Promise<Envelope<unknown>>;
  /** Subscribes to one event; returns the unsubscribe function. */
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

export function createAvaApi(transport: Transport): AvaApi {
  const api: Record<string, unknown> = {};
  for (const [ns, methods] of Object.entries(contract)) {
    const group: Record<string, (input?: unknown) => Promise<Envelope<unknown>>> = {};
    for (const method of Object.keys(methods)) {
      const channel = `${ns}.${method}`;
      group[method] = (input?: unknown) => transport.invoke(channel, input);
    }
    api[ns] = Object.freeze(group);
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => transport.subscribe(event, listener);
  return Object.freeze(api) as unknown as AvaApi;
}

/** Turns a transport failure (IPC torn down, preview host gone) into an envelope the UI can show. */
export function transportFailure(error: unknown): Envelope<never> {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    error: { code: 'disconnected', message: 'AVA Desk lost contact with its main process.', detail: message },
  };
}
