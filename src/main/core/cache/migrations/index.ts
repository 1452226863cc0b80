/**
 * The cache's migrations, in order. Each is SQL bundled with the app (no file read at runtime), applied in one
 * transaction that also sets `user_version` to its number. Never edit a migration that has shipped: add the next one.
 */
import { sql as init } from './001_init';
import { sql as compact } from './002_compact';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'compact', sql: compact },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
