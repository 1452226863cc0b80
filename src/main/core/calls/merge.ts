/**
 * The merge rules for a call, in one place: a pure function over what each source said.
 *
 * Public API
 * - `CallObservation`: one source's view of one call, already normalised (see `observe.ts`).
 * - `CallRecord`: what the cache keeps for a call: each field with the stamp that decided it, the best transcript
 *   ever seen, the latest raw JSON of each source and when each source last saw the call.
 * - `recordFromObservation(obs)`, `mergeCalls(a, b)`, `mergeObservations(obs[])`.
 * - `listFieldsOf(record)` / `sortTimeOf(record)`: what the cache writes in its list columns.
 *
 * Every field is chosen by the largest stamp (compared element by element), then by its value, so the merge is a
 * join: idempotent, commutative and associative. Any permutation, any grouping of the same observations gives the same
 * record, and merging again with something already seen changes nothing. The stamps say:
 * - scalar fields: a value beats null (junk was turned into null by `observe.ts`, so it never overwrites);
 *   then Vapi > backend detail > backend summary; then the source's newer version;
 * - status: the most final (see `status.ts`), then as above; ended reason: as a scalar field;
 * - transcript: full > preview > expired > none, then Vapi > backend, then newer. The backend's null after 24 h is
 *   `expired`, so it never erases a transcript we have; Vapi's artifact wins over the backend's copy;
 * - raw JSON: for Vapi the call's own `updatedAt` (then, for two copies of one version, the one with the richer
 *   transcript); for the backend its latest detail, or its latest summary when no detail was ever fetched (the backend
 *   has no version of its own, so its order is when the app saw it).
 */
import type { CallListItem, TranscriptState, Turn } from '../../../shared/domain';
import { statusFinality } from './status';
import type { CopyCuts } from './vapi-copies';

export type ObservationSource = 'backend-summary' | 'backend-detail' | 'vapi';

/** Vapi holds the call itself; the backend holds a copy, its detail more than its list. */
export const SOURCE_RANK: Record<ObservationSource, number> = { 'backend-summary': 0, 'backend-detail': 1, vapi: 2 };

export interface CallFields {
  assistantId: string | null;
  assistantName: string | null;
  phoneNumberId: string | null;
  customerNumber: string | null;
  customerName: string | null;
  status: string | null;
  endedReason: string | null;
  /** ISO-8601, UTC. */
  createdAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  cost: number | null;
  summary: string | null;
  recordingUrl: string | null;
}
export type CallField = keyof CallFields;
export const CALL_FIELDS: readonly CallField[] = [
  'assistantId',
  'assistantName',
  'phoneNumberId',
  'customerNumber',
  'customerName',
  'status',
  'endedReason',
  'createdAt',
  'startedAt',
  'endedAt',
  'durationSeconds',
  'cost',
  'summary',
  'recordingUrl',
];

export interface TranscriptValue {
  state: TranscriptState;
  /** Empty unless `full` or `preview`. May be loaded lazily by the cache. */
  readonly turns: readonly Turn[];
}

/** A source's raw JSON; `text` may be produced lazily (stringified or decompressed only when needed). */
export interface RawJson {
  readonly text: string;
  /** The same JSON as UTF-8 bytes, when the caller had them (stored as is, without serializing again). */
  readonly bytes?: Uint8Array;
  /**
   * The assistant's system prompt inside it, when there is one: the cache compresses calls of the same assistant
   * against it (it is a few KB repeated in every call). Not part of the value: two raws compare by `text` alone.
   */
  readonly prompt?: string | null;
  /**
   * For a Vapi call: the turns `vapiTurnsFromJson(text)` reads, as the observation's transcript holds them (the same
   * array). When the merged transcript is that array, the cache stores the turns as a reference to this JSON.
   */
  readonly turns?: readonly Turn[];
  /** Where Vapi's copies of the conversation are in `bytes` (calls/vapi-copies.ts): the cache stores them cut out. */
  readonly cut?: CopyCuts;
}

export interface CallObservation {
  id: string;
  source: ObservationSource;
  /** When the app saw it, ms since the epoch. */
  seenAt: number;
  /** The source's own version: Vapi's `updatedAt`, else `seenAt`. ms since the epoch. */
  version: number;
  fields: CallFields;
  transcript: TranscriptValue;
  raw: RawJson;
}

/** Compared element by element; a missing element is smaller than any number. */
export type Stamp = readonly number[];

export interface Stamped<T> {
  value: T;
  stamp: Stamp;
}

export interface SourceTrack {
  /** The latest time this source showed the call, ms. */
  seenAt: number;
  raw: Stamped<RawJson>;
}

export interface CallRecord {
  id: string;
  fields: { [K in CallField]: Stamped<CallFields[K]> };
  transcript: Stamped<TranscriptValue>;
  backend: SourceTrack | null;
  vapi: SourceTrack | null;
  /** The earliest time any source showed the call, ms: the last resort for ordering a call without times. */
  firstSeenAt: number;
}

// ---------------------------------------------------------------------------------------------------------------

const RICHNESS: Record<TranscriptState, number> = { none: 0, expired: 1, preview: 2, full: 3 };

export function transcriptStamp(state: TranscriptState, source: ObservationSource, version: number): Stamp {
  return state === 'full' || state === 'preview' ? [RICHNESS[state], SOURCE_RANK[source], version] : [RICHNESS[state]];
}

export function fieldStamp(field: CallField, value: unknown, source: ObservationSource, version: number): Stamp {
  if (value === null) return [];
  if (field === 'status') return [statusFinality(value as string), SOURCE_RANK[source], version];
  return [SOURCE_RANK[source], version];
}

/** Vapi: its version, then (for two copies of one version) the one with the richer transcript. */
export function rawStamp(obs: CallObservation): Stamp {
  if (obs.source === 'vapi') return [obs.version, RICHNESS[obs.transcript.state]];
  return [obs.source === 'backend-detail' ? 1 : 0, obs.seenAt];
}

export function recordFromObservation(obs: CallObservation): CallRecord {
  const fields = {} as Record<CallField, Stamped<unknown>>;
  for (const field of CALL_FIELDS) {
    const value = obs.fields[field];
    fields[field] = { value, stamp: fieldStamp(field, value, obs.source, obs.version) };
  }
  const track: SourceTrack = {
    seenAt: obs.seenAt,
    raw: { value: obs.raw, stamp: rawStamp(obs) },
  };
  return {
    id: obs.id,
    fields: fields as CallRecord['fields'],
    transcript: { value: obs.transcript, stamp: transcriptStamp(obs.transcript.state, obs.source, obs.version) },
    backend: obs.source === 'vapi' ? null : track,
    vapi: obs.source === 'vapi' ? track : null,
    firstSeenAt: obs.seenAt,
  };
}

export function compareStamps(a: Stamp, b: Stamp): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length - b.length;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareTranscripts(a: TranscriptValue, b: TranscriptValue): number {
  if (a === b) return 0;
  const byState = RICHNESS[a.state] - RICHNESS[b.state];
  if (byState !== 0) return byState;
  return compareValues(JSON.stringify(a.turns), JSON.stringify(b.turns));
}

function compareRaw(a: RawJson, b: RawJson): number {
  return a === b ? 0 : compareValues(a.text, b.text);
}

/** The larger of two stamped values: by stamp, then by value. Returns one of its arguments, never a copy. */
function pick<T>(a: Stamped<T>, b: Stamped<T>, byValue: (x: T, y: T) => number): Stamped<T> {
  if (a === b) return a;
  const byStamp = compareStamps(a.stamp, b.stamp);
  if (byStamp !== 0) return byStamp > 0 ? a : b;
  return byValue(a.value, b.value) >= 0 ? a : b;
}

function mergeTracks(a: SourceTrack | null, b: SourceTrack | null): SourceTrack | null {
  if (a === null || a === b) return b;
  if (b === null) return a;
  const raw = pick(a.raw, b.raw, compareRaw);
  const seenAt = Math.max(a.seenAt, b.seenAt);
  if (raw === a.raw && seenAt === a.seenAt) return a;
  if (raw === b.raw && seenAt === b.seenAt) return b;
  return { seenAt, raw };
}

export function mergeCalls(a: CallRecord, b: CallRecord): CallRecord {
  if (a.id !== b.id) throw new Error(`mergeCalls: different calls (${a.id}, ${b.id})`);
  const fields = {} as Record<CallField, Stamped<unknown>>;
  for (const field of CALL_FIELDS) fields[field] = pick<unknown>(a.fields[field], b.fields[field], compareValues);
  return {
    id: a.id,
    fields: fields as CallRecord['fields'],
    transcript: pick(a.transcript, b.transcript, compareTranscripts),
    backend: mergeTracks(a.backend, b.backend),
    vapi: mergeTracks(a.vapi, b.vapi),
    firstSeenAt: Math.min(a.firstSeenAt, b.firstSeenAt),
  };
}

/** Merges observations of one call (all with the same id), optionally onto what the cache already has. */
export function mergeObservations(
  observations: readonly CallObservation[],
  onto: CallRecord | null = null,
): CallRecord {
  let record = onto;
  for (const obs of observations) {
    const next = recordFromObservation(obs);
    record = record === null ? next : mergeCalls(record, next);
  }
  if (record === null) throw new Error('mergeObservations: nothing to merge');
  return record;
}

// ---------------------------------------------------------------------------------------------------------------
// Views of a record

/** The ordering time of a call, ms: when it started, else was created, else ended, else first seen. */
export function sortTimeOf(record: CallRecord): number {
  const { startedAt, createdAt, endedAt } = record.fields;
  for (const candidate of [startedAt.value, createdAt.value, endedAt.value]) {
    if (candidate !== null) {
      const ms = Date.parse(candidate);
      if (Number.isFinite(ms)) return ms;
    }
  }
  return record.firstSeenAt;
}

export function listFieldsOf(record: CallRecord): Omit<CallListItem, 'snippet'> {
  const f = record.fields;
  return {
    id: record.id,
    assistantId: f.assistantId.value,
    assistantName: f.assistantName.value,
    phoneNumberId: f.phoneNumberId.value,
    customerNumber: f.customerNumber.value,
    customerName: f.customerName.value,
    status: f.status.value,
    endedReason: f.endedReason.value,
    startedAt: f.startedAt.value,
    endedAt: f.endedAt.value,
    durationSeconds: f.durationSeconds.value,
    cost: f.cost.value,
    summary: f.summary.value,
    transcriptState: record.transcript.value.state,
    inBackend: record.backend !== null,
    inVapi: record.vapi !== null,
  };
}
