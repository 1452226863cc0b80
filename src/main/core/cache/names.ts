/**
 * The strings many calls repeat (assistant and phone number ids, statuses, ended reasons), kept once in `names` and
 * referred to by number from the calls table (schema 2, migrations/002_compact.ts): a 36-character id in every row,
 * and again in every index entry that holds it, becomes one or two bytes.
 *
 * - `idOf(value)`: the number of a value, adding it the first time (inside the transaction that writes the row that
 *   needs it); null for null.
 * - `find(value)`: the number of a known value, without adding it (filters: an unknown value matches nothing).
 * - `valueOf(id)`: the value of a number read from a row.
 * After a rolled-back transaction, or when another connection has committed (`Cache` checks before each read or
 * write), `invalidate()` forgets what it knows; the next use reads the table again (like `Dictionaries`).
 */
import type Database from 'better-sqlite3';

export class Names {
  private byValue = new Map<string, number>();
  private byId = new Map<number, string>();
  private loaded = false;
  // Prepared on first use: most opens only read.
  private insert: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {}

  invalidate(): void {
    this.byValue = new Map();
    this.byId = new Map();
    this.loaded = false;
  }

  private load(): void {
    if (this.loaded) return;
    for (const row of this.db.prepare('SELECT id, value FROM names').all() as { id: number; value: string }[]) {
      this.byValue.set(row.value, row.id);
      this.byId.set(row.id, row.value);
    }
    this.loaded = true;
  }

  idOf(value: string | null): number | null {
    if (value === null) return null;
    this.load();
    const known = this.byValue.get(value);
    if (known !== undefined) return known;
    // Another connection (a second copy of the app, a sync killed mid-way then restarted) may have added it since.
    this.insert ??= this.db
      .prepare(
        'INSERT INTO names (value) VALUES (?) ON CONFLICT (value) DO UPDATE SET value = excluded.value RETURNING id',
      )
      .pluck();
    const id = this.insert.get(value) as number;
    this.byValue.set(value, id);
    this.byId.set(id, value);
    return id;
  }

  find(value: string): number | undefined {
    this.load();
    return this.byValue.get(value);
  }

  valueOf(id: number | null): string | null {
    if (id === null) return null;
    this.load();
    // One added by another connection is known: the cache invalidates these when another connection has committed.
    const value = this.byId.get(id);
    if (value === undefined) throw new Error(`Unknown name ${id} in the call cache`);
    return value;
  }
}
