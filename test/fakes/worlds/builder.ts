/**
 * The scenario builder: a declarative `WorldSpec` (orgs, assistants, Twilio accounts and numbers, backend users,
 * call history and what reached the backend) turned into a `World` by `buildWorld(spec, {seed, anchor})`.
 * Everything is derived from the seed, so the same (spec, seed, anchor) gives the same world, ids included.
 */
import { DAY, HOUR, MINUTE } from '../lib/clock';
import { Rng, uuidFor } from '../lib/rng';
import { callEndedEventFromVapiCall, pythonIso, rowFromCallEnded, rowFromVapiCall } from '../backend/rows';
import { type AssistantPlan, type BackendFate, GeneratedCalls, businessHourTimes } from './generated-calls';
import { phoneFor } from './people';
import type {
  BackendCallRow,
  JsonObject,
  ServerConfig,
  World,
  WorldBackendUser,
  WorldOrg,
  WorldPhoneNumber,
  WorldTwilioAccount,
} from './types';

export const VAPI_VOICE_URL = 'https://api.vapi.ai/twilio/inbound_call';
export const VAPI_SMS_URL = 'https://api.vapi.ai/twilio/sms';
/** The webhook path of the backend; `{{backend}}` is replaced by the backend fake's URL. */
export const BACKEND_WEBHOOK = '{{backend}}/api/v1/webhooks/vapi';

export interface AssistantSpec {
  key: string;
  /** At most 40 characters (Vapi's limit). */
  name: string;
  language?: 'fr' | 'en' | 'multi';
  server?: ServerConfig;
  serverMessages?: string[];
  metadata?: JsonObject;
  /** Adds `metadata.user_id` = the id of this backend user (by key). */
  tagWithUser?: string;
  createdDaysAgo?: number;
  /** Share of the org's calls handled by this assistant (default 1). */
  callWeight?: number;
  /** Probabilities of what happened on the backend for this assistant's ended calls; the rest is `missing`. */
  fates?: Partial<Record<BackendFate, number>>;
  /** Any other `CreateAssistantDTO` fields. */
  extra?: JsonObject;
}

export interface ImportedNumberSpec {
  key: string;
  twilioAccount: string;
  number: string;
  name?: string;
  assistant?: string;
  server?: ServerConfig;
  smsEnabled?: boolean;
}

export interface CallsSpec {
  count: number;
  days: number;
  /** How many calls fall in the last 24 h (default ~2 %, at least 5). */
  recent?: number;
  /** How many of the newest are still in progress. */
  live?: number;
  longCalls?: number;
  languages?: { fr: number; en: number };
  /** Calls older than this also carry Vapi's undocumented top-level fields. */
  legacyOlderThanDays?: number;
  /** The backend user (key) whose tenant gets these calls' rows. */
  tenant?: string;
  /** Where `leaked` rows go (default: the backend's first user). */
  leakTo?: string;
  /** Only the newest N calls get backend rows (scale worlds; the backend only lists 200 anyway). */
  backendRowsLimit?: number;
  /** Twilio status rows (ids `CA…`) added to the tenant's backend calls. */
  twilioStatusRows?: number;
  /** Junk values in backend rows, as the contract lists them (default true). */
  junk?: boolean;
}

export interface OrgSpec {
  key: string;
  name: string;
  server?: ServerConfig | null;
  assistants: AssistantSpec[];
  phoneNumbers?: ImportedNumberSpec[];
  calls?: CallsSpec;
}

export interface TwilioAccountSpec {
  key: string;
  friendlyName: string;
  type?: 'Trial' | 'Full';
  status?: 'active' | 'suspended' | 'closed';
  numbers: { number: string; friendlyName?: string; voiceUrl?: string; smsUrl?: string }[];
  /** Extra generated numbers (paging tests, scale worlds). */
  generatedNumbers?: number;
}

export interface BackendUserSpec {
  key: string;
  email: string;
  name: string;
  phone?: string | null;
  password: string;
  locale?: string;
  /** The Vapi org of this tenant (its calls, and its private key stored in vapi-settings). */
  org?: string;
  storesVapiKey?: boolean;
}

export interface WorldSpec {
  name: string;
  notes?: string[];
  orgs: OrgSpec[];
  twilioAccounts: TwilioAccountSpec[];
  /** The first one is the backend's "first user" (dev-mode and attribution fallbacks). */
  backendUsers: BackendUserSpec[];
  /** Which org, Twilio account and backend user `credentials` describe (default: the first of each). */
  demo?: { org?: string; twilioAccount?: string; backendUser?: string };
}

export interface BuildOptions {
  seed?: number;
  /** The time the world is generated for (ms). Default: now. */
  anchor?: number;
}

const DEFAULT_PROMPT = {
  fr: "Tu es Ava, l'assistante téléphonique du cabinet.\nRéponds poliment et brièvement, en français.\nPrends les rendez-vous et les messages.",
  en: 'You are Ava, the phone assistant of the practice.\nAnswer politely and briefly.\nBook appointments and take messages.',
};

function sid(prefix: string, ...parts: (string | number)[]): string {
  return prefix + Rng.of('sid', prefix, ...parts).hex(32);
}

export function buildWorld(spec: WorldSpec, options: BuildOptions = {}): World {
  const seed = options.seed ?? 1;
  const anchor = options.anchor ?? Date.now();
  const notes = [...(spec.notes ?? [])];

  // Backend users first: assistants reference their ids.
  const users: WorldBackendUser[] = spec.backendUsers.map((u, i) => ({
    key: u.key,
    id: uuidFor(seed, 'backend-user', u.key),
    email: u.email,
    name: u.name,
    phone: u.phone ?? null,
    password: u.password,
    locale: u.locale ?? 'fr',
    createdAt: anchor - (400 - i) * DAY,
    vapiApiKey: null,
    orgKey: u.org ?? null,
  }));
  const userByKey = new Map(users.map((u) => [u.key, u]));
  const userId = (key: string): string => {
    const u = userByKey.get(key);
    if (!u) throw new Error(`world ${spec.name}: unknown backend user ${key}`);
    return u.id;
  };

  const twilioAccounts: WorldTwilioAccount[] = spec.twilioAccounts.map((a) => {
    const rng = Rng.of(seed, 'twilio', a.key);
    const numbers = a.numbers.map((n, i) => ({
      sid: sid('PN', seed, a.key, n.number),
      phoneNumber: n.number,
      friendlyName: n.friendlyName ?? n.number,
      voiceUrl: n.voiceUrl ?? 'https://demo.twilio.com/welcome/voice/',
      smsUrl: n.smsUrl ?? 'https://demo.twilio.com/welcome/sms/reply',
      dateCreated: anchor - (300 - i) * DAY,
      capabilities: { voice: true, sms: true, mms: false, fax: false },
    }));
    for (let i = 0; i < (a.generatedNumbers ?? 0); i++) {
      const number = phoneFor(rng, i % 3 === 0 ? 'en' : 'fr');
      numbers.push({
        sid: sid('PN', seed, a.key, 'gen', i),
        phoneNumber: number,
        friendlyName: `Ligne ${i + 1}`,
        voiceUrl: 'https://demo.twilio.com/welcome/voice/',
        smsUrl: '',
        dateCreated: anchor - 200 * DAY + i * MINUTE,
        capabilities: { voice: true, sms: rng.chance(0.7), mms: false, fax: false },
      });
    }
    return {
      key: a.key,
      sid: sid('AC', seed, a.key),
      authToken: Rng.of(seed, 'twilio-token', a.key).hex(32),
      friendlyName: a.friendlyName,
      status: a.status ?? 'active',
      type: a.type ?? 'Full',
      dateCreated: anchor - 500 * DAY,
      apiKeys: [{ sid: sid('SK', seed, a.key), secret: Rng.of(seed, 'twilio-api-secret', a.key).hex(32) }],
      numbers,
    };
  });
  const accountByKey = new Map(twilioAccounts.map((a) => [a.key, a]));

  const backendCalls: BackendCallRow[] = [];
  const placeholderUrls = { backend: '{{backend}}', vapi: '{{vapi}}' };

  const orgs: WorldOrg[] = spec.orgs.map((o) => {
    const orgId = uuidFor(seed, 'org', o.key);
    const assistants: JsonObject[] = [];
    const plans: AssistantPlan[] = [];
    o.assistants.forEach((a, i) => {
      const id = uuidFor(seed, 'assistant', o.key, a.key);
      const created = anchor - (a.createdDaysAgo ?? 90) * DAY + i * MINUTE;
      const lang = a.language ?? 'fr';
      const metadata: JsonObject | undefined =
        a.metadata || a.tagWithUser
          ? { ...a.metadata, ...(a.tagWithUser ? { user_id: userId(a.tagWithUser) } : {}) }
          : undefined;
      const assistant: JsonObject = {
        id,
        orgId,
        name: a.name,
        firstMessage:
          lang === 'en'
            ? 'Hello, thanks for calling. How can I help?'
            : 'Bonjour, vous êtes bien au cabinet. Comment puis-je vous aider ?',
        firstMessageMode: 'assistant-speaks-first',
        model: {
          provider: 'openai',
          model: 'gpt-4o',
          temperature: 0.4,
          messages: [{ role: 'system', content: DEFAULT_PROMPT[lang === 'en' ? 'en' : 'fr'] }],
        },
        voice: { provider: '11labs', voiceId: lang === 'en' ? 'paula' : 'charlotte' },
        transcriber: { provider: 'deepgram', model: 'nova-3', language: lang },
        maxDurationSeconds: 1800,
        endCallMessage: lang === 'en' ? 'Goodbye!' : 'Au revoir et bonne journée !',
        ...(a.extra ?? {}),
        isServerUrlSecretSet: false,
        createdAt: new Date(created).toISOString(),
        updatedAt: new Date(created + (i + 1) * HOUR).toISOString(),
      };
      if (a.server) assistant.server = structuredClone(a.server);
      if (a.serverMessages) assistant.serverMessages = [...a.serverMessages];
      if (metadata) assistant.metadata = metadata;
      assistants.push(assistant);
      plans.push({ id, key: a.key, weight: a.callWeight ?? 1, fates: a.fates ?? {}, metadata: metadata ?? null });
    });
    const assistantId = (key: string): string => {
      const found = plans.find((p) => p.key === key);
      if (!found) throw new Error(`world ${spec.name}: unknown assistant ${key} in org ${o.key}`);
      return found.id;
    };

    const phoneNumbers: WorldPhoneNumber[] = (o.phoneNumbers ?? []).map((p, i) => {
      const account = accountByKey.get(p.twilioAccount);
      if (!account) throw new Error(`world ${spec.name}: unknown Twilio account ${p.twilioAccount}`);
      const tw = account.numbers.find((n) => n.phoneNumber === p.number);
      if (!tw) throw new Error(`world ${spec.name}: ${p.number} is not in Twilio account ${p.twilioAccount}`);
      tw.voiceUrl = VAPI_VOICE_URL;
      if (p.smsEnabled !== false) tw.smsUrl = VAPI_SMS_URL;
      const created = anchor - 120 * DAY + i * HOUR;
      const object: JsonObject = {
        id: uuidFor(seed, 'phone-number', o.key, p.key),
        orgId,
        provider: 'twilio',
        number: p.number,
        twilioAccountSid: account.sid,
        status: 'active',
        createdAt: new Date(created).toISOString(),
        updatedAt: new Date(created + DAY).toISOString(),
      };
      if (p.name) object.name = p.name;
      if (p.assistant) object.assistantId = assistantId(p.assistant);
      if (p.server) object.server = structuredClone(p.server);
      if (p.smsEnabled !== undefined) object.smsEnabled = p.smsEnabled;
      return { object, twilioAuthToken: account.authToken };
    });

    let calls: GeneratedCalls | null = null;
    if (o.calls && o.calls.count > 0) {
      const c = o.calls;
      const rng = Rng.of(seed, 'times', o.key);
      const recent = c.recent ?? Math.max(5, Math.round(c.count * 0.02));
      const live = c.live ?? 0;
      const times = businessHourTimes(rng, c.count, anchor, c.days, recent, live);
      const longIndices = new Set<number>();
      const longRng = Rng.of(seed, 'long', o.key);
      while (longIndices.size < Math.min(c.longCalls ?? 0, Math.max(0, c.count - live))) {
        longIndices.add(longRng.int(0, c.count - live - 1));
      }
      calls = new GeneratedCalls({
        seed,
        orgKey: o.key,
        orgId,
        times,
        assistants: plans,
        phoneNumberIds: phoneNumbers.map((p) => String(p.object.id)),
        languages: c.languages ?? { fr: 0.62, en: 0.38 },
        longIndices,
        inProgressFrom: c.count - live,
        legacyBefore: anchor - (c.legacyOlderThanDays ?? 45) * DAY,
        recordingBase: '{{vapi}}/__recordings',
      });
      if (c.tenant) {
        const tenantId = userId(c.tenant);
        const leakId = c.leakTo ? userId(c.leakTo) : users[0]!.id;
        const from = c.backendRowsLimit ? Math.max(0, calls.count - c.backendRowsLimit) : 0;
        for (let i = from; i < calls.count; i++) {
          const plan = calls.plan(i);
          if (plan.fate === 'missing') continue;
          const call = calls.build(i, placeholderUrls);
          const insertedAt = Date.parse(String(call.updatedAt)) + 1500;
          let row: BackendCallRow;
          if (plan.fate === 'import') {
            row = rowFromVapiCall(call, tenantId, insertedAt + 3 * HOUR);
          } else {
            const event = callEndedEventFromVapiCall(call, plan.fate === 'leaked' ? null : plan.assistant?.metadata);
            row = rowFromCallEnded(event, plan.fate === 'leaked' ? leakId : tenantId, insertedAt);
          }
          if (c.junk !== false) addJunk(row, plan.seed, call);
          backendCalls.push(row);
        }
        if (c.junk !== false)
          ensureEveryJunkValue(
            backendCalls.filter((r) => r.userId === tenantId),
            seed,
          );
        const account = twilioAccounts[0];
        for (let k = 0; k < (c.twilioStatusRows ?? 0); k++) {
          backendCalls.push(twilioStatusRow(seed, o.key, k, tenantId, anchor, c.days, account));
        }
      }
      notes.push(`${o.name}: ${c.count} calls over ${c.days} days (${recent} in the last 24 h, ${live} in progress).`);
    }

    return {
      key: o.key,
      id: orgId,
      name: o.name,
      privateKey: uuidFor(seed, 'vapi-private-key', o.key),
      publicKey: uuidFor(seed, 'vapi-public-key', o.key),
      server: o.server ? structuredClone(o.server) : null,
      assistants,
      phoneNumbers,
      calls,
    };
  });

  for (const [i, u] of spec.backendUsers.entries()) {
    if (u.org && u.storesVapiKey !== false) {
      const org = orgs.find((o) => o.key === u.org);
      if (org) users[i]!.vapiApiKey = org.privateKey;
    }
  }

  const demoOrg = orgs.find((o) => o.key === spec.demo?.org) ?? orgs[0];
  const demoAccount = twilioAccounts.find((a) => a.key === spec.demo?.twilioAccount) ?? twilioAccounts[0];
  const demoUser = users.find((u) => u.key === spec.demo?.backendUser) ?? users[users.length - 1];
  if (!demoOrg || !demoAccount || !demoUser)
    throw new Error(`world ${spec.name} needs an org, a Twilio account and a backend user`);
  const demoUserSpec = spec.backendUsers.find((u) => u.key === demoUser.key)!;

  return {
    name: spec.name,
    seed,
    anchor,
    orgs,
    twilioAccounts,
    backendUsers: users,
    backendCalls,
    credentials: {
      vapi: { orgId: demoOrg.id, privateKey: demoOrg.privateKey, publicKey: demoOrg.publicKey },
      vapiOrgs: orgs.map((o) => ({
        key: o.key,
        orgId: o.id,
        name: o.name,
        privateKey: o.privateKey,
        publicKey: o.publicKey,
      })),
      twilio: {
        accountSid: demoAccount.sid,
        authToken: demoAccount.authToken,
        apiKeySid: demoAccount.apiKeys[0]!.sid,
        apiKeySecret: demoAccount.apiKeys[0]!.secret,
      },
      backend: {
        userId: demoUser.id,
        email: demoUser.email,
        phone: demoUser.phone,
        password: demoUserSpec.password,
        name: demoUser.name,
      },
    },
    notes,
  };
}

/** The contract's junk values, on a few rows (deterministic per call). */
function addJunk(row: BackendCallRow, seed: number, call: JsonObject): void {
  const rng = Rng.of('junk', seed);
  const r1 = rng.next();
  if (r1 < 0.03) row.customerNumber = 'Unknown';
  else if (r1 < 0.05) row.customerNumber = '';
  else if (r1 < 0.07) row.customerNumber = null;
  const r2 = rng.next();
  if (r2 < 0.02) row.assistantId = 'unknown';
  else if (r2 < 0.03) row.assistantId = '';
  else if (r2 < 0.04) row.assistantId = 'None';
  if (rng.chance(0.06)) row.durationSeconds = null;
  if (rng.chance(0.015)) row.startedAt = null;
  const artifact = (call.artifact ?? {}) as JsonObject;
  const mono = ((artifact.recording as JsonObject | undefined)?.mono ?? {}) as JsonObject;
  const url = mono.combinedUrl ?? artifact.recordingUrl;
  if (typeof url === 'string' && rng.chance(0.08)) row.recordingUrl = url;
  const meta = row.metadata as JsonObject;
  if (meta && meta.source === 'webhook' && rng.chance(0.4)) meta.recording_url = null;
  if (row.status === 'ended' && rng.chance(0.03)) {
    // Imported while the call was running and never refreshed.
    row.status = 'in-progress';
    row.endedAt = null;
    row.durationSeconds = null;
  }
}

/** Small worlds might miss a rare junk value by chance: make sure each one appears at least once. */
function ensureEveryJunkValue(rows: BackendCallRow[], seed: number): void {
  if (rows.length < 20) return;
  const rng = Rng.of('ensure-junk', seed);
  const pick = (): BackendCallRow => rows[rng.int(0, rows.length - 1)]!;
  for (const value of ['Unknown', '', null] as const) {
    if (!rows.some((r) => r.customerNumber === value)) pick().customerNumber = value;
  }
  for (const value of ['unknown', '', 'None']) {
    if (!rows.some((r) => r.assistantId === value)) pick().assistantId = value;
  }
  if (!rows.some((r) => r.durationSeconds === null)) pick().durationSeconds = null;
  if (!rows.some((r) => r.startedAt === null)) pick().startedAt = null;
  if (!rows.some((r) => r.recordingUrl !== null)) {
    const r = pick();
    const meta = r.metadata as JsonObject;
    r.recordingUrl = typeof meta.recording_url === 'string' ? meta.recording_url : null;
  }
}

function twilioStatusRow(
  seed: number,
  orgKey: string,
  k: number,
  userId: string,
  anchor: number,
  days: number,
  account: WorldTwilioAccount | undefined,
): BackendCallRow {
  const rng = Rng.of(seed, 'twilio-row', orgKey, k);
  const statuses = ['busy', 'no-answer', 'failed', 'canceled', 'unknown', 'ringing'];
  const started = Math.floor((anchor - rng.float(0.1, days) * DAY) / 1000) * 1000;
  const from = phoneFor(rng, rng.chance(0.6) ? 'fr' : 'en');
  const callSid = 'CA' + rng.hex(32);
  const status = statuses[k % statuses.length]!;
  return {
    id: callSid,
    userId,
    assistantId: 'unknown',
    customerNumber: rng.chance(0.2) ? 'Unknown' : from,
    status,
    startedAt: pythonIso(started),
    endedAt: status === 'ringing' ? null : pythonIso(started + rng.int(0, 40) * 1000),
    durationSeconds: status === 'ringing' ? null : 0,
    cost: null,
    transcript: null,
    recordingUrl: null,
    metadata: {
      source: 'twilio-status-callback',
      CallSid: callSid,
      CallStatus: status,
      From: from,
      To: account?.numbers[0]?.phoneNumber ?? '+33478000000',
      Direction: 'inbound',
      AccountSid: account?.sid ?? null,
      ApiVersion: '2010-04-01',
    },
    createdAt: started + 2000,
  };
}
