export {
  Cache,
  openCache,
  type CacheCounts,
  type CacheOptions,
  type CallSyncInfo,
  type MissingWindow,
  type RawJsonPair,
  type UpsertOptions,
  type UpsertOutcome,
  type UpsertResult,
} from './cache';
export { type OpenedAs } from './open';
export { SCHEMA_VERSION } from './migrations';
