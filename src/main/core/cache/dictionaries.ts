/**
 * The compression dictionaries of the call contents (cache/codec.ts): id 0 is built in; the others are made from the
 * first call the cache stores for an assistant and system prompt, and kept in `raw_dictionaries` for as long as the
 * cache lives (a content cannot be read without its dictionary, so none is ever deleted).
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { BUILT_IN_DICTIONARY, dictionaryFromSample, loadDictionary, storeDictionary } from './codec';

/** Beyond this many, new assistants use the built-in dictionary (each costs a few KB). */
const MAX_DICTIONARIES = 5000;

export class Dictionaries {
  private db: Database.Database | null = null;
  private byId = new Map<number, Buffer>();
  private idByKey = new Map<string, number>();
  /** The same, by assistant and prompt as given: spares a SHA-256 of the prompt for every call stored. */
  private idByPrompt = new Map<string, number>();
  private loaded = false;

  attach(db: Database.Database): void {
    this.db = db;
    this.invalidate();
  }

  /**
   * Reads what is in the database again: after a rolled-back transaction, a dictionary it created no longer exists.
   * Must not run inside a query (the SQL function that reads contents cannot query): `openDatabase` loads once the
   * schema exists, `Cache.upsert` after a rollback.
   */
  invalidate(): void {
    this.byId = new Map([[0, BUILT_IN_DICTIONARY]]);
    this.idByKey = new Map();
    this.idByPrompt = new Map();
    this.loaded = false;
  }

  load(): void {
    if (this.loaded || this.db === null) return;
    this.read(0);
    this.loaded = true;
  }

  /**
   * Reads the dictionaries another connection has added since: a content it stored cannot be read without them, and
   * adding one of them again would fail. Same rule as `invalidate`: not inside a query.
   */
  catchUp(): void {
    if (!this.loaded) this.load();
    else this.read(Math.max(...this.byId.keys()));
  }

  private read(afterId: number): void {
    const rows = this.db!.prepare('SELECT id, key, data FROM raw_dictionaries WHERE id > ?').all(afterId) as {
      id: number;
      key: string;
      data: Buffer;
    }[];
    for (const row of rows) {
      this.byId.set(row.id, loadDictionary(row.data));
      this.idByKey.set(row.key, row.id);
    }
  }

  readonly get = (id: number): Buffer | undefined => this.byId.get(id);

  /**
   * The dictionary for calls of this assistant and prompt, made from `sample` (a raw JSON of one of them) the first
   * time. Must run inside the transaction that stores the first content packed with it, or in one committed before.
   */
  idFor(assistantId: string | null, prompt: string | null, sample: () => string | null): number {
    if (assistantId === null && prompt === null) return 0;
    this.load();
    const given = `${assistantId ?? ''}\n${prompt ?? ''}`;
    const remembered = this.idByPrompt.get(given);
    if (remembered !== undefined) return remembered;
    const key = createHash('sha256').update(given).digest('base64url');
    const known = this.idByKey.get(key);
    if (known !== undefined) {
      if (this.idByPrompt.size < MAX_DICTIONARIES) this.idByPrompt.set(given, known);
      return known;
    }
    if (this.idByKey.size >= MAX_DICTIONARIES || this.db === null) return 0;
    const json = sample();
    if (json === null) return 0;
    const dictionary = dictionaryFromSample(json);
    const id = Number(
      this.db.prepare('INSERT INTO raw_dictionaries (key, data) VALUES (?, ?)').run(key, storeDictionary(dictionary))
        .lastInsertRowid,
    );
    this.byId.set(id, dictionary);
    this.idByKey.set(key, id);
    this.idByPrompt.set(given, id);
    return id;
  }
}
