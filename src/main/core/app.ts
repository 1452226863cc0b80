/**
 * The composition root: builds every service of the core from plain options and exposes them as the contract's
 * handlers. Both shells (Electron in `src/main/index.ts`, the preview host in `src/preview/server`) call this and
 * nothing else, so the renderer talks to the same core whatever the transport.
 */
import { join } from 'node:path';
import type { EventMap, EventName, Handlers } from '../../shared/contract';
import type { AppStatus, BackendHealth, DataTable, Notice, VapiState } from '../../shared/domain';
import { AppError } from '../../shared/errors';
import { listAssistants } from './assistants/list';
import { AssistantNames } from './assistants/names';
import { createTrustBase } from './auth/accounts';
import { openCache, type Cache } from './cache/cache';
import { applyDemoSetup, demoFromEnv, type DemoSetup } from './demo';
import { LOG_FILE_NAME } from './log/logger';
import { KeychainUnavailableError, type KeychainBackend } from './secrets/vault';
import { createDispatcher, type Dispatch } from './rpc';
import { isAllowedExternalUrl } from './security';
import { SyncEngine } from './sync/engine';

export interface CoreOptions {
  dataDir: string;
  transport: 'electron' | 'preview';
  appVersion: string;
  platform: string;
  osLocale: string;
  env?: NodeJS.ProcessEnv;
  /** Opens an allow-listed link in the user's browser; absent where there is no desktop (the preview host). */
  openExternal?: (url: string) => Promise<void>;
  /** Keychain service name (the demo keeps its fake keys apart from real ones). */
  keychainService?: string;
  /** The keychain itself, when not the OS's (tests of an unavailable keychain). */
  keychain?: KeychainBackend;
  /** Service base URLs: the local fakes in tests and the demo; Vapi's and Twilio's own otherwise. */
  vapiUrl?: string;
  twilioUrl?: string;
  /** Accounts to connect at start (the demo, against the local fakes). */
  demo?: DemoSetup;
  /** Sync tuning (tests and benchmarks). */
  sync?: { backendConcurrency?: number; vapiPageSize?: number; autoStart?: boolean };
  now?: () => number;
}

/** What a development shell (the demo, e2e runs) may set from the environment. Never used by a packaged app. */
export function developmentOverrides(env: NodeJS.ProcessEnv): Partial<CoreOptions> {
  const demo = demoFromEnv(env);
  return {
    ...(env.AVA_VAPI_URL ? { vapiUrl: env.AVA_VAPI_URL } : {}),
    ...(env.AVA_TWILIO_URL ? { twilioUrl: env.AVA_TWILIO_URL } : {}),
    ...(env.AVA_KEYCHAIN_SERVICE ? { keychainService: env.AVA_KEYCHAIN_SERVICE } : {}),
    ...(demo ? { demo } : {}),
  };
}

export type CoreListener = <E extends EventName>(event: E, payload: EventMap[E]) => void;

export interface Core {
  dispatch: Dispatch;
  handlers: Handlers;
  /** Subscribes to every event the core emits; returns the unsubscribe function. */
  on(listener: CoreListener): () => void;
  /** Restores the session and starts background work (health check, first sync, schedule). */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const listeners = new Set<CoreListener>();
  const notices = new Map<Notice['kind'], Notice>();
  const emit: CoreListener = (event, payload) => {
    if (event === 'notice') notices.set((payload as Notice).kind, payload as Notice);
    for (const listener of listeners) listener(event, payload);
  };
  const changed = (...tables: DataTable[]): void => emit('data.changed', { tables });

  const trust = createTrustBase({
    dataDir: options.dataDir,
    env: options.env ?? {},
    userAgent: `AVA-Desk/${options.appVersion}`,
    ...(options.keychainService ? { keychainService: options.keychainService } : {}),
    ...(options.keychain ? { keychain: options.keychain } : {}),
    ...(options.vapiUrl ? { vapiUrl: options.vapiUrl } : {}),
    ...(options.twilioUrl ? { twilioUrl: options.twilioUrl } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const { logger, settings, vault, session, accounts, vapi, backend } = trust;
  logger.info('core: start', { transport: options.transport, version: options.appVersion });
  if (settings.recovered) {
    logger.warn('settings: the settings file was unreadable and was set aside', { ...settings.recovered });
  }

  let cache: Cache | null = null;
  let cacheError: AppError | null = null;
  try {
    cache = openCache(join(options.dataDir, 'calls.db'), { onNotice: (notice) => emit('notice', notice) });
  } catch (error) {
    cacheError =
      error instanceof AppError
        ? error
        : new AppError({ code: 'cache-unavailable', message: 'The call cache cannot be opened.' }, { cause: error });
    logger.error('cache: cannot open', { error });
  }
  const openedCache = (): Cache => {
    if (!cache) throw cacheError!;
    return cache;
  };

  let backendHealth: BackendHealth = 'unknown';
  let vapiState: VapiState = 'unknown';
  /** A backend address checked before a switch, while it wakes up (the Settings card shows it). */
  let pendingBackend: AppStatus['pendingBackend'];
  const status = (): AppStatus => ({
    ...(pendingBackend ? { pendingBackend } : {}),
    backend: backendHealth,
    auth: session.state().state,
    vapi: vapiState,
    keychain: vault.keychainState().available ? 'ok' : 'unavailable',
    sync: engine?.status() ?? {
      running: false,
      phase: 'idle',
      lastSyncAt: null,
      lastResults: [],
      pausedReason: null,
      nextSyncAt: null,
    },
  });
  const pushStatus = (): void => emit('status', status());

  const engine = cache
    ? new SyncEngine({
        cache,
        backend,
        session,
        vapi,
        vault,
        settings,
        logger,
        ...(options.now ? { now: options.now } : {}),
        ...(options.sync?.backendConcurrency ? { backendConcurrency: options.sync.backendConcurrency } : {}),
        ...(options.sync?.vapiPageSize ? { vapiPageSize: options.sync.vapiPageSize } : {}),
        onStatus: pushStatus,
        onProgress: (progress) => emit('sync.progress', progress),
        onCallsChanged: () => changed('calls'),
        onSourceResult: (result) => {
          if (result.source === 'vapi' && result.ok) void refreshAssistantNames();
          const code = result.error?.code;
          const reached = result.ok || (code !== 'offline' && code !== 'timeout');
          if (result.source === 'backend') backendHealth = reached ? 'ok' : 'unreachable';
          else
            vapiState = result.ok
              ? 'ok'
              : code === 'unauthorized'
                ? 'unauthorized'
                : reached
                  ? vapiState
                  : 'unreachable';
        },
      })
    : null;

  session.onChange((state) => {
    changed('auth');
    pushStatus();
    if (state.state === 'expired') {
      emit('notice', {
        kind: 'session-expired',
        message: 'Your AVA session has ended. Sign in again to keep syncing.',
      });
    }
  });
  settings.onChange(() => {
    changed('settings');
    engine?.reschedule();
  });

  const assistantNames = new AssistantNames(cache);
  const refreshAssistantNames = async (): Promise<void> => {
    try {
      assistantNames.remember(await listAssistants(vapi, settings.get().backendUrl));
      changed('assistants', 'calls');
    } catch (error) {
      logger.warn('assistants: names not refreshed', { error });
    }
  };

  /** Runs a check of an address that is not (yet) the configured one, its waking state in the status meanwhile. */
  const checkingPending = async <T>(url: string, run: (onWaking: () => void) => Promise<T>): Promise<T> => {
    try {
      return await run(() => {
        pendingBackend = { url, health: 'waking' };
        pushStatus();
      });
    } finally {
      if (pendingBackend) {
        pendingBackend = undefined;
        pushStatus();
      }
    }
  };

  /** A sync in the background, after something that makes more of it possible (a key, a sign-in). */
  const syncSoon = (): void => engine?.requestRun();

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
        logPath: logger.path ?? join(options.dataDir, 'logs', LOG_FILE_NAME),
      }),
      status: async () => status(),
      notices: async () => [...notices.values()],
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
      get: async () => settings.get(),
      update: async (patch) => settings.update(patch),
    },
    secrets: {
      status: () => accounts.secretsStatus(),
      forget: async ({ name }) => {
        const result = await accounts.forgetSecret(name);
        if (name === 'vapiPrivateKey') vapiState = 'no-key';
        changed('secrets', 'assistants');
        pushStatus();
        return result;
      },
    },
    vapi: {
      connect: async ({ privateKey }) => {
        const result = await accounts.connectVapi(privateKey);
        vapiState = 'ok';
        changed('secrets', 'assistants');
        pushStatus();
        syncSoon();
        return result;
      },
    },
    twilio: {
      connect: async ({ accountSid, authToken }) => {
        const result = await accounts.connectTwilio(accountSid, authToken);
        changed('secrets');
        return result;
      },
    },
    webhookSecret: {
      set: async ({ value }) => {
        const result = await accounts.setWebhookSecret(value);
        changed('secrets');
        return result;
      },
    },
    backend: {
      check: async ({ url }) => {
        if (url !== undefined) return checkingPending(url, (onWaking) => accounts.checkBackend(url, { onWaking }));
        backendHealth = 'checking';
        pushStatus();
        const check = await accounts.checkBackend(undefined, {
          onWaking: () => {
            backendHealth = 'waking';
            pushStatus();
          },
        });
        backendHealth = check.health;
        pushStatus();
        return check;
      },
      setUrl: async ({ url }) => {
        const result = await checkingPending(url, (onWaking) => accounts.setBackendUrl(url, { onWaking }));
        backendHealth = 'ok';
        pushStatus();
        return result;
      },
    },
    auth: {
      status: async () => accounts.authState(),
      signIn: async ({ identifier, password, remember }) => {
        const state = await accounts.signIn(identifier, password, remember);
        backendHealth = 'ok';
        syncSoon();
        return state;
      },
      signOut: () => accounts.signOut(),
    },
    calls: {
      list: async (query) => {
        const page = openedCache().listCalls(query);
        return { ...page, items: assistantNames.fillAll(page.items) };
      },
      get: async ({ id }) => {
        const call = openedCache().getCall(id);
        if (!call) throw new AppError({ code: 'not-found', message: 'This call is not in the cache.' });
        return assistantNames.fill(call);
      },
      missing: async () => {
        const report = openedCache().missingFromBackend();
        return { ...report, items: assistantNames.fillAll(report.items) };
      },
    },
    sync: {
      status: async () => status().sync,
      now: async () => {
        if (!engine) throw cacheError!;
        return engine.run();
      },
    },
    assistants: {
      list: async () => {
        const assistants = await listAssistants(vapi, settings.get().backendUrl);
        assistantNames.remember(assistants);
        return assistants;
      },
    },
  };

  const dispatch = createDispatcher(handlers, logger.child({ module: 'rpc' }));

  return {
    dispatch,
    handlers,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      try {
        await session.restore();
      } catch (error) {
        logger.warn('core: session not restored', { error });
        if (error instanceof KeychainUnavailableError) {
          // The problem's code, so the renderer shows its own sentence for it in the user's language.
          emit('notice', { kind: 'keychain-unavailable', message: error.message, params: { problem: error.problem } });
        }
      }
      try {
        vapiState = (await vault.get('vapiPrivateKey')) ? 'unknown' : 'no-key';
      } catch {
        vapiState = 'unknown';
      }
      if (options.demo) await applyDemoSetup(handlers, options.demo, logger);
      pushStatus();
      void handlers.backend.check({}).catch((error: unknown) => logger.warn('core: health check failed', { error }));
      if (engine && options.sync?.autoStart !== false) engine.start();
    },
    async dispose() {
      await engine?.stop();
      cache?.close();
      await trust.close();
      listeners.clear();
    },
  };
}
