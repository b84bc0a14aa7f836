/**
 * `localStore`: the embedded store, one SQLite database (better-sqlite3) in WAL mode, no service.
 *
 * Why SQLite rather than an append-only log of our own: SQLite's WAL already is a checksummed
 * append-only log with crash recovery (a torn frame fails its checksum and is ignored on the next
 * open) and checkpointing (our compaction), tested far beyond what a new log would be; it gives
 * us transactions across the state, processed-id and lease tables, indexes for the processed
 * window and prefix listing, and safe sharing by the processes of one machine (the CLI reading
 * state a node is writing). Its cost, a synchronous native call on the event loop, is paid once
 * per batch thanks to group commit.
 *
 * The native module is imported on first use, so `import 'arbor'` never loads it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { changePath, checkChange, decodeRow, encodeBatch, STATE_COLUMNS, type EncodedRecord, type StateRow } from './codec.js';
import { ArborError } from '../runtime/errors.js';
import { closedError, fencedError, storeError } from './errors.js';
import { normalizeLocalStoreOptions, type LocalStoreOptions, type NormalizedLocalStoreOptions } from './options.js';
import type { AcquireOptions, ChangeResult, Fence, Lease, ListOptions, StateChange, StateStore, StateSummary, StoredState } from './StateStore.js';

/** The schema this code writes (`PRAGMA user_version`). */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state (
  path TEXT PRIMARY KEY, machine_id TEXT NOT NULL, machine_version TEXT NOT NULL,
  snapshot TEXT NOT NULL, timers TEXT NOT NULL, message_id TEXT,
  fence_key TEXT, fence_token INTEGER, revision INTEGER NOT NULL, updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS processed (
  path TEXT NOT NULL, message_id TEXT NOT NULL, revision INTEGER NOT NULL, PRIMARY KEY (path, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS processed_by_revision ON processed (path, revision);
CREATE TABLE IF NOT EXISTS leases (
  key TEXT PRIMARY KEY, owner TEXT NOT NULL, token INTEGER NOT NULL, expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** The file a store `path` names: itself when it ends in `.db`/`.sqlite`/`.sqlite3`, else `state.db` in that folder. */
export function localStoreFile(path: string): string {
  return /\.(db|sqlite3?)$/.test(path) ? path : join(path, 'state.db');
}

/**
 * The embedded store: a SQLite database at `path` (a folder, holding `state.db`, or a file
 * ending in `.db`/`.sqlite`), created on first use. Commits are durable when they resolve
 * (`synchronous=full`), and a process killed at any instant leaves the last committed state.
 *
 * @example
 * const store = localStore('.arbor/a');
 * await store.commit([{ op: 'put', record: { path: 'root/order', machine, snapshot, timers: [] } }]);
 */
export function localStore(path: string, options: LocalStoreOptions = {}): StateStore {
  if (typeof path !== 'string' || path === '') throw storeError(`localStore needs a path, got ${JSON.stringify(path)}`, { field: 'path', value: path });
  return new LocalStore(path, normalizeLocalStoreOptions(options));
}

type Db = BetterSqlite3.Database;

class LocalStore implements StateStore {
  readonly kind = 'local';
  readonly location: string;
  private db: Db | undefined;
  private opening: Promise<Db> | undefined;
  private closed = false;

  constructor(
    path: string,
    private readonly options: NormalizedLocalStoreOptions,
  ) {
    this.location = localStoreFile(path);
  }

  async commit(changes: readonly StateChange[]): Promise<ChangeResult[]> {
    const encoded = encodeBatch(changes);
    const db = await this.open();
    const now = Math.round(this.options.clock.now());
    const window = this.options.processedWindow;
    const run = db.transaction((): ChangeResult[] =>
      changes.map((change, i) => {
        const path = changePath(change);
        const refused = encoded[i];
        if (refused instanceof ArborError) return { ok: false, path, error: refused };
        const stale = this.staleFence(db, path, change.fence);
        if (stale) return { ok: false, path, error: stale };
        if (change.op === 'delete') {
          deleteState(db, path);
          return { ok: true, path, revision: 0 };
        }
        const { record, fence } = change;
        const row = refused as EncodedRecord;
        const { revision } = prepare<unknown[], { revision: number }>(db, `INSERT INTO state (${STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
             ON CONFLICT (path) DO UPDATE SET machine_id = excluded.machine_id, machine_version = excluded.machine_version,
               snapshot = excluded.snapshot, timers = excluded.timers, message_id = excluded.message_id, fence_key = excluded.fence_key,
               fence_token = excluded.fence_token, revision = state.revision + 1, updated_at = excluded.updated_at
             RETURNING revision`,
          )
          .get(path, record.machine.id, record.machine.version, row.snapshot, row.timers, record.messageId ?? null, fence?.key ?? null, fence?.token ?? null, now) as {
          revision: number;
        };
        if (record.messageId !== undefined) {
          prepare(db, 'INSERT INTO processed (path, message_id, revision) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET revision = excluded.revision').run(path, record.messageId, revision);
        }
        if (revision > window) prepare(db, 'DELETE FROM processed WHERE path = ? AND revision <= ?').run(path, revision - window);
        return { ok: true, path, revision };
      }),
    );
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads first could
    // fail with SQLITE_BUSY on upgrade when another process (the CLI) writes at the same time.
    return this.guard('commit', () => run.immediate());
  }

  async load(path: string): Promise<StoredState | undefined> {
    const db = await this.open();
    return this.guard('load', () => {
      const row = prepare<[string], StateRow>(db, `SELECT ${STATE_COLUMNS} FROM state WHERE path = ?`).get(path);
      if (!row) return undefined;
      const ids = prepare<[string], string>(db, 'SELECT message_id FROM processed WHERE path = ? ORDER BY revision').pluck().all(path);
      return decodeRow(row, ids);
    });
  }

  async hasProcessed(path: string, messageId: string): Promise<boolean> {
    const db = await this.open();
    return this.guard('hasProcessed', () => prepare(db, 'SELECT 1 FROM processed WHERE path = ? AND message_id = ?').get(path, messageId) !== undefined);
  }

  async delete(path: string, fence?: Fence): Promise<boolean> {
    checkChange({ op: 'delete', path, ...(fence ? { fence } : {}) });
    const db = await this.open();
    const run = db.transaction((): boolean => {
      const stale = this.staleFence(db, path, fence);
      if (stale) throw stale;
      return deleteState(db, path);
    });
    return this.guard('delete', () => run.immediate());
  }

  async list(options: ListOptions = {}): Promise<StateSummary[]> {
    const db = await this.open();
    const prefix = options.prefix ?? '';
    return this.guard('list', () =>
      prepare<[number, string], { path: string; machine_id: string; machine_version: string; revision: number; updated_at: number; timers: number }>(db, `SELECT path, machine_id, machine_version, revision, updated_at, json_array_length(timers) AS timers
           FROM state WHERE substr(path, 1, ?) = ? ORDER BY path`,
        )
        .all(prefix.length, prefix)
        .map((r) => ({ path: r.path, machine: { id: r.machine_id, version: r.machine_version }, revision: r.revision, updatedAt: r.updated_at, timers: r.timers })),
    );
  }

  async acquireLease(key: string, owner: string, options: AcquireOptions): Promise<Lease | undefined> {
    const db = await this.open();
    const now = Math.round(this.options.clock.now());
    const take = db.transaction((): Lease | undefined => {
      const current = readLeaseRow(db, key);
      if (current && current.owner !== owner && current.expiresAt > now && !options.force) return undefined;
      const lease = { key, owner, token: (current?.token ?? 0) + 1, expiresAt: now + options.ttl };
      prepare(db, 'INSERT OR REPLACE INTO leases (key, owner, token, expires_at) VALUES (?, ?, ?, ?)').run(key, owner, lease.token, lease.expiresAt);
      return lease;
    });
    return this.guard('acquireLease', () => take.immediate());
  }

  async renewLease(lease: Lease, ttl: number): Promise<Lease> {
    const db = await this.open();
    const expiresAt = Math.round(this.options.clock.now()) + ttl;
    const changed = await this.guard('renewLease', () => prepare(db, 'UPDATE leases SET expires_at = ? WHERE key = ? AND token = ?').run(expiresAt, lease.key, lease.token).changes);
    if (changed === 0) throw fencedError(lease.key, lease, (await this.readLease(lease.key))?.token);
    return { ...lease, expiresAt };
  }

  async releaseLease(lease: Lease): Promise<void> {
    const db = await this.open();
    const now = Math.round(this.options.clock.now());
    await this.guard('releaseLease', () => prepare(db, 'UPDATE leases SET expires_at = ? WHERE key = ? AND token = ?').run(now, lease.key, lease.token));
  }

  async readLease(key: string): Promise<Lease | undefined> {
    const db = await this.open();
    return this.guard('readLease', () => readLeaseRow(db, key));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const db = this.db ?? (await this.opening?.catch(() => undefined));
    this.db = undefined;
    if (db?.open) db.close();
  }

  private staleFence(db: Db, path: string, fence: Fence | undefined): Error | undefined {
    if (!fence) return undefined;
    const current = prepare<[string], number>(db, 'SELECT token FROM leases WHERE key = ?').pluck().get(fence.key);
    return current === fence.token ? undefined : fencedError(path, fence, current);
  }

  private open(): Promise<Db> {
    if (this.closed) return Promise.reject(closedError(this.location));
    if (this.db) return Promise.resolve(this.db);
    // A failed open is not kept: the next call opens again (another process may have held the
    // file's lock while it created it; a store must not stay broken for good after that).
    this.opening ??= this.openDatabase().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  private async openDatabase(): Promise<Db> {
    let Database: typeof BetterSqlite3;
    try {
      Database = (await import('better-sqlite3')).default;
    } catch (err) {
      throw storeError(`localStore needs the better-sqlite3 package, which did not load: ${(err as Error).message}`, { location: this.location }, err);
    }
    const openOnce = () =>
      this.guard('open', () => {
        mkdirSync(dirname(this.location), { recursive: true });
        const opened = new Database(this.location, { timeout: this.options.busyTimeout });
        try {
          opened.pragma('journal_mode = WAL');
          opened.pragma(`synchronous = ${this.options.synchronous.toUpperCase()}`);
          migrate(opened, this.location);
        } catch (err) {
          opened.close();
          throw err;
        }
        return opened;
      });
    // Switching a new file to WAL takes its lock without SQLite's busy handler: while another
    // process creates or migrates the same file, the open is tried again, up to `busyTimeout`.
    const deadline = Date.now() + this.options.busyTimeout;
    let db: Db;
    for (;;) {
      try {
        db = openOnce();
        break;
      } catch (err) {
        if (!isBusy(err) || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, OPEN_RETRY_MS));
      }
    }
    if (this.closed) {
      db.close();
      throw closedError(this.location);
    }
    this.db = db;
    return db;
  }

  /** Runs a database call, turning SQLite's errors into `STORE_ERROR`. */
  private guard<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Error && 'code' in err && typeof err.code === 'string' && !err.code.startsWith('SQLITE')) throw err;
      throw storeError(`localStore ${this.location}: ${operation} failed: ${(err as Error).message}`, { location: this.location, operation }, err);
    }
  }
}

/** Deletes a path's state and processed ids; true when it had state. */
function deleteState(db: Db, path: string): boolean {
  prepare(db, 'DELETE FROM processed WHERE path = ?').run(path);
  return prepare(db, 'DELETE FROM state WHERE path = ?').run(path).changes > 0;
}

const statements = new WeakMap<Db, Map<string, BetterSqlite3.Statement>>();

/** `db.prepare(source)`, compiled once per database: preparing costs more than running a small statement. */
function prepare<P extends unknown[] = unknown[], R = unknown>(db: Db, source: string): BetterSqlite3.Statement<P, R> {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(source);
  if (!statement) cache.set(source, (statement = db.prepare(source)));
  return statement as unknown as BetterSqlite3.Statement<P, R>;
}

function readLeaseRow(db: Db, key: string): Lease | undefined {
  const row = prepare<[string], { owner: string; token: number; expires_at: number }>(db, 'SELECT owner, token, expires_at FROM leases WHERE key = ?').get(key);
  return row ? { key, owner: row.owner, token: row.token, expiresAt: row.expires_at } : undefined;
}

function migrate(db: Db, location: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw storeError(`${location} has state schema version ${version}; this Arbor reads up to ${SCHEMA_VERSION}: upgrade Arbor`, { location, version });
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** How long an open that found the file locked waits before it tries again (ms). */
const OPEN_RETRY_MS = 10;

/** True when `err` (a `STORE_ERROR` around SQLite's) says the database was locked. */
function isBusy(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && cause.code.startsWith('SQLITE_BUSY');
}
