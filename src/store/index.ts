/**
 * The store layer: where durable actors keep their state. It imports only `runtime` (errors,
 * clock); the runtime reaches it through the {@link StateStore} port. Native and network drivers
 * (better-sqlite3, pg) load on a store's first use, never on import.
 */
export { localStore, localStoreFile } from './LocalStore.js';
export { postgresStore } from './PostgresStore.js';
export { openStore } from './open.js';
export { GroupCommitter } from './GroupCommitter.js';
export {
  DEFAULT_LOCAL_STORE_OPTIONS,
  DEFAULT_POSTGRES_STORE_OPTIONS,
  DEFAULT_GROUP_COMMIT_OPTIONS,
  normalizeLocalStoreOptions,
  normalizePostgresStoreOptions,
  normalizeGroupCommitOptions,
} from './options.js';
export type { LocalStoreOptions, PostgresStoreOptions, GroupCommitOptions } from './options.js';
export type { GroupCommitStats } from './GroupCommitter.js';
export type {
  StateStore,
  StateRecord,
  StateChange,
  StoredState,
  ChangeResult,
  StateSummary,
  ListOptions,
  PendingTimer,
  MachineVersion,
  Fence,
  Lease,
  AcquireOptions,
  JsonValue,
} from './StateStore.js';
