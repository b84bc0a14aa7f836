/**
 * A durable XState worker: after each message it processes (and after each transition it takes on
 * its own: a delayed event firing, an invoked actor finishing) it commits its persisted snapshot,
 * its pending delayed events and the message's id through the system's `GroupCommitter`, and it
 * takes its next message only once that commit is durable. Each new incarnation takes the lease
 * on its path (fencing the previous one), loads the last commit and resumes from it: the same
 * state and context, delayed events re-armed with the time they had left, invoked promise and
 * callback actors started again with their input (XState restarts them from the snapshot), and
 * the committed message ids kept so a message carrying one of them (`messageId`) is dropped.
 *
 * Transitions of its child machines (an invoked saga) are committed like its own.
 *
 * A commit that fails (`FENCED`: another incarnation owns the path; `STORE_ERROR`;
 * `NOT_PERSISTABLE`) ends the incarnation as a crash at once, so the supervisor decides.
 * A normal exit deletes the state and releases the lease.
 */
import type { AnyActorRef } from 'xstate';
import { XStateCell } from '../actors/xstate-cell.js';
import type { CellInit, Exit, Shutdown, TreeNode } from '../runtime/cell.js';
import type { NormalizedDurableOptions } from '../runtime/durable-options.js';
import type { ActorRef } from '../runtime/ref.js';
import { ArborError, toError } from '../runtime/errors.js';
import type { GroupCommitter } from '../store/GroupCommitter.js';
import type { JsonValue, Lease, MachineVersion, PendingTimer, StateRecord, StateStore } from '../store/StateStore.js';
import { machineVersion } from './machine-version.js';
import { inlineInvoke, notPersistable, unpersistableField } from './persistable.js';
import { refsAsPaths, refsFromPaths } from './refs.js';
import { pendingTimers, rearmTimers, watchScheduler } from './timers.js';

/** What durable cells share on one system: the store, its group committer, this node's id. */
export interface DurableRuntime {
  readonly node: string;
  /** Who holds leases: this node and system instance (a node restarted under the same id is another owner). */
  readonly owner: string;
  readonly store: StateStore;
  readonly committer: GroupCommitter;
  /** How long a lease lasts, in ms (each incarnation takes it with `force`). */
  readonly leaseTtl: number;
  /**
   * The fence of the cluster singleton whose tree holds `path`: `undefined` when `path` is in no
   * singleton (the cell takes its own lease), `'lost'` when this node does not hold that singleton.
   */
  readonly sharedFence?: (path: string) => SharedFence | 'lost' | undefined;
}

/**
 * A lease held for a whole tree (a cluster singleton's): its cells commit with its token, take,
 * renew and release no lease of their own, and report a `FENCED` commit with {@link lost}.
 */
export interface SharedFence {
  readonly lease: Lease;
  /** A commit was refused with `FENCED`: another node holds the singleton now. */
  lost(error: Error): void;
}

/** How many committed message ids an incarnation remembers (the store keeps its own window). */
const SEEN_WINDOW = 10_000;

/** The id a message is deduplicated by: its `messageId` field, when it is a string. */
export function messageIdOf(event: unknown): string | undefined {
  const id = (event as { messageId?: unknown } | null)?.messageId;
  return typeof id === 'string' ? id : undefined;
}

export class DurableCell extends XStateCell {
  private readonly durable: NormalizedDurableOptions;
  private readonly version: MachineVersion;
  private readonly initialSnapshot: unknown;
  /** Bumped by every start and kill: a load or commit of an older one is ignored. */
  private generation = 0;
  private lease: Lease | undefined;
  private seen = new Set<string>();
  private due = new Map<string, number>();
  private inDelivery = false;
  /** Messages processed whose commit is in flight. */
  private committing = 0;
  /** The id of the message being processed, and how many messages it has sent so far. */
  private processing: string | undefined;
  private sent = 0;
  private selfCommitQueued = false;
  /** Set once a commit was refused with `FENCED`: this cell never takes the lease by force again. */
  private fenced = false;
  private renewal: unknown;
  /** The singleton fence this incarnation commits with, if its tree is a singleton's. */
  private shared: SharedFence | undefined;

  override describe(): TreeNode {
    const node = super.describe();
    node.durable = true;
    return node;
  }

  constructor(
    init: CellInit,
    private readonly runtime: () => DurableRuntime,
  ) {
    super(init);
    this.durable = init.durable ?? { onIncompatible: 'fail' };
    this.initialSnapshot = init.snapshot;
    const inline = inlineInvoke(this.logic);
    if (inline !== undefined) throw notPersistable(this.path, inline, 'is an inline child actor: name it in setup({ actors }) and invoke it by name');
    this.version = machineVersion(this.logic, this.durable);
  }

  protected override startIncarnation(): void {
    const generation = ++this.generation;
    // 'running', but held: no message is taken before the state is loaded.
    this.status = 'running';
    this.hold(this.resume(generation));
  }

  private async resume(generation: number): Promise<void> {
    let timers: readonly PendingTimer[] = [];
    try {
      const rt = this.runtime();
      const shared = rt.sharedFence?.(this.path);
      if (shared === 'lost') throw new ArborError('FENCED', `${this.path} belongs to a singleton another node holds now`, { path: this.path, owner: rt.owner });
      // By force (a new incarnation fences the old one), unless this cell was fenced itself: then
      // another incarnation owns the path, and this one may only take a lease nobody holds.
      const lease = shared ? shared.lease : await rt.store.acquireLease(this.path, rt.owner, { ttl: rt.leaseTtl, force: !this.fenced });
      if (generation !== this.generation) return;
      if (!lease) return this.standBy(generation, rt);
      const stored = await rt.store.load(this.path);
      if (generation !== this.generation) return;
      this.lease = lease;
      this.shared = shared;
      // A singleton's lease is renewed by its holder, for the whole tree.
      if (!shared) this.renewLease(generation, rt);
      this.seen = new Set(stored?.recentMessageIds ?? []);
      this.snapshot = this.initialSnapshot;
      if (stored) {
        if (stored.machine.id === this.version.id && stored.machine.version === this.version.version) {
          this.snapshot = refsFromPaths(stored.snapshot, this.system);
          timers = stored.timers;
        } else if (this.durable.onIncompatible === 'reset') {
          this.log.warn({ stored: stored.machine, current: this.version }, 'stored state was written by another machine definition: starting over (onIncompatible: reset)');
        } else {
          throw new ArborError(
            'INCOMPATIBLE_STATE',
            `the stored state of ${this.path} was written by machine "${stored.machine.id}" version ${stored.machine.version}, not "${this.version.id}" version ${this.version.version}: migrate it, delete it (arbor state delete), or set durable: { onIncompatible: 'reset' }`,
            { path: this.path, stored: stored.machine, current: this.version },
          );
        }
      }
    } catch (err) {
      if (generation === this.generation) this.failStart(toError(err));
      return;
    }
    super.startIncarnation();
    const actor = this.actor;
    if (!actor || generation !== this.generation) return;
    const lost = rearmTimers(actor, timers, this.system.clock.now());
    if (lost.length > 0) this.log.warn({ timers: lost.map((t) => t.id) }, 'delayed events whose target is gone were not re-armed');
  }

  /** Renews the lease every third of its ttl while this incarnation lives; a refused renewal ends it. */
  private renewLease(generation: number, rt: DurableRuntime): void {
    const clock = this.system.clock;
    this.renewal = clock.setTimeout(() => {
      const lease = this.lease;
      if (generation !== this.generation || !lease) return;
      rt.store.renewLease(lease, rt.leaseTtl).then(
        (renewed) => {
          if (generation !== this.generation || this.lease !== lease) return;
          this.lease = renewed;
          this.renewLease(generation, rt);
        },
        (err: unknown) => {
          if (this.actor) this.fail(this.actor, generation, toError(err));
        },
      );
    }, rt.leaseTtl / 3);
  }

  /**
   * A fenced cell found the lease held by the incarnation that fenced it: it runs nothing and,
   * a third of a ttl later, fails this start with `FENCED` so its supervisor tries again (it
   * takes the lease only once its holder let it expire). Messages wait in the mailbox.
   */
  private standBy(generation: number, rt: DurableRuntime): void {
    this.status = 'suspended';
    this.renewal = this.system.clock.setTimeout(() => {
      if (generation !== this.generation || this.status !== 'suspended') return;
      this.failStart(new ArborError('FENCED', `${this.path} was fenced: another incarnation holds its lease`, { path: this.path, owner: rt.owner }));
    }, rt.leaseTtl / 3);
  }

  override retire(reason?: Error): void {
    this.system.clock.clearTimeout(this.renewal);
    super.retire(reason);
  }

  /** The start failed before an XState actor existed: a crash of a new incarnation. */
  private failStart(error: Error): void {
    this.incarnation++;
    this.status = 'suspended';
    this.exited({ outcome: 'crash', error });
  }

  protected override beforeStart(actor: AnyActorRef): void {
    this.due = watchScheduler(actor, this.system.clock);
    // A child machine's transition (a saga invoked by this actor finishing a step) changes the
    // persisted state without a transition of this actor: committed the same way.
    actor.system.inspect((event) => {
      if (event.type === '@xstate.snapshot' && event.actorRef !== actor && !this.inDelivery && actor === this.actor && this.status === 'running') this.commitOwnTransition();
    });
  }

  protected override killIncarnation(): void {
    this.generation++;
    this.system.clock.clearTimeout(this.renewal);
    super.killIncarnation();
  }

  protected override stopIncarnation(shutdown: Shutdown): Promise<void> {
    if (!this.actor) {
      this.killIncarnation();
      return Promise.resolve();
    }
    return super.stopIncarnation(shutdown);
  }

  protected override processUser(budget: number): number {
    const queue = this.mailbox.user;
    let n = 0;
    while (n < budget && this.status === 'running' && this.actor) {
      const event = queue.peek();
      if (event === undefined) break;
      const id = messageIdOf(event);
      if (id !== undefined && this.seen.has(id)) {
        // Its effects are committed already: delivered again (at least once), processed once.
        queue.shift();
        n++;
        this.log.debug({ messageId: id }, 'message already processed: dropped');
        continue;
      }
      this.inDelivery = true;
      this.processing = id;
      this.sent = 0;
      try {
        n += super.processUser(1);
      } finally {
        this.inDelivery = false;
        this.processing = undefined;
      }
      // One message per commit: the next is taken once this one's effects are durable.
      this.committing++;
      this.hold(this.commit(id).finally(() => this.committing--));
      break;
    }
    return n;
  }

  override get dropsProcessedIds(): boolean {
    return true;
  }

  /**
   * A message sent while processing message `m` to an actor that drops processed ids gets the id
   * `m|<this path>|<n>`: processed again after a crash before its commit, `m` sends the same ids,
   * and the receiver drops what it already processed.
   */
  outgoing(target: ActorRef, event: unknown): unknown {
    if (this.processing === undefined || typeof event !== 'object' || event === null || messageIdOf(event) !== undefined) return event;
    if (!(target as { _cell?: { dropsProcessedIds?: boolean } })._cell?.dropsProcessedIds) return event;
    return { ...event, messageId: `${this.processing}|${this.path}|${++this.sent}` };
  }

  override get unfinished(): number {
    return this.committing;
  }

  override _next(actor: AnyActorRef, snapshot: { status: string; output?: unknown }): void {
    super._next(actor, snapshot);
    if (!this.inDelivery && actor === this.actor && this.status === 'running') this.commitOwnTransition();
  }

  /** A transition the actor took by itself: committed (once per turn) before it takes a message. */
  private commitOwnTransition(): void {
    if (this.selfCommitQueued) return;
    this.selfCommitQueued = true;
    let release = (): void => {};
    this.hold(new Promise<void>((resolve) => (release = resolve)));
    queueMicrotask(() => {
      this.selfCommitQueued = false;
      void this.commit(undefined).finally(release);
    });
  }

  private commit(messageId: string | undefined): Promise<void> {
    const actor = this.actor;
    const lease = this.lease;
    if (!actor || !lease || this.status !== 'running') return Promise.resolve();
    const generation = this.generation;
    let record: StateRecord;
    try {
      record = this.record(actor, messageId);
    } catch (err) {
      this.fail(actor, generation, toError(err));
      return Promise.resolve();
    }
    return this.runtime()
      .committer.commit({ op: 'put', record, fence: { key: lease.key, token: lease.token } })
      .then(
        () => {
          if (messageId !== undefined) this.remember(messageId);
        },
        (err: unknown) => this.fail(actor, generation, toError(err)),
      );
  }

  private record(actor: AnyActorRef, messageId: string | undefined): StateRecord {
    let snapshot: unknown;
    try {
      // Refs in context are committed as their paths (see refs.ts).
      snapshot = this.logic.getPersistedSnapshot(refsAsPaths(actor.getSnapshot()));
    } catch (err) {
      throw notPersistable(this.path, 'a child actor', `cannot be persisted (${toError(err).message}); spawn children by a name from setup({ actors })`, err);
    }
    const field = unpersistableField((snapshot as { context?: unknown }).context, 'context');
    if (field !== undefined) throw notPersistable(this.path, field, 'is not plain data (a function, class instance, symbol, BigInt or non-finite number)');
    const timers = pendingTimers(actor, this.due);
    return { path: this.path, machine: this.version, snapshot: snapshot as JsonValue, timers, ...(messageId === undefined ? {} : { messageId }) };
  }

  private remember(messageId: string): void {
    this.seen.add(messageId);
    if (this.seen.size > SEEN_WINDOW) this.seen.delete(this.seen.values().next().value as string);
  }

  /** A commit failed: the incarnation ends at once as a crash (a `FENCED` one must not go on). */
  private fail(actor: AnyActorRef, generation: number, error: Error): void {
    if (generation !== this.generation || actor !== this.actor) return;
    if ((error as { code?: unknown }).code === 'FENCED') {
      this.fenced = true;
      this.shared?.lost(error);
    }
    this.log.error({ err: error }, 'durable commit failed: ending the incarnation');
    this.killIncarnation();
    this.exited({ outcome: 'crash', error });
  }

  protected override exited(exit: Exit): void {
    if (exit.outcome === 'normal') this.forget();
    super.exited(exit);
  }

  /** Deleted by its supervisor: its state goes too. */
  override discard(): void {
    this.forget(true);
  }

  /** Exit for good: the state is deleted (with this incarnation's fence, if it has one), then the lease released. */
  private forget(always = false): void {
    this.system.clock.clearTimeout(this.renewal);
    const lease = this.lease;
    this.lease = undefined;
    if (!lease && !always) return;
    const rt = this.runtime();
    // A singleton's lease belongs to the whole tree: its holder lets it go.
    const own = lease && !this.shared ? lease : undefined;
    rt.committer
      .commit(lease ? { op: 'delete', path: this.path, fence: { key: lease.key, token: lease.token } } : { op: 'delete', path: this.path })
      .then(() => (own ? rt.store.releaseLease(own) : undefined))
      .catch((err: unknown) => this.log.warn({ err: toError(err) }, 'could not delete the state of a durable actor that exited'));
  }
}
