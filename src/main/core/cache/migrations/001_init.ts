/**
 * The first schema. Size and speed drive its shape (see bench/cache-size.ts and bench/cache-store.ts):
 * - a call's transcript text is stored once, packed (cache/codec.ts), in `calls.transcript_doc`: the turn texts joined
 *   by newlines. `turns` keeps each turn's role, label, offset and its length in that text, not a second copy of it;
 * - `calls_fts` is an external-content FTS5 table: it keeps the index, not the text, and reads the text through the
 *   view `calls_fts_content`, which unpacks it with the SQL function `ava_unpack_text` (registered by cache/open.ts on
 *   every connection; a tool without it can read the cache but not change calls). Triggers keep the index in step; an
 *   update re-indexes only when an indexed column really changed, so marking a call as seen does not churn it;
 * - each source's raw JSON is packed against a dictionary: the built-in call skeleton, or that skeleton plus an
 *   assistant's system prompt (`raw_dictionaries`), since every call repeats its prompt;
 * - every list filter has an index ending in the list order (`sort_at`, `id`), so pages and counts never read the
 *   rows' large columns, which come last in the row.
 */
export const sql = `
CREATE TABLE calls (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  -- The list order, ms since the epoch: started, else created, else ended, else first seen.
  sort_at INTEGER NOT NULL,
  -- How final the status is (calls/status.ts): 4 = the call is over.
  finality INTEGER NOT NULL,
  status TEXT,
  ended_reason TEXT,
  assistant_id TEXT,
  assistant_name TEXT,
  phone_number_id TEXT,
  customer_number TEXT,
  customer_name TEXT,
  created_at TEXT,
  started_at TEXT,
  ended_at TEXT,
  duration_seconds REAL,
  cost REAL,
  summary TEXT,
  recording_url TEXT,
  transcript_state TEXT NOT NULL CHECK (transcript_state IN ('full', 'preview', 'expired', 'none')),
  in_backend INTEGER NOT NULL CHECK (in_backend IN (0, 1)),
  in_vapi INTEGER NOT NULL CHECK (in_vapi IN (0, 1)),
  backend_seen_at INTEGER,
  vapi_seen_at INTEGER,
  first_seen_at INTEGER NOT NULL,
  -- JSON: the merge stamp behind each value (calls/merge.ts), so later observations merge in any order.
  stamps TEXT NOT NULL,
  -- Turn texts joined by a newline, packed (cache/codec.ts); null when there are no turns.
  transcript_doc BLOB,
  -- Each source's latest raw JSON, packed (cache/codec.ts).
  backend_json BLOB,
  vapi_json BLOB
);

CREATE INDEX calls_by_time ON calls (sort_at, id);
CREATE INDEX calls_by_status ON calls (status, sort_at, id);
CREATE INDEX calls_by_assistant ON calls (assistant_id, sort_at, id);
CREATE INDEX calls_missing_from_backend ON calls (sort_at, id) WHERE in_vapi = 1 AND in_backend = 0 AND finality = 4;
CREATE INDEX calls_in_backend ON calls (sort_at, id) WHERE in_backend = 1;
CREATE INDEX calls_without_full_transcript ON calls (sort_at, id) WHERE transcript_state <> 'full';

CREATE TABLE turns (
  call_pk INTEGER NOT NULL REFERENCES calls (pk) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  -- 0 user, 1 assistant, 2 system, 3 tool, 4 other (small integers take no more than a byte).
  role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 4),
  label TEXT NOT NULL,
  offset_ms INTEGER,
  -- Length (UTF-16 code units) of this turn's text in the call's transcript; turns follow each other, one newline apart.
  length INTEGER NOT NULL,
  PRIMARY KEY (call_pk, seq)
) WITHOUT ROWID;

CREATE VIEW calls_fts_content AS
  SELECT pk, ava_unpack_text(transcript_doc) AS transcript, customer_number, customer_name, summary FROM calls;

CREATE VIRTUAL TABLE calls_fts USING fts5 (
  transcript,
  customer_number,
  customer_name,
  summary,
  content = 'calls_fts_content',
  content_rowid = 'pk',
  tokenize = 'unicode61 remove_diacritics 2'
);
-- A hit in the caller's name or number counts more than one in a long transcript.
INSERT INTO calls_fts (calls_fts, rank) VALUES ('rank', 'bm25(1.0, 4.0, 4.0, 2.0)');

CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
  INSERT INTO calls_fts (rowid, transcript, customer_number, customer_name, summary)
  VALUES (new.pk, ava_unpack_text(new.transcript_doc), new.customer_number, new.customer_name, new.summary);
END;

CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
  INSERT INTO calls_fts (calls_fts, rowid, transcript, customer_number, customer_name, summary)
  VALUES ('delete', old.pk, ava_unpack_text(old.transcript_doc), old.customer_number, old.customer_name, old.summary);
END;

CREATE TRIGGER calls_fts_update AFTER UPDATE OF transcript_doc, customer_number, customer_name, summary ON calls
WHEN old.transcript_doc IS NOT new.transcript_doc
  OR old.customer_number IS NOT new.customer_number
  OR old.customer_name IS NOT new.customer_name
  OR old.summary IS NOT new.summary
BEGIN
  INSERT INTO calls_fts (calls_fts, rowid, transcript, customer_number, customer_name, summary)
  VALUES ('delete', old.pk, ava_unpack_text(old.transcript_doc), old.customer_number, old.customer_name, old.summary);
  INSERT INTO calls_fts (rowid, transcript, customer_number, customer_name, summary)
  VALUES (new.pk, ava_unpack_text(new.transcript_doc), new.customer_number, new.customer_name, new.summary);
END;

CREATE TABLE raw_dictionaries (
  id INTEGER PRIMARY KEY CHECK (id > 0),
  -- sha256 of the system prompt the dictionary was made for.
  key TEXT NOT NULL UNIQUE,
  data BLOB NOT NULL
);

CREATE TABLE sync_state (
  key TEXT PRIMARY KEY,
  -- JSON
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
