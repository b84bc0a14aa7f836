/**
 * The port durable actors persist through. A store keeps, per actor path, the last committed
 * state of one durable actor (its XState persisted snapshot, its pending delayed events, the id of
 * the message that produced it) plus a bounded window of the message ids it has processed, and
 * per key a lease whose fencing token makes stale owners' writes fail.
 *
 * Everything here is plain data: the store never sees XState, refs or clocks, so any database
 * can implement it. `localStore` (SQLite) and `postgresStore` (PostgreSQL) are the two shipped.
 *
 * How a durable actor uses it (one `GroupCommitter` per system in front of the store):
 * 1. Each new incarnation: `lease = acquireLease(path, node, { ttl, force })` (`force` once the
 *    cluster has declared the previous host down; for a singleton the key is its id and the whole
 *    tree under it writes with the root's fence), then `state = load(path)`: resume from
 *    `state.snapshot`, re-arm `state.timers` at `dueAt - now`, and keep
 *    `new Set(state.recentMessageIds)` as the dedup set.
 * 2. Each message: if its id is in the set, drop it (ack it: its effects are committed). Else
 *    process it, then `committer.commit({ op: 'put', record: { path, machine, snapshot, timers,
 *    messageId }, fence: { key, token: lease.token } })`, and only once that resolves add the id
 *    to the set (trimmed to the window) and count the message processed (take the next, ack the
 *    broker). Commit after every message, even one that changed nothing, so its id is recorded.
 *    A transition the actor took on its own commits the same way without `messageId`.
 * 3. A commit rejected with `FENCED` means another incarnation owns the path: stop at once,
 *    without acking. Renew the lease (`renewLease`) well within its ttl; a renewal that fails
 *    with `FENCED` means the same.
 * 4. Exit for good: `committer.commit({ op: 'delete', path, fence })`, then `releaseLease`.
 */

/** A value `JSON.stringify` writes and `JSON.parse` reads back unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Which machine definition wrote a snapshot: its `id` and a `version` (a declared version or a
 * hash of the definition). A reader compares it with the machine it is about to resume and
 * applies its policy for incompatible state; the store only keeps it.
 */
export interface MachineVersion {
  readonly id: string;
  readonly version: string;
}

/**
 * A delayed event that was pending when the state was committed: `after` transitions, delayed
 * `sendTo`/`raise`. `dueAt` is wall-clock epoch milliseconds, so a new incarnation (on any node)
 * re-arms it with `dueAt - now` left, at once when overdue.
 */
export interface PendingTimer {
  /** The delayed event's id as XState knows it (unique within the actor). */
  readonly id: string;
  /** When it falls due, in epoch milliseconds. */
  readonly dueAt: number;
  /** The event, as JSON. */
  readonly event: JsonValue;
  /** The target when it is not the actor itself (a delayed `sendTo`): a path or an XState system id. */
  readonly target?: string;
  /**
   * Set when the target scheduled it to itself (an invoked child machine's own `after` or delayed
   * `raise`): re-armed with the target as its source too, so the child's `cancel` (leaving the
   * state, or `cancel(id)`) finds it, as XState keys a delayed event by its source.
   */
  readonly own?: true;
}

/**
 * A fencing token: the lease `key` and the `token` the writer received when it acquired it.
 * A write carrying a fence is applied only while `token` is still the lease's current token;
 * once anyone acquired the key again (a higher token), the write fails with `FENCED`.
 */
export interface Fence {
  readonly key: string;
  readonly token: number;
}

/** The state of one durable actor, as the runtime commits it. */
export interface StateRecord {
  /** The actor's path: the key. */
  readonly path: string;
  readonly machine: MachineVersion;
  /** XState's `getPersistedSnapshot()`, JSON-able. */
  readonly snapshot: JsonValue;
  /** The delayed events pending at this state (empty when none). */
  readonly timers: readonly PendingTimer[];
  /**
   * The id of the message whose processing produced this state; absent for transitions the actor
   * took on its own (a delayed event firing, an invoked actor finishing). Added to the path's
   * window of processed ids in the same transaction as the state.
   */
  readonly messageId?: string;
}

/** One change of a commit batch: write a state, or remove one (its processed ids go with it). */
export type StateChange =
  | { readonly op: 'put'; readonly record: StateRecord; readonly fence?: Fence }
  | { readonly op: 'delete'; readonly path: string; readonly fence?: Fence };

/** What {@link StateStore.load} returns: the last committed record and what the store adds to it. */
export interface StoredState extends StateRecord {
  /** Counts the commits of this path since it was (re)created: 1 for the first. */
  readonly revision: number;
  /** When the store applied the last commit, epoch milliseconds. */
  readonly updatedAt: number;
  /** The fence the last commit carried, if any. */
  readonly fence?: Fence;
  /**
   * The processed message ids still in the window, oldest first: the ids committed by this path's
   * last `processedWindow` commits. A new incarnation loads them into a set and drops a message
   * whose id is in it (see {@link StateStore.hasProcessed} for a one-off check).
   */
  readonly recentMessageIds: readonly string[];
}

/** The outcome of one change of a batch, in the batch's order. `revision` is 0 for a delete and for a put a later delete of the same batch undid. */
export type ChangeResult =
  | { readonly ok: true; readonly path: string; readonly revision: number }
  | { readonly ok: false; readonly path: string; readonly error: Error };

/** A held lease: `token` is the fencing token to put on the owner's writes. */
export interface Lease {
  readonly key: string;
  readonly owner: string;
  readonly token: number;
  /** Epoch milliseconds, by the store's clock (the database's for PostgreSQL). */
  readonly expiresAt: number;
}

export interface AcquireOptions {
  /** How long the lease lasts unless renewed, in ms. */
  readonly ttl: number;
  /**
   * Take the lease even if another owner holds it and it has not expired: for when the cluster
   * has already declared that owner down. Safe because the new token fences the old owner.
   */
  readonly force?: boolean;
}

/** What {@link StateStore.list} can filter on. */
export interface ListOptions {
  /** Only paths that start with this string (e.g. `root/orders/`). */
  readonly prefix?: string;
}

/** A summary line per stored path, cheap to list. */
export interface StateSummary {
  readonly path: string;
  readonly machine: MachineVersion;
  readonly revision: number;
  readonly updatedAt: number;
  readonly timers: number;
}

/**
 * Durable state of actors. Implementations must make {@link commit} atomic and durable: when its
 * promise resolves, every accepted change of the batch survives a crash of the process (and, for
 * a database with synchronous commit, of the machine); a crash before that leaves either all of
 * them or none.
 */
export interface StateStore {
  /** `local` or `postgres`, for messages and the CLI. */
  readonly kind: string;
  /** Where the data lives (a file path, or the URL with its password redacted). */
  readonly location: string;

  /**
   * Applies `changes` in order in one transaction. Changes to the same path apply in order (the
   * last one wins; each `put` counts one revision). A change that cannot be applied is skipped
   * with the reason in its result: `FENCED` when its fence is stale (its key was acquired again
   * since, or never was), `STORE_ERROR` when it is malformed or holds a value JSON cannot
   * (a BigInt, a cycle). Every other change of the batch is applied, atomically. Rejects (with
   * `STORE_ERROR`) only when nothing was applied.
   */
  commit(changes: readonly StateChange[]): Promise<ChangeResult[]>;

  /** The last committed state of `path`, or `undefined`. */
  load(path: string): Promise<StoredState | undefined>;

  /** Whether `messageId` is in the processed window of `path` (an indexed lookup). */
  hasProcessed(path: string, messageId: string): Promise<boolean>;

  /** Removes the state of `path` and its processed ids; resolves with whether there was any. */
  delete(path: string, fence?: Fence): Promise<boolean>;

  /** The stored paths, sorted, with a summary of each. */
  list(options?: ListOptions): Promise<StateSummary[]>;

  /**
   * Takes the lease on `key` for `owner` and returns it with a token higher than any this key has
   * had before, or `undefined` when another owner holds it unexpired (and `force` is not set).
   * Acquiring again as the same owner also bumps the token: every acquisition is a new
   * incarnation, and the previous one is fenced.
   */
  acquireLease(key: string, owner: string, options: AcquireOptions): Promise<Lease | undefined>;

  /**
   * Extends a held lease by `ttl` ms from now. Rejects with `FENCED` when the key has been
   * acquired since (the token moved on); an expired lease nobody took is renewed.
   */
  renewLease(lease: Lease, ttl: number): Promise<Lease>;

  /** Lets the lease go (it expires now); the token is kept so it keeps growing. A stale lease is ignored. */
  releaseLease(lease: Lease): Promise<void>;

  /** The current lease on `key` (held, expired or released), or `undefined` if it never had one. */
  readLease(key: string): Promise<Lease | undefined>;

  /** Closes the store; further calls reject with `STORE_ERROR`. Idempotent. */
  close(): Promise<void>;
}
