/**
 * `applyMigrations` itself: each migration runs in one transaction with its `user_version`, so one that fails half-way
 * leaves the database exactly as the previous one left it, and the next start retries it from there.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../../../src/main/core/cache/open';
import type { Migration } from '../../../src/main/core/cache/migrations';

const schemaOf = (db: Database.Database): string[] =>
  db.prepare("SELECT type || ' ' || name FROM sqlite_schema ORDER BY name").pluck().all() as string[];

describe('applyMigrations', () => {
  const first: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE a (x); INSERT INTO a VALUES (1);' };
  const broken: Migration = {
    version: 2,
    name: 'two',
    // The table is created, the row inserted, then a statement fails: none of it may stay.
    sql: 'CREATE TABLE b (y); INSERT INTO a VALUES (2); INSERT INTO no_such_table VALUES (3);',
  };
  const fixed: Migration = { version: 2, name: 'two', sql: 'CREATE TABLE b (y); INSERT INTO a VALUES (2);' };

  it('a failing migration leaves neither its objects, its writes nor its version', () => {
    const db = new Database(':memory:');
    applyMigrations(db, 2, [first]);
    const before = schemaOf(db);
    expect(db.pragma('user_version', { simple: true })).toBe(1);

    expect(() => applyMigrations(db, 2, [first, broken])).toThrow(/no_such_table/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(schemaOf(db)).toEqual(before);
    expect(db.prepare('SELECT x FROM a').pluck().all()).toEqual([1]);

    // The next start (with the migration fixed) picks up from version 1 and runs only what is left.
    applyMigrations(db, 2, [first, fixed]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT x FROM a').pluck().all()).toEqual([1, 2]);
    db.close();
  });

  it('stops at upTo and never re-runs an applied migration', () => {
    const db = new Database(':memory:');
    applyMigrations(db, 1, [first, fixed]);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    applyMigrations(db, 2, [first, fixed]);
    applyMigrations(db, 2, [first, fixed]);
    expect(db.prepare('SELECT x FROM a').pluck().all()).toEqual([1, 2]);
    db.close();
  });
});
