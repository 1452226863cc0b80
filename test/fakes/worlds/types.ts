/**
 * The shape of a world: everything the three fakes hold at start, generated from a seed and an anchor time.
 * URLs that depend on where the fakes listen are written with placeholders (`{{backend}}`, `{{vapi}}`) and resolved
 * when the world is loaded into running fakes.
 */
import type { GeneratedCalls } from './generated-calls';

/** Vapi JSON objects are kept as plain records: the OpenAPI document is their schema. */
export type JsonObject = Record<string, unknown>;

export interface ServerConfig {
  url?: string;
  timeoutSeconds?: number;
  headers?: Record<string, string>;
  credentialId?: string;
  backoffPlan?: { type: string; maxRetries: number; baseDelaySeconds: number; excludedStatusCodes?: unknown[] };
  [key: string]: unknown;
}

export interface WorldOrg {
  key: string;
  id: string;
  name: string;
  privateKey: string;
  publicKey: string;
  /** The org-level server URL setting (dashboard), lowest precedence. */
  server: ServerConfig | null;
  /** Vapi `Assistant` objects, as GET returns them (URLs may hold placeholders). */
  assistants: JsonObject[];
  /** Vapi phone number objects (GET shape) plus the write-only Twilio credentials used to import them. */
  phoneNumbers: WorldPhoneNumber[];
  calls: GeneratedCalls | null;
}

export interface WorldPhoneNumber {
  object: JsonObject;
  twilioAuthToken?: string;
}

export interface WorldTwilioNumber {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  voiceUrl: string;
  smsUrl: string;
  dateCreated: number;
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
}

export interface WorldTwilioAccount {
  key: string;
  sid: string;
  authToken: string;
  friendlyName: string;
  status: 'active' | 'suspended' | 'closed';
  type: 'Trial' | 'Full';
  dateCreated: number;
  apiKeys: { sid: string; secret: string }[];
  numbers: WorldTwilioNumber[];
}

export interface WorldBackendUser {
  key: string;
  id: string;
  email: string;
  name: string;
  phone: string | null;
  password: string;
  locale: string;
  createdAt: number;
  /** The Vapi private key stored server-side (vapi-settings), if any. */
  vapiApiKey: string | null;
  /** The Vapi org whose calls belong to this tenant. */
  orgKey: string | null;
}

/** A row of the backend's `calls` table, as stored (before the read-time scrub). */
export interface BackendCallRow {
  id: string;
  userId: string;
  assistantId: string | null;
  customerNumber: string | null;
  status: string;
  /** ISO-8601 with an offset, microseconds optional; null when the first sync had none. */
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  cost: number | null;
  transcript: string | null;
  recordingUrl: string | null;
  metadata: unknown;
  /** Insertion time (ms), the tie-breaker. */
  createdAt: number;
}

export interface WorldCredentials {
  vapi: { orgId: string; privateKey: string; publicKey: string };
  vapiOrgs: { key: string; orgId: string; name: string; privateKey: string; publicKey: string }[];
  twilio: { accountSid: string; authToken: string; apiKeySid: string; apiKeySecret: string };
  backend: { userId: string; email: string; phone: string | null; password: string; name: string };
}

export interface World {
  name: string;
  seed: number;
  /** The clock time the world was generated for: call times are spread before it. */
  anchor: number;
  orgs: WorldOrg[];
  twilioAccounts: WorldTwilioAccount[];
  backendUsers: WorldBackendUser[];
  /** Backend rows of every tenant (placeholders in URLs). */
  backendCalls: BackendCallRow[];
  credentials: WorldCredentials;
  /** Free-form notes for humans (what is special about this world). */
  notes: string[];
}

export interface ResolvedUrls {
  backend: string;
  vapi: string;
}

/** Replaces `{{backend}}` / `{{vapi}}` placeholders in every string of a JSON value. */
export function resolvePlaceholders<T>(value: T, urls: ResolvedUrls): T {
  if (typeof value === 'string') {
    return (
      value.includes('{{') ? value.replaceAll('{{backend}}', urls.backend).replaceAll('{{vapi}}', urls.vapi) : value
    ) as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolvePlaceholders(v, urls)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolvePlaceholders(v, urls);
    return out as T;
  }
  return value;
}
