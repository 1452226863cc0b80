/**
 * Schema 2: a smaller cache for the same calls (bench/cache-size.ts).
 * - `names` holds the strings many calls repeat; `calls.assistant_id`, `phone_number_id`, `status` and `ended_reason`
 *   now hold its ids (cache/names.ts). An assistant id was 36 bytes in every row and in every entry of
 *   `calls_by_assistant`: about 120 bytes a call in all.
 * - Content v2 (cache/codec.ts): `calls.content` may refer to the turns inside the Vapi JSON it holds, and keeps that
 *   JSON with its copies of the conversation cut out and its message timings rewritten. An app that reads only
 *   content v1 cannot decode it, so it must refuse the file (`cache-too-new`), which this version makes it do. Blobs
 *   written before stay v1 and are read as they are.
 * The calls table is rebuilt (SQLite cannot change a column's type) with the same `pk`s and contents, so the search
 * index, which refers to calls by `pk` and reads their content, stays valid as it is.
 */
export const sql = `
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE
);
INSERT INTO names (value)
  SELECT assistant_id FROM calls WHERE assistant_id IS NOT NULL
  UNION SELECT phone_number_id FROM calls WHERE phone_number_id IS NOT NULL
  UNION SELECT status FROM calls WHERE status IS NOT NULL
  UNION SELECT ended_reason FROM calls WHERE ended_reason IS NOT NULL;

DROP TRIGGER calls_fts_insert;
DROP TRIGGER calls_fts_delete;
DROP TRIGGER calls_fts_update;

CREATE TABLE calls_v2 (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  sort_at INTEGER NOT NULL,
  finality INTEGER NOT NULL,
  -- names.id of each of these four
  status INTEGER,
  ended_reason INTEGER,
  assistant_id INTEGER,
  assistant_name TEXT,
  phone_number_id INTEGER,
  customer_number TEXT,
  customer_name TEXT,
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
  stamps BLOB NOT NULL,
  text_hash INTEGER NOT NULL,
  content BLOB NOT NULL
);

INSERT INTO calls_v2
SELECT c.pk, c.id, c.sort_at, c.finality,
  (SELECT n.id FROM names n WHERE n.value = c.status),
  (SELECT n.id FROM names n WHERE n.value = c.ended_reason),
  (SELECT n.id FROM names n WHERE n.value = c.assistant_id),
  c.assistant_name,
  (SELECT n.id FROM names n WHERE n.value = c.phone_number_id),
  c.customer_number, c.customer_name, c.created_at, c.started_at, c.ended_at, c.duration_seconds, c.cost,
  c.transcript_state, c.in_backend, c.in_vapi, c.backend_seen_at, c.vapi_seen_at, c.first_seen_at, c.stamps,
  c.text_hash, c.content
FROM calls c ORDER BY c.pk;

-- The view the search index reads (calls_fts_content) names "calls" and stays as it is: FTS5 reserves its name now,
-- so it cannot be made again. The legacy rename neither checks it against the dropped table nor rewrites it.
DROP TABLE calls;
PRAGMA legacy_alter_table = ON;
ALTER TABLE calls_v2 RENAME TO calls;
PRAGMA legacy_alter_table = OFF;

CREATE INDEX calls_by_time ON calls (sort_at);
CREATE INDEX calls_by_status ON calls (status, sort_at);
CREATE INDEX calls_by_assistant ON calls (assistant_id, sort_at);
CREATE INDEX calls_missing_from_backend ON calls (sort_at) WHERE in_vapi = 1 AND in_backend = 0 AND finality = 4;
CREATE INDEX calls_in_backend ON calls (sort_at) WHERE in_backend = 1;
CREATE INDEX calls_without_full_transcript ON calls (sort_at) WHERE transcript_state <> 'full';

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
`;
