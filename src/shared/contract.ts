/**
 * The IPC contract: every operation the renderer may ask of main, with its input schema and result type, and every
 * event main sends to the renderer. Both transports (Electron IPC and the preview host's loopback HTTP) are built
 * from this one object, so a channel that is not here does not exist.
 *
 * Inputs are validated at runtime in main (the renderer is untrusted). Results are typed only: main is trusted.
 */
import { z } from 'zod';
import type { Envelope } from './errors';
import {
  type AppInfo,
  type AppStatus,
  type AssistantSummary,
  type AuthState,
  type BackendCheck,
  type CallDetail,
  type CallPage,
  CallListQuerySchema,
  type MissingReport,
  type Notice,
  type SecretsStatus,
  type Settings,
  SettingsPatchSchema,
  type SyncProgress,
  type SyncStatus,
  type DataTable,
} from './domain';

/** A phantom carrying the result type of a channel; never read at runtime. */
declare const resultBrand: unique symbol;
export interface Returns<T> {
  readonly [resultBrand]?: T;
}
function returns<T>(): Returns<T> {
  return {};
}

export interface ChannelSpec<I extends z.ZodType, R> {
  input: I;
  result: Returns<R>;
}
function channel<I extends z.ZodType, R>(input: I, result: Returns<R>): ChannelSpec<I, R> {
  return { input, result };
}

const none = z.undefined();
const callId = z.string().min(1).max(128);
const httpUrl = z.string().trim().min(1).max(2048);

export const contract = {
  app: {
    info: channel(none, returns<AppInfo>()),
    status: channel(none, returns<AppStatus>()),
    /** Notices sent since start (a window opened later still sees what happened before it). */
    notices: channel(none, returns<Notice[]>()),
    /** Opens an allow-listed https link in the user's browser. */
    openExternal: channel(z.object({ url: z.string().max(2048) }).strict(), returns<void>()),
  },
  settings: {
    get: channel(none, returns<Settings>()),
    update: channel(SettingsPatchSchema, returns<Settings>()),
  },
  secrets: {
    status: channel(none, returns<SecretsStatus>()),
    /** Forget one secret. The backend refresh token is forgotten by signing out. */
    forget: channel(
      z.object({ name: z.enum(['vapiPrivateKey', 'twilioAuthToken', 'webhookSecret']) }).strict(),
      returns<SecretsStatus>(),
    ),
  },
  vapi: {
    /** Checks the private key against Vapi, then stores it in the keychain. */
    connect: channel(z.object({ privateKey: z.string().trim().min(8).max(256) }).strict(), returns<SecretsStatus>()),
  },
  twilio: {
    /** Checks the account SID and auth token against Twilio, then stores them (token in the keychain). */
    connect: channel(
      z
        .object({
          accountSid: z
            .string()
            .trim()
            .regex(/^AC[0-9a-fA-F]{32}$/),
          authToken: z.string().trim().min(8).max(256),
        })
        .strict(),
      returns<SecretsStatus>(),
    ),
  },
  webhookSecret: {
    /** Stores the given secret, or a freshly generated one when none is given. */
    set: channel(z.object({ value: z.string().min(16).max(256).optional() }).strict(), returns<SecretsStatus>()),
  },
  backend: {
    /** Health check of the configured URL, or of `url` when given (before switching to it). */
    check: channel(z.object({ url: httpUrl.optional() }).strict(), returns<BackendCheck>()),
    /** Switches backend: checks health, signs out, saves the URL. */
    setUrl: channel(z.object({ url: httpUrl }).strict(), returns<Settings>()),
  },
  auth: {
    status: channel(none, returns<AuthState>()),
    signIn: channel(
      z
        .object({
          identifier: z.string().trim().min(3).max(320),
          password: z.string().min(1).max(1024),
          remember: z.boolean().default(false),
        })
        .strict(),
      returns<AuthState>(),
    ),
    signOut: channel(none, returns<AuthState>()),
  },
  calls: {
    list: channel(CallListQuerySchema, returns<CallPage>()),
    get: channel(z.object({ id: callId }).strict(), returns<CallDetail>()),
    missing: channel(none, returns<MissingReport>()),
  },
  sync: {
    status: channel(none, returns<SyncStatus>()),
    /** Starts a sync now; resolves when it ends. A sync already running is joined, not doubled. */
    now: channel(none, returns<SyncStatus>()),
  },
  assistants: {
    list: channel(none, returns<AssistantSummary[]>()),
  },
} as const;

/** Events main sends to the renderer. */
export interface EventMap {
  /** The status bar's inputs changed. */
  status: AppStatus;
  'sync.progress': SyncProgress;
  /** Tables that changed after a write: the renderer refetches what depends on them (no polling). */
  'data.changed': { tables: DataTable[] };
  notice: Notice;
}
export const EVENT_NAMES = [
  'status',
  'sync.progress',
  'data.changed',
  'notice',
] as const satisfies readonly (keyof EventMap)[];
export type EventName = keyof EventMap;

// ---------------------------------------------------------------------------------------------------------------
// Types derived from the contract

export type Contract = typeof contract;
export type Namespace = keyof Contract;
export type MethodOf<N extends Namespace> = keyof Contract[N] & string;

type SpecOf<N extends Namespace, M extends MethodOf<N>> = Contract[N][M];
export type InputOf<N extends Namespace, M extends MethodOf<N>> =
  SpecOf<N, M> extends ChannelSpec<infer I, unknown> ? z.input<I> : never;
/** The input after schema parsing (defaults applied), as handlers receive it. */
export type ParsedInputOf<N extends Namespace, M extends MethodOf<N>> =
  SpecOf<N, M> extends ChannelSpec<infer I, unknown> ? z.output<I> : never;
export type ResultOf<N extends Namespace, M extends MethodOf<N>> =
  SpecOf<N, M> extends ChannelSpec<z.ZodType, infer R> ? R : never;

/**
 * `undefined` inputs become zero-argument methods. Methods resolve with an envelope instead of throwing: Electron's
 * contextBridge copies only the message of an Error thrown across worlds, and the renderer needs the error's code.
 */
type Method<I, R> = [I] extends [undefined] ? () => Promise<Envelope<R>> : (input: I) => Promise<Envelope<R>>;

export type Listener<E extends EventName> = (payload: EventMap[E]) => void;

/** What `window.ava` is, on both transports. */
export type AvaApi = {
  [N in Namespace]: { [M in MethodOf<N>]: Method<InputOf<N, M>, ResultOf<N, M>> };
} & {
  /** Subscribes to a main→renderer event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: Listener<E>): () => void;
};

/** What main implements: one async function per channel, receiving the parsed input. */
export type Handlers = {
  [N in Namespace]: {
    [M in MethodOf<N>]: [ParsedInputOf<N, M>] extends [undefined]
      ? () => Promise<ResultOf<N, M>>
      : (input: ParsedInputOf<N, M>) => Promise<ResultOf<N, M>>;
  };
};

/** Wire name of a channel, e.g. `calls.list`. */
export type ChannelName = { [N in Namespace]: `${N}.${MethodOf<N>}` }[Namespace];

export function channelNames(): ChannelName[] {
  const names: string[] = [];
  for (const [ns, methods] of Object.entries(contract)) {
    for (const method of Object.keys(methods)) names.push(`${ns}.${method}`);
  }
  return names as ChannelName[];
}

/** Looks a channel up by wire name; undefined for anything not in the contract (including prototype keys). */
export function findChannel(name: string): ChannelSpec<z.ZodType, unknown> | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const ns = name.slice(0, dot);
  const method = name.slice(dot + 1);
  if (!Object.hasOwn(contract, ns)) return undefined;
  const methods = contract[ns as Namespace] as Record<string, ChannelSpec<z.ZodType, unknown>>;
  return Object.hasOwn(methods, method) ? methods[method] : undefined;
}

/** The IPC channel prefix, so the app's channels never collide with Electron's own. */
export const IPC_PREFIX = 'ava:';
export const IPC_EVENT_CHANNEL = 'ava:event';
