/**
 * The composition root: builds every service of the core from plain options and exposes them as the contract's
 * handlers. Both shells (Electron in `src/main/index.ts`, the preview host in `src/preview/server`) call this and
 * nothing else, so the renderer talks to the same core whatever the transport.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventMap, EventName, Handlers } from '../../shared/contract';
import { DEFAULT_SETTINGS, type AppStatus, type Settings, type Transport } from '../../shared/domain';
import { AppError } from '../../shared/errors';
import { createDispatcher, type Dispatch } from './rpc';
import { isAllowedExternalUrl } from './security';

export interface CoreOptions {
  dataDir: string;
  transport: Transport;
  appVersion: string;
  platform: string;
  osLocale: string;
  env?: NodeJS.ProcessEnv;
  /** Opens an allow-listed link in the user's browser; absent where there is no desktop (the preview host). */
  openExternal?: (url: string) => Promise<void>;
}

export type CoreListener = <E extends EventName>(event: E, payload: EventMap[E]) => void;

export interface Core {
  dispatch: Dispatch;
  handlers: Handlers;
  /** Subscribes to every event the core emits; returns the unsubscribe function. */
  on(listener: CoreListener): () => void;
  /** Starts background work (first sync, schedule). */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  mkdirSync(options.dataDir, { recursive: true });
  const listeners = new Set<CoreListener>();
  const emit: CoreListener = (event, payload) => {
    for (const listener of listeners) listener(event, payload);
  };
  let settings: Settings = { ...DEFAULT_SETTINGS };

  const status = (): AppStatus => ({
    backend: 'unknown',
    auth: 'signed-out',
    vapi: 'no-key',
    keychain: 'ok',
    sync: {
      running: false,
      phase: 'idle',
      lastSyncAt: null,
      lastResults: [],
      pausedReason: 'signed-out',
      nextSyncAt: null,
    },
  });

  const notYet = (): never => {
    throw new AppError({ code: 'internal', message: 'AVA Desk cannot do this yet.' });
  };

  const handlers: Handlers = {
    app: {
      info: async () => ({
        name: 'AVA Desk',
        version: options.appVersion,
        transport: options.transport,
        platform: options.platform,
        osLocale: options.osLocale,
        dataDir: options.dataDir,
        cachePath: join(options.dataDir, 'calls.db'),
        logPath: join(options.dataDir, 'logs', 'ava-desk.log'),
      }),
      status: async () => status(),
      openExternal: async ({ url }) => {
        if (!isAllowedExternalUrl(url)) {
          throw new AppError({ code: 'invalid-input', message: 'AVA Desk only opens known https links.' });
        }
        if (!options.openExternal) {
          throw new AppError({ code: 'internal', message: 'Opening links needs the desktop app.' });
        }
        await options.openExternal(url);
      },
    },
    settings: {
      get: async () => settings,
      update: async (patch) => {
        settings = { ...settings, ...patch };
        emit('data.changed', { tables: ['settings'] });
        return settings;
      },
    },
    secrets: { status: notYet, forget: notYet },
    vapi: { connect: notYet },
    twilio: { connect: notYet },
    webhookSecret: { set: notYet },
    backend: { check: notYet, setUrl: notYet },
    auth: { status: notYet, signIn: notYet, signOut: notYet },
    calls: { list: notYet, get: notYet, missing: notYet },
    sync: { status: notYet, now: notYet },
    assistants: { list: notYet },
  };

  const dispatch = createDispatcher(handlers, {
    warn: (message, fields) => console.warn(message, fields ?? ''),
    error: (message, fields) => console.error(message, fields ?? ''),
  });

  return {
    dispatch,
    handlers,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {},
    async dispose() {
      listeners.clear();
    },
  };
}
