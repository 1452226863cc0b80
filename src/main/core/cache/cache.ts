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
 * - `listCalls(query)` → `CallPage`: newest first (when searching: best match first), keyset cursor, snippets.
 * - `getCall(id)` → `CallDetail | null`; `getRawJson(id)` → each source's latest raw JSON.
 * - `missingFromBackend(window?)` → `MissingReport`; `callsLackingFullTranscript(options?)`; `backendIds()`;
 *   `lookup(ids)`; `getSyncState(key)`; `counts()`.
 * Upkeep: `optimize()` after a large backfill (compacts the file); `checkpoint()`; `close()`.
 *
 * Lists are ordered by start time, newest first, then by insertion order (`pk`): a tie-break that keeps every index
 * small, where the call id would add 36 bytes to each entry of each index.
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
} from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import {
  CALL_FIELDS,
  type CallObservation,
  type CallRecord,
  type TranscriptValue,
  mergeObservations,
} from '../calls/merge';
import { formatTranscript } from '../transcript/parse';
import { type ContentReader, type DecodedContent, dictionaryIdOf, unpackContent } from './codec';
import type { Dictionaries } from './dictionaries';
import { type OpenOptions, type OpenedAs, openDatabase } from './open';
import { RECORD_COLUMNS, ROW_COLUMNS, type RecordRow, contentOf, iso, recordFromRow, rowValues } from './records';
import { Names } from './names';
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

/**
 * sync_state key the sync writes with each backend list: `{ since }`, the oldest `startedAt` the backend itself
 * reported among the rows it listed (ISO, or null when none had one).
 */
export const BACKEND_WINDOW_STATE_KEY = 'backend.window';

export interface MissingWindow {
  /**
   * The oldest start time the comparison covers. Default: the backend's list window as the sync last recorded it
   * (`BACKEND_WINDOW_STATE_KEY`; the backend only ever shows its newest 200 calls), else the oldest call the backend
   * has ever shown. Null: everything.
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
  return new Cache(path, opened.db, opened.dictionaries, opened.contents, opened.openedAs, opened.setAsidePath);
}

// ---------------------------------------------------------------------------------------------------------------

const LIST_COLUMNS =
  'c.pk, c.id, c.assistant_id, c.assistant_name, c.phone_number_id, c.customer_number, c.customer_name, c.status, ' +
  'c.ended_reason, c.started_at, c.ended_at, c.duration_seconds, c.cost, c.transcript_state, c.in_backend, ' +
  'c.in_vapi, c.sort_at, c.content';

/** Ended calls Vapi has and the backend does not. Written exactly as the partial index says, so it is used. */
const MISSING = 'c.in_vapi = 1 AND c.in_backend = 0 AND c.finality = 4';

const NEWEST_FIRST = 'ORDER BY c.sort_at DESC, c.pk DESC';

interface ListRow {
  pk: number;
  id: string;
  /** names.id (cache/names.ts), as `phone_number_id`, `status` and `ended_reason`. */
  assistant_id: number | null;
  assistant_name: string | null;
  phone_number_id: number | null;
  customer_number: string | null;
  customer_name: string | null;
  status: number | null;
  ended_reason: number | null;
  started_at: number | null;
  ended_at: number | null;
  duration_seconds: number | null;
  cost: number | null;
  transcript_state: TranscriptState;
  in_backend: number;
  in_vapi: number;
  sort_at: number;
  content: Buffer;
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

// ---------------------------------------------------------------------------------------------------------------

export class Cache {
  private readonly statements = new Map<string, Database.Statement>();

  private readonly names: Names;

  private readonly dataVersion: Database.Statement;

  /** `PRAGMA data_version` when this connection last caught up with the others' commits. */
  private seenDataVersion: number;

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly dictionaries: Dictionaries,
    private readonly contents: ContentReader,
    /** `created` or `rebuilt`: nothing is cached yet, the sync should do a full sync. */
    readonly openedAs: OpenedAs,
    readonly setAsidePath: string | null,
  ) {
    db.exec(STAGING_TABLE);
    this.names = new Names(db);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.seenDataVersion = this.dataVersion.get() as number;
  }

  /**
   * Another connection to the file (a second copy of the app racing this one at start, a support tool) may have
   * committed since this one last looked: the dictionaries and names it added must be known here before a row that
   * uses them is read, or the same dictionary added again. One `PRAGMA data_version` (a counter in memory) when
   * nothing happened.
   */
  private catchUp(): void {
    const version = this.dataVersion.get() as number;
    if (version === this.seenDataVersion) return;
    this.seenDataVersion = version;
    this.dictionaries.catchUp();
    this.names.invalidate();
  }

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
      this.catchUp();
      return work();
    } catch (error) {
      throw translate(error);
    }
  }

  private decode(blob: Buffer): DecodedContent {
    return unpackContent(blob, this.dictionaries.get);
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
    try {
      this.catchUp();
      this.db.transaction(() => {
        this.sql('DELETE FROM temp.staged_calls').run();
        for (const [id, list] of byId) {
          const outcome = this.upsertOne(id, list);
          if (outcome === 'unchanged') result.unchanged++;
          else result[outcome].push(id);
        }
        // One statement each for the whole batch: FTS5 flushes its pending index at the start of every statement that
        // writes to it, so row-by-row writes would leave a segment per call to merge.
        this.sql(INSERT_STAGED).run();
        this.sql(UPDATE_STAGED).run();
        this.sql('DELETE FROM temp.staged_calls').run();
        for (const [key, value] of Object.entries(options.syncState ?? {})) this.writeSyncState(key, value);
      })();
    } catch (error) {
      // A dictionary or name made in the rolled-back transaction is gone: forget it before anything refers to it.
      this.names.invalidate();
      this.dictionaries.invalidate();
      this.dictionaries.load();
      throw translate(error);
    } finally {
      this.contents.forgetBatch();
    }
    return result;
  }

  private upsertOne(id: string, observations: CallObservation[]): UpsertOutcome {
    const row = this.sql(`SELECT ${RECORD_COLUMNS.join(', ')} FROM calls WHERE id = ?`).get(id) as
      RecordRow | undefined;
    let storedBlob: Buffer | undefined;
    const blob = () =>
      (storedBlob ??= this.sql('SELECT content FROM calls WHERE pk = ?').pluck().get(row?.pk) as Buffer);
    const before = row === undefined ? null : recordFromRow(row, this.names, () => this.decode(blob()));
    const merged = mergeObservations(observations, before);

    if (row === undefined || before === null) {
      const content = this.pack(merged, null);
      this.stage(merged, null, content);
      return 'created';
    }

    const changedField = CALL_FIELDS.some(
      (f) => before.fields[f] !== merged.fields[f] && before.fields[f].value !== merged.fields[f].value,
    );
    const restamped =
      CALL_FIELDS.some((f) => before.fields[f] !== merged.fields[f]) ||
      before.transcript !== merged.transcript ||
      before.backend?.raw !== merged.backend?.raw ||
      before.vapi?.raw !== merged.vapi?.raw;
    const transcriptChanged =
      before.transcript !== merged.transcript && !sameTranscript(before.transcript.value, merged.transcript.value);
    const rawChanged = (a: CallRecord['backend'], b: CallRecord['backend']) =>
      a?.raw !== b?.raw && (a === null || b === null || a.raw.value.text !== b.raw.value.text);
    const sourcesChanged =
      (before.backend === null) !== (merged.backend === null) || (before.vapi === null) !== (merged.vapi === null);
    const seenChanged =
      before.backend?.seenAt !== merged.backend?.seenAt ||
      before.vapi?.seenAt !== merged.vapi?.seenAt ||
      before.firstSeenAt !== merged.firstSeenAt;
    if (!restamped && !sourcesChanged && !seenChanged) return 'unchanged';

    // Values inside the packed content are only read (decompressed) when their stamp says they may have changed.
    const packedFieldChanged = (f: 'summary' | 'recordingUrl') =>
      before.fields[f] !== merged.fields[f] && before.fields[f].value !== merged.fields[f].value;
    const contentChanged =
      transcriptChanged ||
      packedFieldChanged('summary') ||
      packedFieldChanged('recordingUrl') ||
      rawChanged(before.backend, merged.backend) ||
      rawChanged(before.vapi, merged.vapi);
    const content = contentChanged ? this.pack(merged, dictionaryIdOf(blob())) : null;
    this.stage(merged, row.pk, content);
    return changedField || transcriptChanged || sourcesChanged ? 'changed' : 'refreshed';
  }

  /** Stages a row for the batch's one INSERT and one UPDATE (`content` null: the stored one stays). */
  private stage(record: CallRecord, pk: number | null, content: { hash: number; blob: Buffer } | null): void {
    // Positional parameters: binding two dozen named ones costs more than the row's SQL.
    const values = rowValues(record, this.names);
    values.push(pk, content === null ? 0 : 1, content?.hash ?? null, content?.blob ?? null);
    this.sql(STAGE).run(values);
  }

  /**
   * Packs a record's content against its assistant's dictionary. A raw JSON the batch brought knows its system prompt
   * (stored ones do not): the Vapi one picks the dictionary; else the content keeps the one it had; else the
   * backend one picks it.
   */
  private pack(record: CallRecord, storedDictionary: number | null) {
    const assistantId = record.fields.assistantId.value;
    const vapi = record.vapi?.raw.value;
    const backend = record.backend?.raw.value;
    let dictionaryId = storedDictionary ?? 0;
    if (vapi !== undefined && vapi.prompt !== undefined) {
      dictionaryId = this.dictionaries.idFor(assistantId, vapi.prompt, () => vapi.text);
    } else if (dictionaryId === 0 && backend !== undefined && backend.prompt !== undefined) {
      dictionaryId = this.dictionaries.idFor(assistantId, backend.prompt, () => backend.text);
    }
    const dictionary = this.dictionaries.get(dictionaryId);
    if (dictionary === undefined) throw new Error(`Missing compression dictionary ${dictionaryId} in the call cache`);
    const content = contentOf(record, dictionaryId, dictionary);
    this.contents.rememberForBatch(content.blob, content.text);
    return content;
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

  private toListItem(row: ListRow): CallListItem {
    return {
      id: row.id,
      assistantId: this.names.valueOf(row.assistant_id),
      assistantName: row.assistant_name,
      phoneNumberId: this.names.valueOf(row.phone_number_id),
      customerNumber: row.customer_number,
      customerName: row.customer_name,
      status: this.names.valueOf(row.status),
      endedReason: this.names.valueOf(row.ended_reason),
      startedAt: iso(row.started_at),
      endedAt: iso(row.ended_at),
      durationSeconds: row.duration_seconds,
      cost: row.cost,
      summary: this.contents.read(row.content).summary,
      transcriptState: row.transcript_state,
      inBackend: row.in_backend === 1,
      inVapi: row.in_vapi === 1,
    };
  }

  listCalls(input: CallListQuery): CallPage {
    const parsed = CallListQuerySchema.safeParse(input);
    if (!parsed.success) throw invalid('This call search is not valid.', parsed.error.message);
    const query = parsed.data;
    // In the guard: it catches up with other connections first, so a filter knows the names they added.
    return this.guard(() => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: query.limit + 1 };
      if (query.status !== undefined) {
        where.push('c.status = @status');
        // A status no call has ever had matches nothing.
        params.status = this.names.find(query.status) ?? -1;
      }
      if (query.assistantId !== undefined) {
        where.push('c.assistant_id = @assistant');
        params.assistant = this.names.find(query.assistantId) ?? -1;
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
      return match === null ? this.listByTime(query, where, params) : this.search(query, match, where, params);
    });
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
      page.push('(c.sort_at < @cursor_at OR (c.sort_at = @cursor_at AND c.pk < @cursor_pk))');
      params.cursor_at = cursor.key;
      params.cursor_pk = cursor.pk;
    }
    const rows = this.sql(
      `SELECT ${LIST_COLUMNS} FROM calls c ${page.length > 0 ? `WHERE ${page.join(' AND ')}` : ''} ` +
        `${NEWEST_FIRST} LIMIT @limit`,
    ).all(params) as ListRow[];
    const items = rows.slice(0, query.limit);
    const last = rows.length > query.limit ? items[items.length - 1] : undefined;
    return {
      items: items.map((row) => this.toListItem(row)),
      nextCursor: last ? `t:${last.sort_at}:${last.pk}` : null,
      total,
    };
  }

  /**
   * Best match first (bm25, weighted towards the caller's name and number), then the most recently stored. The
   * ranking reads the search index alone unless a filter needs the calls' columns; only the page's rows are read.
   */
  private search(
    query: { limit: number; cursor?: string },
    match: string,
    where: string[],
    params: Record<string, unknown>,
  ): CallPage {
    params.match = match;
    const from = where.length > 0 ? 'FROM calls_fts f JOIN calls c ON c.pk = f.rowid' : 'FROM calls_fts f';
    const filters = ['calls_fts MATCH @match', ...where];
    const total = this.sql(`SELECT count(*) ${from} WHERE ${filters.join(' AND ')}`)
      .pluck()
      .get(params) as number;
    if (query.cursor !== undefined) {
      const cursor = parseCursor(query.cursor, 'r');
      filters.push('(f.rank > @cursor_rank OR (f.rank = @cursor_rank AND f.rowid < @cursor_pk))');
      params.cursor_rank = cursor.key;
      params.cursor_pk = cursor.pk;
    }
    const ranked = this.sql(
      `SELECT f.rowid AS pk, f.rank AS rank ${from} WHERE ${filters.join(' AND ')} ` +
        'ORDER BY f.rank, f.rowid DESC LIMIT @limit',
    ).all(params) as { pk: number; rank: number }[];
    const page = ranked.slice(0, query.limit);
    const last = ranked.length > query.limit ? page[page.length - 1] : undefined;
    const select = this.sql(`SELECT ${LIST_COLUMNS} FROM calls c WHERE c.pk = ?`);
    // Snippets only for the page, not for every match the ranking had to look at.
    const snippet = this.sql(
      "SELECT snippet(calls_fts, -1, char(2), char(3), '…', 16) FROM calls_fts WHERE calls_fts MATCH ? AND rowid = ?",
    ).pluck();
    const items: CallListItem[] = [];
    for (const { pk } of page) {
      const row = select.get(pk) as ListRow | undefined;
      if (row === undefined) continue;
      const text = snippet.get(match, pk) as string | null;
      items.push({ ...this.toListItem(row), snippet: text === null ? [] : snippetParts(text) });
    }
    return { items, nextCursor: last ? `r:${last.rank}:${last.pk}` : null, total };
  }

  getCall(id: string): CallDetail | null {
    return this.guard(() => {
      const row = this.sql(`SELECT ${LIST_COLUMNS}, c.backend_seen_at, c.vapi_seen_at FROM calls c WHERE c.id = ?`).get(
        id,
      ) as (ListRow & { backend_seen_at: number | null; vapi_seen_at: number | null }) | undefined;
      if (row === undefined) return null;
      const content = this.decode(row.content);
      return {
        ...this.toListItem(row),
        summary: content.summary,
        recordingUrl: content.recordingUrl,
        transcript: content.turns.length > 0 ? formatTranscript(content.turns) : null,
        turns: content.turns,
        backendSeenAt: iso(row.backend_seen_at),
        vapiSeenAt: iso(row.vapi_seen_at),
      };
    });
  }

  /** Each source's latest raw JSON (secrets stripped), for export and support. */
  getRawJson(id: string): RawJsonPair | null {
    return this.guard(() => {
      const blob = this.sql('SELECT content FROM calls WHERE id = ?').pluck().get(id) as Buffer | undefined;
      if (blob === undefined) return null;
      const content = this.decode(blob);
      const parse = (json: string | null) => (json === null ? null : (JSON.parse(json) as unknown));
      return { backend: parse(content.backendJson), vapi: parse(content.vapiJson) };
    });
  }

  /**
   * Where the backend's reach begins (ms): the window the sync recorded with the last list, by the backend's own start
   * times (a row it lists without one must not widen it with Vapi's); before any, the oldest call it has ever shown.
   * Null: no bound.
   */
  private defaultMissingSince(): number | null {
    const recorded = this.getSyncState<{ since?: string | null }>(BACKEND_WINDOW_STATE_KEY);
    if (recorded !== undefined) {
      const since = recorded.since ? Date.parse(recorded.since) : NaN;
      return Number.isFinite(since) ? since : null;
    }
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
      const rows = this.sql(`SELECT ${LIST_COLUMNS} FROM calls c WHERE ${filter} ${NEWEST_FIRST} LIMIT @limit`).all(
        params,
      ) as ListRow[];
      return { count, since: iso(since), items: rows.map((row) => this.toListItem(row)) };
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
        `SELECT ${SYNC_INFO_COLUMNS} FROM calls c WHERE ${filter} ${NEWEST_FIRST} LIMIT @limit`,
      ).all(params) as SyncInfoRow[];
      return rows.map((row) => toSyncInfo(row, this.names));
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
          if (row) found.set(row.id, toSyncInfo(row, this.names));
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

  /**
   * After a large backfill: merges the search index into one segment, rewrites the file compactly (a backfill
   * inserts newest first, which leaves the time-ordered indexes half full) and refreshes the planner's statistics.
   * Takes a few seconds for 100,000 calls; needs the free space of one more copy while it runs.
   *
   * VACUUM runs with a small page cache: the copy it builds gets this connection's cache size too, and with the
   * 16 MB a backfill wants it filled both while streaming every page once, which was the sync's peak memory (about
   * 70 MB more, for 100,000 calls) and took longer (bench/sync-vapi-backfill.ts).
   */
  optimize(): void {
    this.guard(() => {
      this.sql("INSERT INTO calls_fts (calls_fts) VALUES ('optimize')").run();
      const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
      this.db.pragma(`cache_size = ${VACUUM_CACHE_SIZE}`);
      try {
        this.db.exec('VACUUM');
      } finally {
        this.db.pragma(`cache_size = ${cacheSize}`);
      }
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

/** The page cache VACUUM runs with (`PRAGMA cache_size`: negative is KiB): 2 MB, SQLite's default. */
export const VACUUM_CACHE_SIZE = -2000;

/** The batch's rows wait here (a temp table: no trigger, no index) until one statement writes them all. */
export const STAGING_TABLE = `CREATE TEMP TABLE IF NOT EXISTS staged_calls (pk INTEGER, ${ROW_COLUMNS.join(', ')}, set_content INTEGER, text_hash INTEGER, content BLOB)`;

const STAGE =
  `INSERT INTO temp.staged_calls (${ROW_COLUMNS.join(', ')}, pk, set_content, text_hash, content) ` +
  `VALUES (${ROW_COLUMNS.map(() => '?').join(', ')}, ?, ?, ?, ?)`;

const INSERT_STAGED =
  `INSERT INTO calls (${[...ROW_COLUMNS, 'text_hash', 'content'].join(', ')}) ` +
  `SELECT ${[...ROW_COLUMNS, 'text_hash', 'content'].join(', ')} FROM temp.staged_calls WHERE pk IS NULL ORDER BY rowid`;

const UPDATE_STAGED =
  `UPDATE calls SET ${ROW_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = s.${c}`)
    .join(', ')}, ` +
  'text_hash = CASE WHEN s.set_content THEN s.text_hash ELSE calls.text_hash END, ' +
  'content = CASE WHEN s.set_content THEN s.content ELSE calls.content END ' +
  'FROM temp.staged_calls s WHERE s.pk IS NOT NULL AND calls.pk = s.pk';

const SYNC_INFO_COLUMNS =
  'c.id, c.in_backend, c.in_vapi, c.status, c.transcript_state, c.started_at, c.backend_seen_at, c.vapi_seen_at';

interface SyncInfoRow {
  id: string;
  in_backend: number;
  in_vapi: number;
  /** names.id */
  status: number | null;
  transcript_state: TranscriptState;
  started_at: number | null;
  backend_seen_at: number | null;
  vapi_seen_at: number | null;
}

function toSyncInfo(row: SyncInfoRow, names: Names): CallSyncInfo {
  return {
    id: row.id,
    inBackend: row.in_backend === 1,
    inVapi: row.in_vapi === 1,
    status: names.valueOf(row.status),
    transcriptState: row.transcript_state,
    startedAt: iso(row.started_at),
    backendSeenAt: iso(row.backend_seen_at),
    vapiSeenAt: iso(row.vapi_seen_at),
  };
}

/** `t:<sort_at>:<pk>` for lists, `r:<rank>:<pk>` for searches. */
interface Cursor {
  /** sort_at for lists, rank for searches. */
  key: number;
  pk: number;
}

function parseCursor(cursor: string, kind: 't' | 'r'): Cursor {
  const parts = cursor.split(':');
  const [key, pk] = parts.slice(1).map(Number);
  if (parts[0] !== kind || parts.length !== 3 || !Number.isFinite(key) || !Number.isSafeInteger(pk)) {
    throw invalid('This page of calls is out of date. Reload the list.', `cursor ${JSON.stringify(cursor)}`);
  }
  return { key: key as number, pk: pk as number };
}
