/**
 * A call's row and its merge record, both ways: the row's columns and packed content (cache/codec.ts) as the
 * `CallRecord` the merge works on, read lazily (the content is only decompressed when the merge or a read needs it),
 * and a merged record back as the parameters of the row's INSERT or UPDATE.
 */
import type { TranscriptState, Turn } from '../../../shared/domain';
import {
  CALL_FIELDS,
  type CallField,
  type CallRecord,
  type RawJson,
  type SourceTrack,
  type Stamp,
  type Stamped,
  type TranscriptValue,
  sortTimeOf,
} from '../calls/merge';
import { statusFinality } from '../calls/status';
import {
  type CallContent,
  type DecodedContent,
  type IndexedText,
  packContent,
  textHash,
  transcriptText,
} from './codec';
import { packStamps, unpackStamps } from './stamps';

/** Fields kept in their own column (times as ms since the epoch); the others live in the packed content. */
export const COLUMN_OF: Partial<Record<CallField, string>> = {
  assistantId: 'assistant_id',
  assistantName: 'assistant_name',
  phoneNumberId: 'phone_number_id',
  customerNumber: 'customer_number',
  customerName: 'customer_name',
  status: 'status',
  endedReason: 'ended_reason',
  createdAt: 'created_at',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  durationSeconds: 'duration_seconds',
  cost: 'cost',
};
const TIME_FIELDS = new Set<CallField>(['createdAt', 'startedAt', 'endedAt']);
/** Fields whose column holds a `names` id (cache/names.ts), not the string. */
const NAMED_FIELDS = new Set<CallField>(['assistantId', 'phoneNumberId', 'status', 'endedReason']);

/** The calls table's names (cache/names.ts), both ways. */
export interface NameTable {
  idOf(value: string | null): number | null;
  valueOf(id: number | null): string | null;
}

export const RECORD_COLUMNS = [
  'pk',
  'id',
  ...Object.values(COLUMN_OF),
  'transcript_state',
  'in_backend',
  'in_vapi',
  'backend_seen_at',
  'vapi_seen_at',
  'first_seen_at',
  'stamps',
];

export interface RecordRow extends Record<string, unknown> {
  pk: number;
  id: string;
  transcript_state: TranscriptState;
  in_backend: number;
  in_vapi: number;
  backend_seen_at: number | null;
  vapi_seen_at: number | null;
  first_seen_at: number;
  stamps: Buffer;
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ms = (value: string | null): number | null => (value === null ? null : Date.parse(value));

function lazy<T>(get: () => T, stamp: Stamp): Stamped<T> {
  return {
    get value() {
      return get();
    },
    stamp,
  };
}

/**
 * The record of a stored call. `content` is called at most once, and only if the merge or the write needs a packed
 * value: a turn, the summary, the recording URL or a raw JSON.
 */
export function recordFromRow(row: RecordRow, names: NameTable, content: () => DecodedContent): CallRecord {
  let decoded: DecodedContent | undefined;
  const get = () => (decoded ??= content());
  const stamps = unpackStamps(row.stamps);
  const fields = {} as Record<CallField, Stamped<unknown>>;
  CALL_FIELDS.forEach((field, i) => {
    const stamp = stamps.fields[i] ?? [];
    const column = COLUMN_OF[field];
    if (column === undefined) {
      fields[field] = lazy(() => (field === 'summary' ? get().summary : get().recordingUrl), stamp);
    } else {
      const value = (row[column] ?? null) as string | number | null;
      fields[field] = {
        value: TIME_FIELDS.has(field)
          ? iso(value as number | null)
          : NAMED_FIELDS.has(field)
            ? names.valueOf(value as number | null)
            : value,
        stamp,
      };
    }
  });
  const transcript: TranscriptValue = {
    state: row.transcript_state,
    get turns() {
      return get().turns;
    },
  };
  const track = (seenAt: number | null, stamp: Stamp, json: () => string | null, vapi: boolean): SourceTrack | null => {
    if (seenAt === null) return null;
    const raw: RawJson = vapi
      ? {
          get text() {
            return json() ?? 'null';
          },
          // Stored as a reference to the Vapi JSON, the turns stay one when the call is packed again with that JSON.
          get turns() {
            return get().turnsFromVapiJson ? get().turns : undefined;
          },
        }
      : {
          get text() {
            return json() ?? 'null';
          },
        };
    return { seenAt, raw: { value: raw, stamp } };
  };
  return {
    id: row.id,
    fields: fields as CallRecord['fields'],
    transcript: { value: transcript, stamp: stamps.transcript },
    backend: row.in_backend === 1 ? track(row.backend_seen_at, stamps.backend, () => get().backendJson, false) : null,
    vapi: row.in_vapi === 1 ? track(row.vapi_seen_at, stamps.vapi, () => get().vapiJson, true) : null,
    firstSeenAt: row.first_seen_at,
  };
}

/** Everything of a row but its content. */
export function rowParams(record: CallRecord, names: NameTable): Record<string, unknown> {
  const params: Record<string, unknown> = {
    id: record.id,
    sort_at: sortTimeOf(record),
    finality: statusFinality(record.fields.status.value),
    transcript_state: record.transcript.value.state,
    in_backend: record.backend === null ? 0 : 1,
    in_vapi: record.vapi === null ? 0 : 1,
    backend_seen_at: record.backend?.seenAt ?? null,
    vapi_seen_at: record.vapi?.seenAt ?? null,
    first_seen_at: record.firstSeenAt,
    stamps: packStamps(record),
  };
  for (const field of CALL_FIELDS) {
    const column = COLUMN_OF[field];
    if (column === undefined) continue;
    const value = record.fields[field].value;
    params[column] = TIME_FIELDS.has(field)
      ? ms(value as string | null)
      : NAMED_FIELDS.has(field)
        ? names.idOf(value as string | null)
        : value;
  }
  return params;
}

/** `rowParams` as values in `ROW_COLUMNS` order (for positional parameters). */
export function rowValues(record: CallRecord, names: NameTable): unknown[] {
  const params = rowParams(record, names);
  return ROW_COLUMNS.map((column) => params[column]);
}

export const ROW_COLUMNS = Object.keys(
  rowParams(
    {
      id: '',
      fields: Object.fromEntries(
        CALL_FIELDS.map((f) => [f, { value: null, stamp: [] }]),
      ) as unknown as CallRecord['fields'],
      transcript: { value: { state: 'none', turns: [] }, stamp: [] },
      backend: null,
      vapi: null,
      firstSeenAt: 0,
    },
    { idOf: () => null, valueOf: () => null },
  ),
);

const rawOf = (track: SourceTrack | null): string | Uint8Array | null =>
  track === null ? null : (track.raw.value.bytes ?? track.raw.value.text);

export interface PackedContent {
  blob: Buffer;
  text: IndexedText;
  hash: number;
}

/** The record's packed content, with what the search index will read of it. */
export function contentOf(record: CallRecord, dictionaryId: number, dictionary: Buffer): PackedContent {
  const turns: readonly Turn[] = record.transcript.value.turns;
  const vapiTurns = record.vapi?.raw.value.turns;
  const cut = record.vapi?.raw.value.cut;
  const content: CallContent = {
    turns,
    turnsFromVapiJson: vapiTurns !== undefined && vapiTurns === turns,
    ...(cut === undefined ? {} : { vapiCuts: cut }),
    summary: record.fields.summary.value,
    recordingUrl: record.fields.recordingUrl.value,
    backendJson: rawOf(record.backend),
    vapiJson: rawOf(record.vapi),
  };
  const transcript = transcriptText(turns);
  const text = { transcript, summary: content.summary };
  return { blob: packContent(content, dictionaryId, dictionary, transcript), text, hash: textHash(text) };
}
