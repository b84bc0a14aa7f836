/**
 * `postgresStore`: state shared by every node of a cluster, in four tables of one PostgreSQL
 * database (`<prefix>_state`, `_processed`, `_leases`, `_schema`), created when missing.
 *
 * A batch is one transaction of a handful of set-based statements whatever its size (unnest of
 * arrays, not a statement per change), so a group of 100 commits costs about what one does: one
 * round trip per statement and one WAL flush. Times are the database's (`clock_timestamp()`), so
 * lease expiry does not depend on the nodes' clocks agreeing.
 *
 * `pg` is imported on first use, so `import 'arbor'` never loads it.
 */
import type pg from 'pg';
import { ArborError } from '../runtime/errors.js';
import { changePath, checkChange, decodeRow, encodeBatch, STATE_COLUMNS, type EncodedRecord, type StateRow } from './codec.js';
import { closedError, fencedError, storeError } from './errors.js';
import { normalizePostgresStoreOptions, type NormalizedPostgresStoreOptions, type PostgresStoreOptions } from './options.js';
import { groupByPath } from './plan.js';
import { redactText, redactUrl } from './redact.js';
import type { AcquireOptions, ChangeResult, Fence, Lease, ListOptions, StateChange, StateStore, StateSummary, StoredState } from './StateStore.js';

/** The schema this code writes (the row of `<prefix>_schema`). */
const SCHEMA_VERSION = 1;

/** The database's wall clock in epoch milliseconds. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/**
 * The store of a cluster: PostgreSQL at `url`, tables created on first use (under a
 * transaction-scoped advisory lock, so nodes starting together do not race). Commits are durable
 * when they resolve, as far as the server's `synchronous_commit` makes them.
 *
 * @example
 * const store = postgresStore({ url: 'postgres://app@db:5432/app' });
 */
export function postgresStore(options: PostgresStoreOptions): StateStore {
  return new PostgresStore(normalizePostgresStoreOptions(options));
}

type Client = pg.PoolClient;

interface Tables {
  state: string;
  processed: string;
  leases: string;
  schema: string;
}

class PostgresStore implements StateStore {
  readonly kind = 'postgres';
  readonly location: string;
  private readonly t: Tables;
  private pool: pg.Pool | undefined;
  private opening: Promise<pg.Pool> | undefined;
  private closed = false;

  constructor(private readonly options: NormalizedPostgresStoreOptions) {
    this.location = redactUrl(options.url);
    const p = options.tablePrefix;
    this.t = { state: `${p}_state`, processed: `${p}_processed`, leases: `${p}_leases`, schema: `${p}_schema` };
  }

  async commit(changes: readonly StateChange[]): Promise<ChangeResult[]> {
    const encoded = encodeBatch(changes);
    if (changes.length === 0) return [];
    return this.transaction('commit', async (c) => {
      const tokens = await this.lockFences(
        c,
        changes.flatMap((ch, i) => (ch.fence && !(encoded[i] instanceof ArborError) ? [ch.fence.key] : [])),
      );
      const results: (ChangeResult | undefined)[] = changes.map((ch, i) => {
        const refused = encoded[i];
        if (refused instanceof ArborError) return { ok: false, path: changePath(ch), error: refused };
        const stale = staleFence(changePath(ch), ch.fence, tokens);
        return stale ? { ok: false, path: changePath(ch), error: stale } : undefined;
      });
      const plan = groupByPath(changes.map((ch, i) => (results[i] ? undefined : ch)));
      if (plan.deleted.length > 0) {
        await c.query(`DELETE FROM ${this.t.processed} WHERE path = ANY($1)`, [plan.deleted]);
        await c.query(`DELETE FROM ${this.t.state} WHERE path = ANY($1)`, [plan.deleted]);
      }
      const finals = new Map<string, number>();
      if (plan.puts.length > 0) {
        const rows = plan.puts.map((p) => ({ p, e: encoded[p.last] as EncodedRecord, ch: changes[p.last] as Extract<StateChange, { op: 'put' }> }));
        const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
        const { rows: written } = await c.query<{ path: string; revision: string }>(
          `INSERT INTO ${this.t.state} (${STATE_COLUMNS})
           SELECT path, mid, mver, snap, timers, msg, fkey, ftok, n, ${NOW_MS}
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
             AS x(path, mid, mver, snap, timers, msg, fkey, ftok, n)
           ON CONFLICT (path) DO UPDATE SET machine_id = excluded.machine_id, machine_version = excluded.machine_version,
             snapshot = excluded.snapshot, timers = excluded.timers, message_id = excluded.message_id, fence_key = excluded.fence_key,
             fence_token = excluded.fence_token, revision = ${this.t.state}.revision + excluded.revision, updated_at = excluded.updated_at
           RETURNING path, revision`,
          [
            col((r) => r.p.path),
            col((r) => r.ch.record.machine.id),
            col((r) => r.ch.record.machine.version),
            col((r) => r.e.snapshot),
            col((r) => r.e.timers),
            col((r) => r.ch.record.messageId ?? null),
            col((r) => r.ch.fence?.key ?? null),
            col((r) => r.ch.fence?.token ?? null),
            col((r) => r.p.writes.length),
          ],
        );
        for (const w of written) finals.set(w.path, Number(w.revision));
        await this.recordProcessed(c, plan.puts, changes, finals);
      }
      return changes.map((ch, i) => results[i] ?? { ok: true, path: changePath(ch), revision: ch.op === 'delete' ? 0 : revisionOf(plan.revisionIndex(i), finals.get(changePath(ch))) });
    });
  }

  async load(path: string): Promise<StoredState | undefined> {
    return this.withClient('load', async (c) => {
      const { rows } = await c.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM ${this.t.state} WHERE path = $1`, [path]);
      const row = rows[0];
      if (!row) return undefined;
      const ids = await c.query<{ message_id: string }>(`SELECT message_id FROM ${this.t.processed} WHERE path = $1 ORDER BY revision`, [path]);
      return decodeRow(row, ids.rows.map((r) => r.message_id));
    });
  }

  async hasProcessed(path: string, messageId: string): Promise<boolean> {
    return this.withClient('hasProcessed', async (c) => (await c.query(`SELECT 1 FROM ${this.t.processed} WHERE path = $1 AND message_id = $2`, [path, messageId])).rowCount === 1);
  }

  async delete(path: string, fence?: Fence): Promise<boolean> {
    checkChange({ op: 'delete', path, ...(fence ? { fence } : {}) });
    return this.transaction('delete', async (c) => {
      const stale = staleFence(path, fence, await this.lockFences(c, fence ? [fence.key] : []));
      if (stale) throw stale;
      await c.query(`DELETE FROM ${this.t.processed} WHERE path = $1`, [path]);
      return ((await c.query(`DELETE FROM ${this.t.state} WHERE path = $1`, [path])).rowCount ?? 0) > 0;
    });
  }

  async list(options: ListOptions = {}): Promise<StateSummary[]> {
    return this.withClient('list', async (c) => {
      const { rows } = await c.query<{ path: string; machine_id: string; machine_version: string; revision: string; updated_at: string; timers: number }>(
        `SELECT path, machine_id, machine_version, revision, updated_at, json_array_length(timers::json) AS timers
         FROM ${this.t.state} WHERE starts_with(path, $1) ORDER BY path COLLATE "C"`,
        [options.prefix ?? ''],
      );
      return rows.map((r) => ({ path: r.path, machine: { id: r.machine_id, version: r.machine_version }, revision: Number(r.revision), updatedAt: Number(r.updated_at), timers: r.timers }));
    });
  }

  async acquireLease(key: string, owner: string, options: AcquireOptions): Promise<Lease | undefined> {
    return this.withClient('acquireLease', async (c) => {
      const { rows } = await c.query<LeaseRow>(
        `INSERT INTO ${this.t.leases} AS l (key, owner, token, expires_at) VALUES ($1, $2, 1, ${NOW_MS} + $3)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, token = l.token + 1, expires_at = excluded.expires_at
         WHERE l.owner = excluded.owner OR l.expires_at <= ${NOW_MS} OR $4::boolean
         RETURNING key, owner, token, expires_at`,
        [key, owner, Math.round(options.ttl), options.force === true],
      );
      return rows[0] ? toLease(rows[0]) : undefined;
    });
  }

  async renewLease(lease: Lease, ttl: number): Promise<Lease> {
    const renewed = await this.withClient('renewLease', async (c) => {
      const { rows } = await c.query<LeaseRow>(
        `UPDATE ${this.t.leases} SET expires_at = ${NOW_MS} + $3 WHERE key = $1 AND token = $2 RETURNING key, owner, token, expires_at`,
        [lease.key, lease.token, Math.round(ttl)],
      );
      return rows[0] ? toLease(rows[0]) : undefined;
    });
    if (!renewed) throw fencedError(lease.key, lease, (await this.readLease(lease.key))?.token);
    return renewed;
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.withClient('releaseLease', (c) => c.query(`UPDATE ${this.t.leases} SET expires_at = ${NOW_MS} WHERE key = $1 AND token = $2`, [lease.key, lease.token]));
  }

  async readLease(key: string): Promise<Lease | undefined> {
    return this.withClient('readLease', async (c) => {
      const { rows } = await c.query<LeaseRow>(`SELECT key, owner, token, expires_at FROM ${this.t.leases} WHERE key = $1`, [key]);
      return rows[0] ? toLease(rows[0]) : undefined;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pool = this.pool ?? (await this.opening?.catch(() => undefined));
    this.pool = undefined;
    await pool?.end();
  }

  /** Share-locks the lease rows of `keys` until the transaction ends (an acquisition waits), and returns their tokens. */
  private async lockFences(c: Client, keys: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const unique = [...new Set(keys)].sort();
    const { rows } = await c.query<{ key: string; token: string }>(`SELECT key, token FROM ${this.t.leases} WHERE key = ANY($1) ORDER BY key FOR SHARE`, [unique]);
    return new Map(rows.map((r) => [r.key, Number(r.token)]));
  }

  /** Adds each put's message id to the processed window and drops what fell out of it. */
  private async recordProcessed(c: Client, puts: ReturnType<typeof groupByPath>['puts'], changes: readonly StateChange[], finals: Map<string, number>): Promise<void> {
    const ids = new Map<string, { path: string; id: string; revision: number }>();
    const prune: { path: string; upTo: number }[] = [];
    for (const put of puts) {
      const final = finals.get(put.path) as number;
      put.writes.forEach((index, k) => {
        const id = (changes[index] as Extract<StateChange, { op: 'put' }>).record.messageId;
        if (id !== undefined) ids.set(JSON.stringify([put.path, id]), { path: put.path, id, revision: final - put.writes.length + 1 + k });
      });
      if (final > this.options.processedWindow) prune.push({ path: put.path, upTo: final - this.options.processedWindow });
    }
    if (ids.size > 0) {
      const rows = [...ids.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      await c.query(
        `INSERT INTO ${this.t.processed} (path, message_id, revision) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (path, message_id) DO UPDATE SET revision = excluded.revision`,
        [rows.map((r) => r.path), rows.map((r) => r.id), rows.map((r) => r.revision)],
      );
    }
    if (prune.length > 0) {
      await c.query(`DELETE FROM ${this.t.processed} p USING unnest($1::text[], $2::bigint[]) AS x(path, up_to) WHERE p.path = x.path AND p.revision <= x.up_to`, [
        prune.map((p) => p.path),
        prune.map((p) => p.upTo),
      ]);
    }
  }

  private async transaction<T>(operation: string, fn: (c: Client) => Promise<T>): Promise<T> {
    return this.withClient(operation, async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Runs `fn` on a pooled connection, turning the driver's errors into `STORE_ERROR` (password scrubbed). */
  private async withClient<T>(operation: string, fn: (c: Client) => Promise<T>): Promise<T> {
    let client: Client;
    try {
      client = await (await this.open()).connect();
    } catch (err) {
      throw this.wrap(operation, err);
    }
    let broken: unknown;
    try {
      return await fn(client);
    } catch (err) {
      broken = err;
      throw this.wrap(operation, err);
    } finally {
      // A connection that failed mid-query may be unusable: destroy it rather than pool it.
      client.release(broken !== undefined && !isArbor(broken) ? (broken as Error) : undefined);
    }
  }

  private wrap(operation: string, err: unknown): Error {
    if (isArbor(err)) return err as Error;
    const text = redactText(err instanceof Error ? err.message : String(err), this.options.url);
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
    return storeError(`postgresStore ${this.location}: ${operation} failed: ${text}`, { location: this.location, operation, ...(code ? { pgCode: code } : {}) });
  }

  private open(): Promise<pg.Pool> {
    if (this.closed) return Promise.reject(closedError(this.location));
    if (this.pool) return Promise.resolve(this.pool);
    this.opening ??= this.openPool().catch((err: unknown) => {
      this.opening = undefined; // the next call tries again: the database may come up
      throw err;
    });
    return this.opening;
  }

  private async openPool(): Promise<pg.Pool> {
    let Pool: typeof pg.Pool;
    try {
      Pool = (await import('pg')).default.Pool;
    } catch (err) {
      throw storeError(`postgresStore needs the pg package, which did not load: ${(err as Error).message}`, { location: this.location });
    }
    const pool = new Pool({ connectionString: this.options.url, max: this.options.poolSize, connectionTimeoutMillis: this.options.connectTimeout });
    // An idle connection that dies emits here; without a listener it would crash the process.
    // The next query on the pool gets a fresh connection or its own error.
    pool.on('error', () => undefined);
    try {
      await this.migrate(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await pool.end();
      throw closedError(this.location);
    }
    this.pool = pool;
    return pool;
  }

  private async migrate(pool: pg.Pool): Promise<void> {
    const c = await pool.connect().catch((err: unknown) => {
      throw this.wrap('connect', err);
    });
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.t.schema]);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.schema} (version integer NOT NULL)`);
      const { rows } = await c.query<{ version: number }>(`SELECT max(version) AS version FROM ${this.t.schema}`);
      const version = rows[0]?.version ?? 0;
      if (version > SCHEMA_VERSION) {
        throw storeError(`${this.location}: table ${this.t.schema} is at state schema version ${version}; this Arbor reads up to ${SCHEMA_VERSION}: upgrade Arbor`, {
          location: this.location,
          version,
        });
      }
      if (version < SCHEMA_VERSION) {
        const { state, processed, leases, schema } = this.t;
        await c.query(`
          CREATE TABLE IF NOT EXISTS ${state} (path text PRIMARY KEY, machine_id text NOT NULL, machine_version text NOT NULL,
            snapshot text NOT NULL, timers text NOT NULL, message_id text, fence_key text, fence_token bigint,
            revision bigint NOT NULL, updated_at bigint NOT NULL);
          CREATE TABLE IF NOT EXISTS ${processed} (path text NOT NULL, message_id text NOT NULL, revision bigint NOT NULL, PRIMARY KEY (path, message_id));
          CREATE INDEX IF NOT EXISTS ${processed}_by_revision ON ${processed} (path, revision);
          CREATE TABLE IF NOT EXISTS ${leases} (key text PRIMARY KEY, owner text NOT NULL, token bigint NOT NULL, expires_at bigint NOT NULL);
          DELETE FROM ${schema};
          INSERT INTO ${schema} (version) VALUES (${SCHEMA_VERSION});`);
      }
      await c.query('COMMIT');
      c.release();
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      c.release(true);
      throw this.wrap('migrate', err);
    }
  }
}

interface LeaseRow {
  key: string;
  owner: string;
  token: string;
  expires_at: string;
}

function toLease(row: LeaseRow): Lease {
  return { key: row.key, owner: row.owner, token: Number(row.token), expiresAt: Number(row.expires_at) };
}

function staleFence(path: string, fence: Fence | undefined, tokens: Map<string, number>): Error | undefined {
  if (!fence) return undefined;
  const current = tokens.get(fence.key);
  return current === fence.token ? undefined : fencedError(path, fence, current);
}

/** The revision of the `k`-th of `n` writes to a path whose last write got revision `final`. */
function revisionOf(position: { k: number; n: number } | undefined, final: number | undefined): number {
  return position && final !== undefined ? final - position.n + 1 + position.k : 0;
}

function isArbor(err: unknown): boolean {
  return err instanceof ArborError;
}
