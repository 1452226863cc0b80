/**
 * The first schema. Size and speed drive its shape (bench/cache-size.ts, bench/cache-store.ts):
 * - `calls` holds what lists filter and show, in small columns (times as ms integers), and one packed `content` blob
 *   (cache/codec.ts) with everything else: the turns (role, label, offset, text), the summary, the recording URL and
 *   each source's raw JSON, compressed together against a per-assistant dictionary (`raw_dictionaries`). Turns are
 *   kept there rather than one row each: a row per turn costs more than a third of a short call's transcript;
 * - `calls_fts` is an external-content FTS5 index: it stores the index, not the text, and reads the text through the
 *   view `calls_fts_content`, which unpacks it with the SQL function `ava_call_text` (registered by cache/open.ts on
 *   every connection; a tool without it can read the cache but not change calls). Triggers keep the index in step;
 *   an update re-indexes only when the indexed text changed (`text_hash`, or the customer columns);
 * - lists are ordered by `sort_at` then `pk` (insertion order), and every filter has an index ending in that order,
 *   so pages and counts never read the rows themselves.
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
  -- ms since the epoch
  created_at INTEGER,
  started_at INTEGER,
  ended_at INTEGER,
  duration_seconds REAL,
  cost REAL,
  transcript_state TEXT NOT NULL CHECK (transcript_state IN ('full', 'preview', 'expired', 'none')),
  in_backend INTEGER NOT NULL CHECK (in_backend IN (0, 1)),
  in_vapi INTEGER NOT NULL CHECK (in_vapi IN (0, 1)),
  backend_seen_at INTEGER,
  vapi_seen_at INTEGER,
  first_seen_at INTEGER NOT NULL,
  -- The merge stamp behind each value (calls/merge.ts), packed (cache/stamps.ts), so later observations merge in any
  -- order.
  stamps BLOB NOT NULL,
  -- A hash of the indexed text inside content (transcript, summary): the update trigger re-indexes when it changes.
  text_hash INTEGER NOT NULL,
  -- Turns, summary, recording URL, raw JSON of each source, packed (cache/codec.ts).
  content BLOB NOT NULL
);

CREATE INDEX calls_by_time ON calls (sort_at);
CREATE INDEX calls_by_status ON calls (status, sort_at);
CREATE INDEX calls_by_assistant ON calls (assistant_id, sort_at);
CREATE INDEX calls_missing_from_backend ON calls (sort_at) WHERE in_vapi = 1 AND in_backend = 0 AND finality = 4;
CREATE INDEX calls_in_backend ON calls (sort_at) WHERE in_backend = 1;
CREATE INDEX calls_without_full_transcript ON calls (sort_at) WHERE transcript_state <> 'full';

CREATE VIEW calls_fts_content AS
  SELECT pk, ava_call_text(content, 0) AS transcript, customer_number, customer_name, ava_call_text(content, 1) AS summary
  FROM calls;

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
  VALUES (new.pk, ava_call_text(new.content, 0), new.customer_number, new.customer_name, ava_call_text(new.content, 1));
END;

CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
  INSERT INTO calls_fts (calls_fts, rowid, transcript, customer_number, customer_name, summary)
  VALUES ('delete', old.pk, ava_call_text(old.content, 0), old.customer_number, old.customer_name,
    ava_call_text(old.content, 1));
END;

CREATE TRIGGER calls_fts_update AFTER UPDATE OF text_hash, customer_number, customer_name ON calls
WHEN old.text_hash IS NOT new.text_hash
  OR old.customer_number IS NOT new.customer_number
  OR old.customer_name IS NOT new.customer_name
BEGIN
  INSERT INTO calls_fts (calls_fts, rowid, transcript, customer_number, customer_name, summary)
  VALUES ('delete', old.pk, ava_call_text(old.content, 0), old.customer_number, old.customer_name,
    ava_call_text(old.content, 1));
  INSERT INTO calls_fts (rowid, transcript, customer_number, customer_name, summary)
  VALUES (new.pk, ava_call_text(new.content, 0), new.customer_number, new.customer_name, ava_call_text(new.content, 1));
END;

CREATE TABLE raw_dictionaries (
  id INTEGER PRIMARY KEY CHECK (id > 0),
  -- What calls share the dictionary: their assistant and system prompt (hashed).
  key TEXT NOT NULL UNIQUE,
  -- Compressed (cache/codec.ts).
  data BLOB NOT NULL
);

CREATE TABLE sync_state (
  key TEXT PRIMARY KEY,
  -- JSON
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
