/**
 * The one place a call from the renderer becomes a call into the core, for both transports (Electron IPC in
 * `src/main/ipc.ts`, loopback HTTP in the preview host): check the caller, find the channel, validate the input
 * against its schema, run the handler, and turn whatever happens into an envelope.
 */
import { findChannel, type Handlers } from '../../shared/contract';
import { AppError, type AppErrorData, type Envelope } from '../../shared/errors';

/** What a transport knows about who is calling. */
export interface Caller {
  trusted: boolean;
  /** Why the transport does not trust the caller (logged, never shown to the caller). */
  reason?: string;
}

export interface DispatchLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type Dispatch = (channel: string, input: unknown, caller: Caller) => Promise<Envelope<unknown>>;

export function createDispatcher(handlers: Handlers, log: DispatchLog): Dispatch {
  return async (channel, input, caller) => {
    if (!caller.trusted) {
      log.warn('rpc: refused an untrusted caller', { channel: String(channel).slice(0, 80), reason: caller.reason });
      return fail({ code: 'untrusted-sender', message: 'This request did not come from an AVA Desk window.' });
    }
    const spec = typeof channel === 'string' ? findChannel(channel) : undefined;
    if (!spec) {
      log.warn('rpc: unknown channel', { channel: String(channel).slice(0, 80) });
      return fail({ code: 'unknown-channel', message: 'AVA Desk does not know this request.' });
    }
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`)
        .join('; ');
      return fail({ code: 'invalid-input', message: 'The request was not valid.', detail });
    }
    const [ns, method] = splitChannel(channel);
    const handler = (handlers as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[ns]?.[
      method
    ];
    if (!handler) {
      log.error('rpc: channel in the contract has no handler', { channel });
      return fail({ code: 'internal', message: 'AVA Desk cannot do this yet.' });
    }
    try {
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      const data = toAppErrorData(error);
      if (data.code === 'internal') log.error('rpc: handler failed', { channel, error: describe(error) });
      return fail(data);
    }
  };
}

function splitChannel(channel: string): [string, string] {
  const dot = channel.indexOf('.');
  return [channel.slice(0, dot), channel.slice(dot + 1)];
}

function fail(error: AppErrorData): Envelope<never> {
  return { ok: false, error };
}

/** Any thrown value becomes the typed error the renderer can show. Unknown errors never leak their text. */
export function toAppErrorData(error: unknown): AppErrorData {
  if (error instanceof AppError) return error.toJSON();
  return { code: 'internal', message: 'Something went wrong inside AVA Desk. The details are in the log.' };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
