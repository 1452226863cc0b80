/**
 * Faithful local fakes of Vapi, Twilio and the AVA backend. `startFakes()` starts all three on 127.0.0.1, sharing
 * one clock, loaded with a seeded world (default `clinic`). See README.md in this folder.
 */
import { type FakeClock, createFakeClock } from './lib/clock';
import type { FaultController } from './lib/faults';
import type { Router } from './lib/server';
import { type BackendFake, type BackendSwitches, startBackendFake } from './backend/server';
import { type TwilioFake, startTwilioFake } from './twilio/server';
import { type VapiFake, startVapiFake } from './vapi/server';
import { type BuildOptions, type WorldSpec, buildWorld } from './worlds/builder';
import { specFor } from './worlds/catalog';
import { type BackendWindow, type MissingCall, type MissingQuery, windowOf } from './worlds/truth';
import type { World, WorldCredentials } from './worlds/types';

export { createFakeClock, type FakeClock, type FakeClockOptions, DAY, HOUR, MINUTE, SECOND } from './lib/clock';
export type { FaultController, FaultSpec, FaultRuleOptions, RouteMatcher, FaultEvent } from './lib/faults';
export type { RequestLogEntry } from './lib/server';
export {
  startVapiFake,
  INVALID_KEY_MESSAGE,
  type VapiFake,
  type VapiFakeOptions,
  type VapiControl,
  type PlaceCallSpec,
  type PlacedCall,
  type CallInfo,
  type VapiOrgInfo,
} from './vapi/server';
export { DEFAULT_SERVER_MESSAGES, type DeliveryAttempt, type SkippedDelivery } from './vapi/webhooks';
export {
  checkRequestBody,
  componentValidator,
  operationSchema,
  operationValidator,
  validateResponse,
} from './vapi/openapi';
export { buildVapiCall, recordingWav } from './vapi/call-builder';
export { startTwilioFake, TwilioDirectory, type TwilioFake, type TwilioFakeOptions } from './twilio/server';
export {
  startBackendFake,
  DEFAULT_SWITCHES,
  type BackendFake,
  type BackendFakeOptions,
  type BackendSwitches,
  type BackendControl,
  type TokenResponse,
  type WebhookLogEntry,
} from './backend/server';
export {
  callEndedEventFromVapiCall,
  pythonIso,
  rowFromCallEnded,
  rowFromEndOfCallReport,
  rowFromVapiCall,
  webhookTranscript,
} from './backend/rows';
export {
  buildWorld,
  BACKEND_WEBHOOK,
  VAPI_SMS_URL,
  VAPI_VOICE_URL,
  type WorldSpec,
  type OrgSpec,
  type AssistantSpec,
  type CallsSpec,
  type BackendUserSpec,
  type TwilioAccountSpec,
  type ImportedNumberSpec,
  type BuildOptions,
} from './worlds/builder';
export {
  WORLD_NAMES,
  clinicSpec,
  emptySpec,
  scaleSpec,
  specFor,
  DEMO_PASSWORD,
  OLD_BACKEND_WEBHOOK,
  CLINIC_WEBHOOK_SECRET,
  type WorldName,
} from './worlds/catalog';
export {
  missingFromBackend,
  backendWindow,
  sortLikeBackend,
  windowOf,
  BACKEND_LIST_LIMIT,
  type BackendWindow,
  type MissingCall,
  type MissingQuery,
} from './worlds/truth';
export {
  generateConversation,
  conversationFromSeed,
  type Conversation,
  type Scenario,
  type Turn,
} from './worlds/transcripts';
export type { World, WorldCredentials, BackendCallRow, JsonObject, ServerConfig } from './worlds/types';
export { GeneratedCalls, type BackendFate } from './worlds/generated-calls';

export interface StartFakesOptions {
  /** A world name (`clinic`, `empty`, `scale`), a spec, or a built world. Default `clinic`. */
  world?: string | World | WorldSpec;
  /** World seed (and fault seed). Default 1. */
  seed?: number;
  /** Shared by the three fakes. Default: a ticking clock starting at the real time. */
  clock?: FakeClock;
  /** Accept http:// webhook URLs on loopback in Vapi (so the backend fake can receive them). Default true. */
  allowHttpLoopbackWebhooks?: boolean;
  ports?: { vapi?: number; twilio?: number; backend?: number };
  backendSwitches?: Partial<BackendSwitches>;
  /** Multiplies Vapi webhook timeouts and backoff delays. Default 1. */
  deliveryTimeScale?: number;
}

export interface FakeCredentials extends WorldCredentials {
  urls: { vapi: string; twilio: string; backend: string };
}

export interface Fakes {
  vapi: VapiFake;
  twilio: TwilioFake;
  backend: BackendFake;
  clock: FakeClock;
  world: World;
  credentials: FakeCredentials;
  faults: { vapi: FaultController; twilio: FaultController; backend: FaultController; clearAll(): void };
  /** Ground truth over the live state (placed calls, deletions and webhooks included). */
  truth: {
    /** The backend's list window for a tenant (default: the demo user), as `GET /api/v1/calls?limit=200` sees it now. */
    backendWindow(userId?: string): BackendWindow;
    /** Ended Vapi calls of the tenant's org the backend does not hold, startedAt (or createdAt) in [from, to]. */
    missingFromBackend(query?: MissingQuery): MissingCall[];
  };
  /**
   * Puts the three fakes back to the world's initial state: data, switches, options, deliveries, faults and request
   * logs. The clock is left alone. HTTP: `POST /__control/reset` on any of the three.
   */
  reset(): void;
  close(): Promise<void>;
}

function isWorld(value: unknown): value is World {
  return !!value && typeof value === 'object' && 'credentials' in value && 'backendCalls' in value;
}

/** Builds a world from a name or spec. */
export function worldFor(world: string | WorldSpec, options: BuildOptions = {}): World {
  return buildWorld(typeof world === 'string' ? specFor(world) : world, options);
}

export async function startFakes(options: StartFakesOptions = {}): Promise<Fakes> {
  const clock = options.clock ?? createFakeClock();
  const seed = options.seed ?? 1;
  const world = isWorld(options.world)
    ? options.world
    : worldFor(options.world ?? 'clinic', { seed, anchor: clock.now() });

  // The control routes are wired before the Fakes object exists; they read it through this holder.
  const holder: { fakes?: Fakes } = {};
  const resetRoute = (router: Router): void => {
    router.add('POST', '/reset', () => {
      holder.fakes!.reset();
      return { status: 204 };
    });
  };
  const extraControl = (router: Router): void => {
    resetRoute(router);
    router
      .add('GET', '/credentials', () => ({ status: 200, json: holder.fakes?.credentials ?? null }))
      .add('GET', '/truth/missing-from-backend', (req) => {
        const q: MissingQuery = {};
        const userId = req.query.get('userId');
        const from = req.query.get('from');
        const to = req.query.get('to');
        if (userId) q.userId = userId;
        if (from) q.from = Number.isFinite(Number(from)) ? Number(from) : Date.parse(from);
        if (to) q.to = Number.isFinite(Number(to)) ? Number(to) : Date.parse(to);
        return { status: 200, json: holder.fakes!.truth.missingFromBackend(q) };
      })
      .add('GET', '/truth/backend-window', (req) => ({
        status: 200,
        json: holder.fakes!.truth.backendWindow(req.query.get('userId') ?? undefined),
      }));
  };

  const twilio = await startTwilioFake({
    clock,
    seed,
    accounts: world.twilioAccounts,
    extraControl: resetRoute,
    ...(options.ports?.twilio !== undefined ? { port: options.ports.twilio } : {}),
  });
  const backend = await startBackendFake({
    clock,
    seed,
    extraControl,
    ...(options.backendSwitches ? { switches: options.backendSwitches } : {}),
    ...(options.ports?.backend !== undefined ? { port: options.ports.backend } : {}),
  }).catch(async (err: unknown) => {
    await twilio.close();
    throw err;
  });
  const vapi = await startVapiFake({
    clock,
    seed,
    twilio: twilio.directory,
    extraControl: resetRoute,
    allowHttpLoopbackWebhooks: options.allowHttpLoopbackWebhooks ?? true,
    ...(options.deliveryTimeScale !== undefined ? { deliveryTimeScale: options.deliveryTimeScale } : {}),
    ...(options.ports?.vapi !== undefined ? { port: options.ports.vapi } : {}),
  }).catch(async (err: unknown) => {
    await Promise.all([twilio.close(), backend.close()]);
    throw err;
  });

  const urls = { vapi: vapi.url, backend: backend.url };
  vapi.control.loadWorld(world, urls);
  backend.control.loadWorld(world, urls);

  const tenantOrg = (userId: string): string | null => {
    const user = world.backendUsers.find((u) => u.id === userId);
    const org = world.orgs.find((o) => o.key === user?.orgKey);
    return org?.id ?? null;
  };

  const fakes: Fakes = {
    vapi,
    twilio,
    backend,
    clock,
    world,
    credentials: { ...world.credentials, urls: { vapi: vapi.url, twilio: twilio.url, backend: backend.url } },
    faults: {
      vapi: vapi.faults,
      twilio: twilio.faults,
      backend: backend.faults,
      clearAll() {
        vapi.faults.clear();
        twilio.faults.clear();
        backend.faults.clear();
      },
    },
    truth: {
      backendWindow(userId = world.credentials.backend.userId) {
        return windowOf(backend.control.calls(userId));
      },
      missingFromBackend(query = {}) {
        const userId = query.userId ?? world.credentials.backend.userId;
        const orgId = tenantOrg(userId);
        if (!orgId) return [];
        const held = new Set(backend.control.calls(userId).map((r) => r.id));
        const from = query.from ?? windowOf(backend.control.calls(userId)).from ?? -Infinity;
        const to = query.to ?? clock.now();
        return vapi.control
          .callsInWindow(orgId, Number.isFinite(from) ? from - 60_000 : undefined, to)
          .filter((c) => c.status === 'ended' && !held.has(c.id))
          .map((c) => ({ id: c.id, createdAt: c.createdAt, startedAt: c.startedAt, assistantId: c.assistantId }))
          .filter((c) => {
            const t = c.startedAt ?? c.createdAt;
            return t >= from && t <= to;
          })
          .sort((a, b) => b.createdAt - a.createdAt);
      },
    },
    reset() {
      vapi.control.reset({ restartIds: true });
      backend.control.reset();
      twilio.directory.reset(world.twilioAccounts);
      vapi.control.loadWorld(world, urls);
      backend.control.loadWorld(world, urls);
      for (const f of [vapi, twilio, backend]) {
        f.faults.reset();
        f.clearRequests();
      }
    },
    async close() {
      await Promise.all([vapi.close(), twilio.close(), backend.close()]);
    },
  };
  holder.fakes = fakes;
  return fakes;
}
