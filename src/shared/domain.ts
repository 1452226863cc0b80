/**
 * Domain types shared by main and the renderer. Plain data only: everything here must survive structured clone
 * and JSON (the two transports).
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// Settings: the small, versioned file in the app data folder. No secret ever lives here.

import { LANGUAGES } from './enums';
import type { ErrorCode } from './errors';

export { LANGUAGES, type Language } from './enums';

export const DEFAULT_BACKEND_URL = 'https://ava-api-production.onrender.com';

export const BackendUserSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullable(),
  name: z.string().nullable(),
});
export type BackendUser = z.infer<typeof BackendUserSchema>;

export const SettingsSchema = z.object({
  version: z.literal(1),
  backendUrl: z.string().url(),
  /** `system` follows the OS locale. */
  language: z.enum(['system', ...LANGUAGES]),
  /** `system` follows the OS theme. */
  theme: z.enum(['system', 'light', 'dark']),
  syncIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  /** How far back the first Vapi backfill reaches. */
  vapiBackfillDays: z.number().int().min(1).max(3650),
  /** Whether repaired webhooks carry the secret header (the secret itself is in the keychain). */
  webhookSecretEnabled: z.boolean(),
  twilioAccountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/)
    .nullable(),
  backendUser: BackendUserSchema.nullable(),
  /**
   * The user signed out but the keychain refused to delete the session: the next start must not sign them back in
   * from the token left there, and deletes it again. Cleared by a successful delete or a new sign-in.
   */
  signOutPending: z.boolean().default(false),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  version: 1,
  backendUrl: DEFAULT_BACKEND_URL,
  language: 'system',
  theme: 'system',
  syncIntervalMinutes: 15,
  vapiBackfillDays: 90,
  webhookSecretEnabled: false,
  twilioAccountSid: null,
  backendUser: null,
  signOutPending: false,
};

/** What the renderer may change directly. Backend URL, account and Twilio SID change through their own flows. */
export const SettingsPatchSchema = SettingsSchema.pick({
  language: true,
  theme: true,
  syncIntervalMinutes: true,
  vapiBackfillDays: true,
  webhookSecretEnabled: true,
})
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Secrets: the renderer only ever sees whether each is set and its last 4 characters.

export const SECRET_NAMES = ['vapiPrivateKey', 'twilioAuthToken', 'backendRefreshToken', 'webhookSecret'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface SecretState {
  set: boolean;
  /** Masked hint such as `••••3f9a`; null when unset or unreadable. */
  hint: string | null;
}

export const KEYCHAIN_PROBLEMS = [
  'no-secret-service',
  'no-dbus',
  'locked',
  /** Secret Service runs but has no default ("Login") keyring: `Object does not exist at path …/collection/login`. */
  'no-login-keyring',
  'denied',
  'not-installed',
  'unknown',
] as const;
export type KeychainProblem = (typeof KEYCHAIN_PROBLEMS)[number];

export type KeychainState =
  | { available: true }
  | { available: false; problem: KeychainProblem; /** the platform's own words, redacted */ detail: string };

export interface SecretsStatus {
  keychain: KeychainState;
  secrets: Record<SecretName, SecretState>;
}

// ---------------------------------------------------------------------------------------------------------------
// Connections and status bar

export type BackendHealth =
  | 'unknown'
  | 'checking'
  /** First request is slow: Render cold start (up to 60 s). */
  | 'waking'
  | 'ok'
  | 'unreachable';

export type AuthState =
  | { state: 'signed-out' }
  | { state: 'signed-in'; user: BackendUser; accessExpiresAt: string; refreshExpiresAt: string | null }
  /** The 7-day refresh token is dead: the user must sign in again. */
  | { state: 'expired'; user: BackendUser | null };

export type VapiState = 'unknown' | 'no-key' | 'ok' | 'unauthorized' | 'unreachable';

export type SyncPauseReason = 'offline' | 'signed-out' | 'session-expired' | 'no-vapi-key' | 'keychain-unavailable';

export interface AppStatus {
  backend: BackendHealth;
  auth: AuthState['state'];
  vapi: VapiState;
  keychain: 'ok' | 'unavailable';
  sync: SyncStatus;
  /** A backend address being checked before a switch, while it wakes up (Render cold start); absent otherwise. */
  pendingBackend?: { url: string; health: 'waking' };
}

export interface BackendCheck {
  url: string;
  health: BackendHealth;
  /** Round trip of the health check, in ms. */
  elapsedMs: number | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Calls (the offline cache)

export const TRANSCRIPT_STATES = ['full', 'preview', 'expired', 'none'] as const;
export type TranscriptState = (typeof TRANSCRIPT_STATES)[number];

export const TURN_ROLES = ['assistant', 'user', 'system', 'tool', 'other'] as const;
export type TurnRole = (typeof TURN_ROLES)[number];

export interface Turn {
  role: TurnRole;
  /** The speaker label as it appeared in the source, e.g. `AVA`, `Caller`, `bot`. */
  label: string;
  text: string;
  /** Seconds from the start of the call, when the source says. */
  offsetSeconds: number | null;
}

/** A piece of a search snippet: the renderer highlights `hit` pieces (no HTML crosses the boundary). */
export interface SnippetPart {
  text: string;
  hit: boolean;
}

export interface CallListItem {
  id: string;
  assistantId: string | null;
  assistantName: string | null;
  phoneNumberId: string | null;
  customerNumber: string | null;
  customerName: string | null;
  /** Raw status as the source says it (no enum: show unknown values as they are). */
  status: string | null;
  endedReason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  cost: number | null;
  summary: string | null;
  transcriptState: TranscriptState;
  inBackend: boolean;
  inVapi: boolean;
  /** Present on search results. */
  snippet?: SnippetPart[];
}

export interface CallDetail extends CallListItem {
  recordingUrl: string | null;
  transcript: string | null;
  turns: Turn[];
  backendSeenAt: string | null;
  vapiSeenAt: string | null;
}

export const CallListQuerySchema = z
  .object({
    /** Full-text search over transcripts, customer, summary. */
    text: z.string().max(500).optional(),
    status: z.string().max(64).optional(),
    assistantId: z.string().max(128).optional(),
    /** ISO date-times, inclusive bounds on startedAt. */
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    onlyMissingFromBackend: z.boolean().optional(),
    limit: z.number().int().min(1).max(500).default(100),
    /** Opaque cursor from a previous page. */
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type CallListQuery = z.input<typeof CallListQuerySchema>;

export interface CallPage {
  items: CallListItem[];
  nextCursor: string | null;
  /** Number of calls matching the query in the cache. */
  total: number;
}

export interface MissingReport {
  /** Ended calls Vapi has and the backend does not, within the backend's reach. */
  count: number;
  /** The oldest call the comparison covers (the backend only ever shows its newest 200). */
  since: string | null;
  items: CallListItem[];
}

// ---------------------------------------------------------------------------------------------------------------
// Sync

export const SYNC_SOURCES = ['backend', 'vapi'] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];

export type SyncPhase = 'idle' | 'backend-list' | 'backend-details' | 'vapi-calls' | 'finishing';

export interface SyncSourceResult {
  source: SyncSource;
  ok: boolean;
  /** Calls created or changed in the cache by this run. */
  changed: number;
  finishedAt: string;
  error?: { code: ErrorCode; message: string };
  /** Why the source was skipped, when it was. */
  skipped?: SyncPauseReason;
}

export interface SyncStatus {
  running: boolean;
  phase: SyncPhase;
  lastSyncAt: string | null;
  lastResults: SyncSourceResult[];
  pausedReason: SyncPauseReason | null;
  nextSyncAt: string | null;
}

export interface SyncProgress {
  source: SyncSource;
  phase: SyncPhase;
  done: number;
  /** Null when the total is not known yet (Vapi paging). */
  total: number | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Assistants (read from Vapi, live)

export type WebhookHealth = 'ok' | 'wrong-url' | 'missing-url' | 'no-end-of-call-report' | 'unknown-backend';

export interface AssistantSummary {
  id: string;
  name: string | null;
  serverUrl: string | null;
  webhook: WebhookHealth;
  hasSecretHeader: boolean;
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------------------------
// App

export type Transport = 'electron' | 'preview';

export interface AppInfo {
  name: string;
  version: string;
  transport: Transport;
  platform: string;
  /** The OS locale, for `language: system`. */
  osLocale: string;
  dataDir: string;
  cachePath: string;
  logPath: string;
}

export type NoticeKind = 'cache-rebuilt' | 'keychain-unavailable' | 'session-expired' | 'backend-missed-calls';

export interface Notice {
  kind: NoticeKind;
  /** English fallback sentence; the renderer shows `notices.<kind>` in the user's language. */
  message: string;
  params?: Record<string, string | number>;
}

export const DATA_TABLES = ['calls', 'settings', 'secrets', 'assistants', 'auth'] as const;
export type DataTable = (typeof DATA_TABLES)[number];
