/**
 * Options of the stores and of the group committer: one documented type each, one `DEFAULT_…`
 * constant each, and one normalising function each that validates and fills in defaults
 * (`INVALID_SPEC` naming the field and its value; a URL's password never appears in it).
 */
import { realClock, type Clock } from '../runtime/clock.js';
import { validator } from '../runtime/validate.js';
import { redactUrl } from './redact.js';

const check = validator('store option');
const validInt = check.int;

/** Options of {@link localStore}. */
export interface LocalStoreOptions {
  /**
   * How many of a path's latest commits keep their message id in the processed window.
   * @default 1000
   */
  processedWindow?: number;
  /**
   * SQLite's `synchronous` in WAL mode. `full` syncs the WAL on every commit: a commit that
   * resolved survives a power loss. `normal` syncs only at checkpoints: it survives a process
   * crash (SIGKILL) but may lose the last commits on a power loss or OS crash.
   * @default 'full'
   */
  synchronous?: 'full' | 'normal';
  /**
   * How long (ms) a write waits for another process holding the database's write lock.
   * @default 5000
   */
  busyTimeout?: number;
  /**
   * The clock lease expiry is measured by.
   * @default realClock
   */
  clock?: Clock;
}

export const DEFAULT_LOCAL_STORE_OPTIONS = Object.freeze({
  processedWindow: 1000,
  synchronous: 'full' as 'full' | 'normal',
  busyTimeout: 5000,
  clock: realClock,
});

export type NormalizedLocalStoreOptions = Required<LocalStoreOptions>;

export function normalizeLocalStoreOptions(options: LocalStoreOptions = {}): NormalizedLocalStoreOptions {
  if (typeof options !== 'object' || options === null) invalid('options', options, 'must be an object');
  const d = DEFAULT_LOCAL_STORE_OPTIONS;
  const synchronous = options.synchronous ?? d.synchronous;
  if (synchronous !== 'full' && synchronous !== 'normal') invalid('synchronous', synchronous, 'must be "full" or "normal"');
  const clock = options.clock ?? d.clock;
  if (typeof clock?.now !== 'function') invalid('clock', clock, 'must be a Clock');
  return {
    processedWindow: validInt('processedWindow', options.processedWindow ?? d.processedWindow, 1),
    synchronous,
    busyTimeout: validInt('busyTimeout', options.busyTimeout ?? d.busyTimeout, 0),
    clock,
  };
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. Required. */
  url: string;
  /**
   * Prefix of the tables (`<prefix>_state`, `<prefix>_processed`, `<prefix>_leases`,
   * `<prefix>_schema`): letters, digits and `_`, starting with a letter. Every node of a cluster
   * must use the same one.
   * @default 'arbor'
   */
  tablePrefix?: string;
  /**
   * How many of a path's latest commits keep their message id in the processed window.
   * @default 1000
   */
  processedWindow?: number;
  /**
   * Connections in the pool.
   * @default 10
   */
  poolSize?: number;
  /**
   * How long (ms) to wait for a connection before failing with `STORE_ERROR`.
   * @default 5000
   */
  connectTimeout?: number;
}

export const DEFAULT_POSTGRES_STORE_OPTIONS = Object.freeze({
  tablePrefix: 'arbor',
  processedWindow: 1000,
  poolSize: 10,
  connectTimeout: 5000,
});

export type NormalizedPostgresStoreOptions = Required<PostgresStoreOptions>;

export function normalizePostgresStoreOptions(options: PostgresStoreOptions): NormalizedPostgresStoreOptions {
  if (typeof options !== 'object' || options === null) invalid('options', options, 'must be an object with a url');
  const d = DEFAULT_POSTGRES_STORE_OPTIONS;
  const { url } = options;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    invalid('url', typeof url === 'string' ? redactUrl(url) : url, 'must be a postgres:// or postgresql:// URL');
  }
  const tablePrefix = options.tablePrefix ?? d.tablePrefix;
  if (typeof tablePrefix !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(tablePrefix)) {
    invalid('tablePrefix', tablePrefix, 'must be letters, digits and _ (at most 41), starting with a letter');
  }
  return {
    url,
    tablePrefix: tablePrefix.toLowerCase(),
    processedWindow: validInt('processedWindow', options.processedWindow ?? d.processedWindow, 1),
    poolSize: validInt('poolSize', options.poolSize ?? d.poolSize, 1, 1000),
    connectTimeout: validInt('connectTimeout', options.connectTimeout ?? d.connectTimeout, 1),
  };
}

/** Options of {@link GroupCommitter}. */
export interface GroupCommitOptions {
  /**
   * Most changes in one batch; more wait for the next one.
   * @default 1000
   */
  maxBatch?: number;
}

export const DEFAULT_GROUP_COMMIT_OPTIONS = Object.freeze({ maxBatch: 1000 });

export type NormalizedGroupCommitOptions = Required<GroupCommitOptions>;

export function normalizeGroupCommitOptions(options: GroupCommitOptions = {}): NormalizedGroupCommitOptions {
  if (typeof options !== 'object' || options === null) invalid('options', options, 'must be an object');
  return { maxBatch: validInt('maxBatch', options.maxBatch ?? DEFAULT_GROUP_COMMIT_OPTIONS.maxBatch, 1) };
}

/** Declared as a function, so a call narrows the value's type like a throw does. */
function invalid(field: string, value: unknown, expected: string): never {
  return check.invalid(field, value, expected);
}
