/**
 * The offline call cache: every call the line took, with its transcript, in a SQLite file in the app data folder.
 *
 * Public API (`openCache(path, { onNotice })` → `Cache`; all methods synchronous, better-sqlite3 style)
 * Writes
 * - `upsert(observations, { syncState })`: merges a batch of observations (calls/observe.ts) with what is stored,
 *   in one transaction, together with any sync_state changes (a watermark moves only with the data it covers).
 *   A call whose merge changes nothing is not written; the search index is touched only when indexed text changes.
 *   Returns which ids were created, changed (what the user sees), or only refreshed (seen times, raw JSON).
 * - `setSyncState(key, value)` / `deleteSyncState(key)`; `deleteCalls(ids)`.
 * Reads
 * - `listCalls(query)` → `CallPage`: newest first (or best match first when searching), keyset cursor.
 * - `getCall(id)` → `CallDetail | null`; `getRawJson(id)` → each source's latest raw JSON.
 * - `missingFromBackend(window?)` → `MissingReport`; `callsLackingFullTranscript(options?)`; `backendIds()`;
 *   `lookup(ids)`; `getSyncState(key)`; `counts()`.
 * Upkeep: `optimize()` after a large backfill; `checkpoint()`; `close()`.
 *
 * The cache holds no secret: raw JSON is stored with secret-looking values replaced (calls/observe.ts).
 */
import type Database from 'better-sqlite3';
import {
  CallListQuerySchema,
  type CallDetail,
  type CallListItem,
  type CallListQuery,
  type CallPage,
  type MissingReport,
  type TranscriptState,
  type Turn,
  type TurnRole,
} from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import {
  CALL_FIELDS,
  type CallField,
  type CallObservation,
  type CallRecord,
  type RawJson,
  type SourceTrack,
  type Stamp,
  type Stamped,
  type TranscriptValue,
  mergeObservations,
  sortTimeOf,
} from '../calls/merge';
import { statusFinality } from '../calls/status';
import { formatTranscript } from '../transcript/parse';
import { createHash } from 'node:crypto';
import { BUILT_IN_DICTIONARY, type TextUnpacker, dictionaryFor, packJson, packText, unpack } from './codec';
import { type OpenOptions, type OpenedAs, openDatabase } from './open';
import { snippetParts, toFtsQuery } from './search';

export type UpsertOutcome = 'created' | 'changed' | 'refreshed' | 'unchanged';

export interface UpsertResult {
  created: string[];
  /** Calls whose listed fields, transcript or sources changed. */
  changed: string[];
  /** Calls only marked as seen again, or whose raw JSON alone changed. */
  refreshed: string[];
  unchanged: number;
}

export interface UpsertOptions {
  /** sync_state keys to set in the same transaction (`undefined` deletes the key). */
  syncState?: Record<string, unknown>;
}

export interface MissingWindow {
  /**
   * The oldest start time the comparison covers. Default: the oldest call the backend has ever shown, as the
   * backend only ever shows its newest 200 calls. Null: everything.
   */
  since?: string | null;
  until?: string;
  /** How many of the calls to list (newest first); the count covers them all. Default 100. */
  limit?: number;
}

export interface CallSyncInfo {
  id: string;
  inBackend: boolean;
  inVapi: boolean;
  status: string | null;
  transcriptState: TranscriptState;
  startedAt: string | null;
  backendSeenAt: string | null;
  vapiSeenAt: string | null;
}

export interface CacheCounts {
  calls: number;
  inBackend: number;
  inVapi: number;
  missingFromBackend: number;
  transcripts: Record<TranscriptState, number>;
}

export interface RawJsonPair {
  backend: unknown;
  vapi: unknown;
}

export type CacheOptions = OpenOptions;

export function openCache(path: string, options: CacheOptions = {}): Cache {
  const opened = openDatabase(path, options);
  return new Cache(path, opened.db, opened.texts, opened.openedAs, opened.setAsidePath);
}

// ---------------------------------------------------------------------------------------------------------------

const FIELD_COLUMNS: Record<CallField, string> = {
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
  summary: 'summary',
  recordingUrl: 'recording_url',
};

const LIST_COLUMNS =
  'c.id, c.assistant_id, c.assistant_name, c.phone_number_id, c.customer_number, c.customer_name, c.status, ' +
  'c.ended_reason, c.started_at, c.ended_at, c.duration_seconds, c.cost, c.summary, c.transcript_state, ' +
  'c.in_backend, c.in_vapi, c.sort_at';

/** Ended calls Vapi has and the backend does not. Written exactly as the partial index says, so it is used. */
const MISSING = 'c.in_vapi = 1 AND c.in_backend = 0 AND c.finality = 4';

interface ListRow {
  id: string;
  assistant_id: string | null;
  assistant_name: string | null;
  phone_number_id: string | null;
  customer_number: string | null;
  customer_name: string | null;
  status: string | null;
  ended_reason: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  cost: number | null;
  summary: string | null;
  transcript_state: TranscriptState;
  in_backend: number;
  in_vapi: number;
  sort_at: number;
}

interface RecordRow extends Record<string, unknown> {
  pk: number;
  id: string;
  transcript_state: TranscriptState;
  in_backend: number;
  in_vapi: number;
  backend_seen_at: number | null;
  vapi_seen_at: number | null;
  first_seen_at: number;
  stamps: string;
}

/**
 * The merge stamps of a row, compactly: `[table, fields, transcript, backend raw, vapi raw]`, where `table` lists each
 * distinct stamp once and the rest are indexes into it (-1: none). Most fields of a call share one or two stamps.
 */
type StoredStamps = [Stamp[], number[], number, number, number];

interface TurnRow {
  role: number;
  label: string;
  offset_ms: number | null;
  length: number;
}

const ROLE_CODES: Record<TurnRole, number> = { user: 0, assistant: 1, system: 2, tool: 3, other: 4 };
const ROLES: readonly TurnRole[] = ['user', 'assistant', 'system', 'tool', 'other'];

/** A call as loaded for a merge: the record, plus its row id. */
interface Stored {
  pk: number;
  record: CallRecord;
}

/** A cache keeps one dictionary per system prompt it meets, up to this many (then the built-in one). */
const MAX_DICTIONARIES = 500;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function toListItem(row: ListRow): CallListItem {
  return {
    id: row.id,
    assistantId: row.assistant_id,
    assistantName: row.assistant_name,
    phoneNumberId: row.phone_number_id,
    customerNumber: row.customer_number,
    customerName: row.customer_name,
    status: row.status,
    endedReason: row.ended_reason,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationSeconds: row.duration_seconds,
    cost: row.cost,
    summary: row.summary,
    transcriptState: row.transcript_state,
    inBackend: row.in_backend === 1,
    inVapi: row.in_vapi === 1,
  };
}

function invalid(message: string, detail?: string): AppError {
  return new AppError({ code: 'invalid-input', message, ...(detail === undefined ? {} : { detail }) });
}

/** Damage found after opening: the next start moves the file aside (quick_check fails); say so now. */
function translate(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB|IOERR)/.test(code)) {
    return new AppError(
      {
        code: 'cache-unavailable',
        message: 'The call cache is damaged. Restart AVA Desk to rebuild it from your call history.',
        detail: error instanceof Error ? error.message : String(error),
      },
      { cause: error },
    );
  }
  return error;
}

// ---------------------------------------------------------------------------------------------------------------

export class Cache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly texts: TextUnpacker,
    /** `created` or `rebuilt`: nothing is cached yet, the sync should do a full sync. */
    readonly openedAs: OpenedAs,
    readonly setAsidePath: string | null,
  ) {}

  get rebuilt(): boolean {
    return this.openedAs === 'rebuilt';
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translate(error);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Writes

  upsert(observations: readonly CallObservation[], options: UpsertOptions = {}): UpsertResult {
    const byId = new Map<string, CallObservation[]>();
    for (const obs of observations) {
      const list = byId.get(obs.id);
      if (list) list.push(obs);
      else byId.set(obs.id, [obs]);
    }
    const result: UpsertResult = { created: [], changed: [], refreshed: [], unchanged: 0 };
    this.guard(() =>
      this.db.transaction(() => {
        for (const [id, list] of byId) {
          const outcome = this.upsertOne(id, list);
          if (outcome === 'unchanged') result.unchanged++;
          else result[outcome].push(id);
        }
        for (const [key, value] of Object.entries(options.syncState ?? {})) this.writeSyncState(key, value);
      })(),
    );
    return result;
  }

  private upsertOne(id: string, observations: CallObservation[]): UpsertOutcome {
    const stored = this.loadRecord(id);
    const merged = mergeObservations(observations, stored?.record ?? null);
    if (stored === undefined) {
      const pk = Number(this.sql(INSERT_CALL).run(this.rowParams(merged, true, true, true)).lastInsertRowid);
      this.writeTurns(pk, merged.transcript.value.turns, false);
      return 'created';
    }
    const before = stored.record;
    const fieldsChanged = CALL_FIELDS.some((f) => before.fields[f].value !== merged.fields[f].value);
    const stampsChanged =
      CALL_FIELDS.some((f) => before.fields[f] !== merged.fields[f]) ||
      before.transcript !== merged.transcript ||
      before.backend?.raw !== merged.backend?.raw ||
      before.vapi?.raw !== merged.vapi?.raw;
    const transcriptChanged =
      before.transcript !== merged.transcript && !sameTranscript(before.transcript.value, merged.transcript.value);
    const sourcesChanged =
      (before.backend === null) !== (merged.backend === null) || (before.vapi === null) !== (merged.vapi === null);
    const seenChanged =
      before.backend?.seenAt !== merged.backend?.seenAt ||
      before.vapi?.seenAt !== merged.vapi?.seenAt ||
      before.firstSeenAt !== merged.firstSeenAt;
    if (!stampsChanged && !sourcesChanged && !seenChanged) return 'unchanged';
    const setBackend = merged.backend !== null && before.backend?.raw !== merged.backend.raw;
    const setVapi = merged.vapi !== null && before.vapi?.raw !== merged.vapi.raw;
    this.sql(UPDATE_CALL).run({
      ...this.rowParams(merged, transcriptChanged, setBackend, setVapi),
      pk: stored.pk,
      set_transcript: transcriptChanged ? 1 : 0,
      set_backend: setBackend ? 1 : 0,
      set_vapi: setVapi ? 1 : 0,
    });
    if (transcriptChanged) this.writeTurns(stored.pk, merged.transcript.value.turns, true);
    return fieldsChanged || transcriptChanged || sourcesChanged ? 'changed' : 'refreshed';
  }

  private rowParams(record: CallRecord, withTranscript: boolean, withBackend: boolean, withVapi: boolean) {
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
      stamps: stampsOf(record),
      transcript_doc: withTranscript ? this.packDocument(record.transcript.value.turns) : null,
      backend_json: withBackend && record.backend ? this.packRaw(record.backend.raw.value) : null,
      vapi_json: withVapi && record.vapi ? this.packRaw(record.vapi.raw.value) : null,
    };
    for (const field of CALL_FIELDS) params[FIELD_COLUMNS[field]] = record.fields[field].value;
    return params;
  }

  /** The text the search index reads and the turns point into: turn texts, one newline apart. */
  private packDocument(turns: readonly Turn[]): Buffer | null {
    if (turns.length === 0) return null;
    const text = turns.map((t) => t.text).join('\n');
    const packed = packText(text);
    this.texts.remember(packed, text);
    return packed;
  }

  private writeTurns(pk: number, turns: readonly Turn[], replace: boolean): void {
    if (replace) this.sql('DELETE FROM turns WHERE call_pk = ?').run(pk);
    const insert = this.sql(
      'INSERT INTO turns (call_pk, seq, role, label, offset_ms, length) VALUES (?, ?, ?, ?, ?, ?)',
    );
    turns.forEach((turn, seq) =>
      insert.run(
        pk,
        seq,
        ROLE_CODES[turn.role],
        turn.label,
        turn.offsetSeconds === null ? null : Math.round(turn.offsetSeconds * 1000),
        turn.text.length,
      ),
    );
  }

  private loadRecord(id: string): Stored | undefined {
    const row = this.sql(SELECT_RECORD).get(id) as RecordRow | undefined;
    if (row === undefined) return undefined;
    const [table, fieldRefs, transcriptRef, backendRef, vapiRef] = JSON.parse(row.stamps) as StoredStamps;
    const stampAt = (ref: number | undefined): Stamp => (ref === undefined || ref < 0 ? [] : (table[ref] ?? []));
    const fields = {} as Record<CallField, Stamped<unknown>>;
    CALL_FIELDS.forEach((field, i) => {
      fields[field] = { value: row[FIELD_COLUMNS[field]] ?? null, stamp: stampAt(fieldRefs[i]) };
    });
    const pk = row.pk;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the lazy getters below read through the cache
    const self = this;
    // Turns and raw JSON are read only if the merge needs them (a tie between equal stamps).
    let turns: readonly Turn[] | undefined;
    const transcript: TranscriptValue = {
      state: row.transcript_state,
      get turns() {
        return (turns ??= self.loadTurns(pk));
      },
    };
    const track = (seenAt: number | null, column: 'backend_json' | 'vapi_json', stamp: Stamp) => {
      if (seenAt === null) return null;
      let text: string | undefined;
      const raw: RawJson = {
        get text() {
          return (text ??= self.loadRaw(pk, column) ?? 'null');
        },
      };
      return { seenAt, raw: { value: raw, stamp } } satisfies SourceTrack;
    };
    return {
      pk,
      record: {
        id: row.id,
        fields: fields as CallRecord['fields'],
        transcript: { value: transcript, stamp: stampAt(transcriptRef) },
        backend: row.in_backend === 1 ? track(row.backend_seen_at, 'backend_json', stampAt(backendRef)) : null,
        vapi: row.in_vapi === 1 ? track(row.vapi_seen_at, 'vapi_json', stampAt(vapiRef)) : null,
        firstSeenAt: row.first_seen_at,
      },
    };
  }

  private loadTurns(pk: number): Turn[] {
    const packed = this.sql('SELECT transcript_doc FROM calls WHERE pk = ?').pluck().get(pk) as Buffer | null;
    const doc = packed === null ? '' : unpack(packed);
    const rows = this.sql('SELECT role, label, offset_ms, length FROM turns WHERE call_pk = ? ORDER BY seq').all(
      pk,
    ) as TurnRow[];
    let at = 0;
    return rows.map((row) => {
      const text = doc.slice(at, at + row.length);
      at += row.length + 1;
      const role = ROLES[row.role] ?? 'other';
      return { role, label: row.label, text, offsetSeconds: row.offset_ms === null ? null : row.offset_ms / 1000 };
    });
  }

  private loadRaw(pk: number, column: 'backend_json' | 'vapi_json'): string | null {
    const blob = this.sql(`SELECT ${column} FROM calls WHERE pk = ?`).pluck().get(pk) as Buffer | null;
    return blob === null ? null : unpack(blob, this.dictionary);
  }

  // Compression dictionaries for raw JSON: the built-in skeleton (0), or the skeleton plus an assistant's prompt.

  private dictionaries: Map<number, Buffer> | undefined;
  private dictionaryIds: Map<string, number> | undefined;

  private loadDictionaries(): void {
    this.dictionaries = new Map([[0, BUILT_IN_DICTIONARY]]);
    this.dictionaryIds = new Map();
    for (const row of this.sql('SELECT id, key, data FROM raw_dictionaries').all() as {
      id: number;
      key: string;
      data: Buffer;
    }[]) {
      this.dictionaries.set(row.id, row.data);
      this.dictionaryIds.set(row.key, row.id);
    }
  }

  private readonly dictionary = (id: number): Buffer | undefined => {
    if (this.dictionaries === undefined) this.loadDictionaries();
    return this.dictionaries?.get(id);
  };

  /** Within an upsert's transaction: a new prompt's dictionary is committed with the first row packed against it. */
  private packRaw(raw: RawJson): Buffer {
    if (this.dictionaries === undefined || this.dictionaryIds === undefined) this.loadDictionaries();
    const dictionaries = this.dictionaries as Map<number, Buffer>;
    const ids = this.dictionaryIds as Map<string, number>;
    let id = 0;
    if (raw.prompt) {
      const key = createHash('sha256').update(raw.prompt).digest('base64url');
      const known = ids.get(key);
      if (known !== undefined) id = known;
      else if (ids.size < MAX_DICTIONARIES) {
        const data = dictionaryFor(raw.prompt);
        id = Number(this.sql('INSERT INTO raw_dictionaries (key, data) VALUES (?, ?)').run(key, data).lastInsertRowid);
        dictionaries.set(id, data);
        ids.set(key, id);
      }
    }
    return packJson(raw.bytes ?? raw.text, id, dictionaries.get(id) as Buffer);
  }

  deleteCalls(ids: readonly string[]): number {
    return this.guard(() =>
      this.db.transaction(() =>
        ids.reduce((n, id) => n + this.sql('DELETE FROM calls WHERE id = ?').run(id).changes, 0),
      )(),
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // sync_state

  getSyncState<T = unknown>(key: string): T | undefined {
    const value = this.guard(() => this.sql('SELECT value FROM sync_state WHERE key = ?').pluck().get(key)) as
      string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  setSyncState(key: string, value: unknown): void {
    this.guard(() => this.writeSyncState(key, value));
  }

  deleteSyncState(key: string): void {
    this.guard(() => this.writeSyncState(key, undefined));
  }

  private writeSyncState(key: string, value: unknown): void {
    if (value === undefined) {
      this.sql('DELETE FROM sync_state WHERE key = ?').run(key);
      return;
    }
    this.sql(
      'INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ).run(key, JSON.stringify(value), Date.now());
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reads

  listCalls(input: CallListQuery): CallPage {
    const parsed = CallListQuerySchema.safeParse(input);
    if (!parsed.success) throw invalid('This call search is not valid.', parsed.error.message);
    const query = parsed.data;
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit + 1 };
    if (query.status !== undefined) {
      where.push('c.status = @status');
      params.status = query.status;
    }
    if (query.assistantId !== undefined) {
      where.push('c.assistant_id = @assistant');
      params.assistant = query.assistantId;
    }
    if (query.from !== undefined) {
      where.push('c.sort_at >= @from');
      params.from = Date.parse(query.from);
    }
    if (query.to !== undefined) {
      where.push('c.sort_at <= @to');
      params.to = Date.parse(query.to);
    }
    if (query.onlyMissingFromBackend) {
      where.push(MISSING);
      const since = this.defaultMissingSince();
      if (since !== null) {
        where.push('c.sort_at >= @missing_since');
        params.missing_since = since;
      }
    }
    const match = query.text === undefined ? null : toFtsQuery(query.text);
    return this.guard(() =>
      match === null ? this.listByTime(query, where, params) : this.search(query, match, where, params),
    );
  }

  private listByTime(
    query: { limit: number; cursor?: string },
    where: string[],
    params: Record<string, unknown>,
  ): CallPage {
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.sql(`SELECT count(*) FROM calls c ${filter}`).pluck().get(params) as number;
    const page = [...where];
    if (query.cursor !== undefined) {
      const cursor = parseCursor(query.cursor, 't');
      page.push('(c.sort_at < @cursor_at OR (c.sort_at = @cursor_at AND c.id < @cursor_id))');
      params.cursor_at = cursor.sortAt;
      params.cursor_id = cursor.id;
    }
    const rows = this.sql(
      `SELECT ${LIST_COLUMNS} FROM calls c ${page.length > 0 ? `WHERE ${page.join(' AND ')}` : ''} ` +
        'ORDER BY c.sort_at DESC, c.id DESC LIMIT @limit',
    ).all(params) as ListRow[];
    const items = rows.slice(0, query.limit);
    const last = rows.length > query.limit ? items[items.length - 1] : undefined;
    return {
      items: items.map(toListItem),
      nextCursor: last ? `t:${last.sort_at}:${last.id}` : null,
      total,
    };
  }

  private search(
    query: { limit: number; cursor?: string },
    match: string,
    where: string[],
    params: Record<string, unknown>,
  ): CallPage {
    params.match = match;
    const filters = ['calls_fts MATCH @match', ...where];
    const from = 'FROM calls_fts f JOIN calls c ON c.pk = f.rowid';
    const total = this.sql(`SELECT count(*) ${from} WHERE ${filters.join(' AND ')}`)
      .pluck()
      .get(params) as number;
    if (query.cursor !== undefined) {
      const cursor = parseCursor(query.cursor, 'r');
      filters.push(
        '(f.rank > @cursor_rank OR (f.rank = @cursor_rank AND ' +
          '(c.sort_at < @cursor_at OR (c.sort_at = @cursor_at AND c.id < @cursor_id))))',
      );
      params.cursor_rank = cursor.rank;
      params.cursor_at = cursor.sortAt;
      params.cursor_id = cursor.id;
    }
    const rows = this.sql(
      `SELECT ${LIST_COLUMNS}, c.pk AS pk, f.rank AS rank ${from} WHERE ${filters.join(' AND ')} ` +
        'ORDER BY f.rank, c.sort_at DESC, c.id DESC LIMIT @limit',
    ).all(params) as (ListRow & { pk: number; rank: number })[];
    const items = rows.slice(0, query.limit);
    const last = rows.length > query.limit ? items[items.length - 1] : undefined;
    // Snippets only for the page, not for every match the ranking had to look at.
    const snippet = this.sql(
      "SELECT snippet(calls_fts, -1, char(2), char(3), '…', 16) FROM calls_fts WHERE calls_fts MATCH ? AND rowid = ?",
    ).pluck();
    return {
      items: items.map((row) => {
        const text = snippet.get(match, row.pk) as string | null;
        return { ...toListItem(row), snippet: text === null ? [] : snippetParts(text) };
      }),
      nextCursor: last ? `r:${last.rank}:${last.sort_at}:${last.id}` : null,
      total,
    };
  }

  getCall(id: string): CallDetail | null {
    return this.guard(() => {
      const row = this.sql(
        `SELECT ${LIST_COLUMNS}, c.pk, c.recording_url, c.backend_seen_at, c.vapi_seen_at FROM calls c WHERE c.id = ?`,
      ).get(id) as
        | (ListRow & {
            pk: number;
            recording_url: string | null;
            backend_seen_at: number | null;
            vapi_seen_at: number | null;
          })
        | undefined;
      if (row === undefined) return null;
      const turns = this.loadTurns(row.pk);
      return {
        ...toListItem(row),
        recordingUrl: row.recording_url,
        transcript: turns.length > 0 ? formatTranscript(turns) : null,
        turns,
        backendSeenAt: iso(row.backend_seen_at),
        vapiSeenAt: iso(row.vapi_seen_at),
      };
    });
  }

  /** Each source's latest raw JSON (secrets stripped), for export and support. */
  getRawJson(id: string): RawJsonPair | null {
    return this.guard(() => {
      const row = this.sql('SELECT backend_json, vapi_json FROM calls WHERE id = ?').get(id) as
        { backend_json: Buffer | null; vapi_json: Buffer | null } | undefined;
      if (row === undefined) return null;
      const parse = (blob: Buffer | null) =>
        blob === null ? null : (JSON.parse(unpack(blob, this.dictionary)) as unknown);
      return { backend: parse(row.backend_json), vapi: parse(row.vapi_json) };
    });
  }

  /** The oldest call the backend has ever shown (ms), or null when it has shown none. */
  private defaultMissingSince(): number | null {
    return this.sql('SELECT min(sort_at) FROM calls WHERE in_backend = 1').pluck().get() as number | null;
  }

  missingFromBackend(window: MissingWindow = {}): MissingReport {
    return this.guard(() => {
      const since =
        window.since === undefined
          ? this.defaultMissingSince()
          : window.since === null
            ? null
            : Date.parse(window.since);
      if (Number.isNaN(since)) throw invalid('The start of the comparison window is not a date.');
      const until = window.until === undefined ? null : Date.parse(window.until);
      if (Number.isNaN(until)) throw invalid('The end of the comparison window is not a date.');
      const where = [MISSING];
      const params: Record<string, unknown> = { limit: Math.max(0, Math.min(window.limit ?? 100, 1000)) };
      if (since !== null) {
        where.push('c.sort_at >= @since');
        params.since = since;
      }
      if (until !== null) {
        where.push('c.sort_at <= @until');
        params.until = until;
      }
      const filter = where.join(' AND ');
      const count = this.sql(`SELECT count(*) FROM calls c WHERE ${filter}`).pluck().get(params) as number;
      const rows = this.sql(
        `SELECT ${LIST_COLUMNS} FROM calls c WHERE ${filter} ORDER BY c.sort_at DESC, c.id DESC LIMIT @limit`,
      ).all(params) as ListRow[];
      return { count, since: iso(since), items: rows.map(toListItem) };
    });
  }

  /** Cached calls whose transcript is not full yet, newest first: what the sync should try to complete. */
  callsLackingFullTranscript(options: { limit?: number; since?: string } = {}): CallSyncInfo[] {
    return this.guard(() => {
      const params: Record<string, unknown> = { limit: options.limit ?? 500 };
      let filter = "c.transcript_state <> 'full'";
      if (options.since !== undefined) {
        filter += ' AND c.sort_at >= @since';
        params.since = Date.parse(options.since);
      }
      const rows = this.sql(
        `SELECT ${SYNC_INFO_COLUMNS} FROM calls c WHERE ${filter} ORDER BY c.sort_at DESC, c.id DESC LIMIT @limit`,
      ).all(params) as SyncInfoRow[];
      return rows.map(toSyncInfo);
    });
  }

  /** Every call id the backend has ever shown. */
  backendIds(): Set<string> {
    return this.guard(() => new Set(this.sql('SELECT id FROM calls WHERE in_backend = 1').pluck().all() as string[]));
  }

  /** What the cache knows of these calls (absent ids are left out). */
  lookup(ids: readonly string[]): Map<string, CallSyncInfo> {
    return this.guard(() =>
      this.db.transaction(() => {
        const found = new Map<string, CallSyncInfo>();
        const select = this.sql(`SELECT ${SYNC_INFO_COLUMNS} FROM calls c WHERE c.id = ?`);
        for (const id of ids) {
          const row = select.get(id) as SyncInfoRow | undefined;
          if (row) found.set(row.id, toSyncInfo(row));
        }
        return found;
      })(),
    );
  }

  counts(): CacheCounts {
    return this.guard(() => {
      const totals = this.sql(
        'SELECT count(*) AS calls, coalesce(sum(in_backend), 0) AS inBackend, coalesce(sum(in_vapi), 0) AS inVapi FROM calls',
      ).get() as { calls: number; inBackend: number; inVapi: number };
      const transcripts: Record<TranscriptState, number> = { full: 0, preview: 0, expired: 0, none: 0 };
      for (const row of this.sql('SELECT transcript_state AS state, count(*) AS n FROM calls GROUP BY 1').all() as {
        state: TranscriptState;
        n: number;
      }[]) {
        transcripts[row.state] = row.n;
      }
      return { ...totals, missingFromBackend: this.missingFromBackend({ limit: 0 }).count, transcripts };
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Upkeep

  /** Merges the search index's segments and refreshes the planner's statistics: after a large backfill. */
  optimize(): void {
    this.guard(() => {
      this.db.prepare("INSERT INTO calls_fts (calls_fts) VALUES ('optimize')").run();
      this.db.pragma('optimize');
    });
  }

  /** Moves the WAL into the main file and truncates it. */
  checkpoint(): void {
    this.guard(() => this.db.pragma('wal_checkpoint(TRUNCATE)'));
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // Statistics are an optimisation; closing matters more.
    }
    this.statements.clear();
    this.db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

const FIELD_COLUMN_LIST = CALL_FIELDS.map((f) => FIELD_COLUMNS[f]);
const ROW_COLUMNS = [
  'id',
  'sort_at',
  'finality',
  ...FIELD_COLUMN_LIST,
  'transcript_state',
  'in_backend',
  'in_vapi',
  'backend_seen_at',
  'vapi_seen_at',
  'first_seen_at',
  'stamps',
];

const INSERT_CALL =
  `INSERT INTO calls (${[...ROW_COLUMNS, 'transcript_doc', 'backend_json', 'vapi_json'].join(', ')}) ` +
  `VALUES (${[...ROW_COLUMNS, 'transcript_doc', 'backend_json', 'vapi_json'].map((c) => `@${c}`).join(', ')})`;

const UPDATE_CALL =
  `UPDATE calls SET ${ROW_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = @${c}`)
    .join(', ')}, ` +
  'transcript_doc = CASE WHEN @set_transcript THEN @transcript_doc ELSE transcript_doc END, ' +
  'backend_json = CASE WHEN @set_backend THEN @backend_json ELSE backend_json END, ' +
  'vapi_json = CASE WHEN @set_vapi THEN @vapi_json ELSE vapi_json END ' +
  'WHERE pk = @pk';

const SELECT_RECORD =
  `SELECT pk, id, ${FIELD_COLUMN_LIST.join(', ')}, transcript_state, in_backend, in_vapi, ` +
  'backend_seen_at, vapi_seen_at, first_seen_at, stamps FROM calls WHERE id = ?';

const SYNC_INFO_COLUMNS =
  'c.id, c.in_backend, c.in_vapi, c.status, c.transcript_state, c.started_at, c.backend_seen_at, c.vapi_seen_at';

interface SyncInfoRow {
  id: string;
  in_backend: number;
  in_vapi: number;
  status: string | null;
  transcript_state: TranscriptState;
  started_at: string | null;
  backend_seen_at: number | null;
  vapi_seen_at: number | null;
}

function toSyncInfo(row: SyncInfoRow): CallSyncInfo {
  return {
    id: row.id,
    inBackend: row.in_backend === 1,
    inVapi: row.in_vapi === 1,
    status: row.status,
    transcriptState: row.transcript_state,
    startedAt: row.started_at,
    backendSeenAt: iso(row.backend_seen_at),
    vapiSeenAt: iso(row.vapi_seen_at),
  };
}

function stampsOf(record: CallRecord): string {
  const table: Stamp[] = [];
  const refs = new Map<string, number>();
  const ref = (stamp: Stamp | undefined): number => {
    if (stamp === undefined || stamp.length === 0) return -1;
    const key = stamp.join(',');
    let at = refs.get(key);
    if (at === undefined) {
      at = table.push(stamp) - 1;
      refs.set(key, at);
    }
    return at;
  };
  const fields = CALL_FIELDS.map((field) => ref(record.fields[field].stamp));
  const stamps: StoredStamps = [
    table,
    fields,
    ref(record.transcript.stamp),
    ref(record.backend?.raw.stamp),
    ref(record.vapi?.raw.stamp),
  ];
  return JSON.stringify(stamps);
}

function sameTranscript(a: TranscriptValue, b: TranscriptValue): boolean {
  if (a.state !== b.state || a.turns.length !== b.turns.length) return false;
  return a.turns.every((turn, i) => {
    const other = b.turns[i] as Turn;
    return (
      turn.text === other.text &&
      turn.role === other.role &&
      turn.label === other.label &&
      turn.offsetSeconds === other.offsetSeconds
    );
  });
}

interface Cursor {
  rank?: number;
  sortAt: number;
  id: string;
}

function parseCursor(cursor: string, kind: 't' | 'r'): Cursor {
  const bad = () => invalid('This page of calls is out of date. Reload the list.', `cursor ${JSON.stringify(cursor)}`);
  const parts = cursor.split(':');
  if (parts[0] !== kind) throw bad();
  const numbers = kind === 'r' ? 2 : 1;
  const values = parts.slice(1, 1 + numbers).map(Number);
  const id = parts.slice(1 + numbers).join(':');
  if (values.length !== numbers || values.some((v) => !Number.isFinite(v)) || id === '') throw bad();
  return kind === 'r'
    ? { rank: values[0] as number, sortAt: values[1] as number, id }
    : { sortAt: values[0] as number, id };
}
