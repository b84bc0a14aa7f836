/**
 * Cluster singletons: `system.spawn(logic, { id, durable: true, singleton: true })` called on
 * several nodes; exactly one of them runs the actor (and the tree under it) at any time.
 *
 * Who runs it — the broker decides, the store fences:
 * - Every node that spawned the singleton consumes its queue `arbor.<cluster>.singleton.<id>`, a
 *   single-active-consumer queue: the broker hands its messages to one consumer, and to the next
 *   one as soon as that one's connection closes (a SIGKILLed node: at once) or it stops consuming.
 *   Every message for the singleton (any path below `arbor://$singleton/<id>`) goes through it.
 * - The node that receives a message from that queue while not running the singleton takes it
 *   over: it acquires the store's lease on `arbor://$singleton/<id>` by force (a higher fencing
 *   token), starts the tree, and the durable actors in it resume from their last commits. Every
 *   commit of the tree carries that token ({@link SharedFence}).
 * - A node that runs it but was fenced (a commit, or the lease renewal every third of the ttl,
 *   refused with `FENCED`: another node took it over while this one only looked dead) stops its
 *   incarnation at once, drops the messages it queued without dead-lettering them, gives the
 *   unacknowledged ones back to the queue, and consumes it again as a standby.
 * - Messages are acknowledged once processed and committed, so the ones in flight at a takeover
 *   are delivered again to the new owner; each carries a `messageId` (the envelope id unless the
 *   sender set one) and a durable actor drops the ids it committed: processed once.
 * - A node going down makes each standby publish a probe into the queue, so the consumer the
 *   broker now prefers takes over even when no message is waiting.
 *
 * When the singleton exits for good (normally, or crashed with anything but `FENCED`), its node
 * tells the others (`singleton_end`): every node's `result()` settles and its consumer stops.
 */
import type { Logger } from 'pino';
import type { ActorSystem } from '../runtime/actor-system.js';
import type { Cell, TreeNode } from '../runtime/cell.js';
import { ArborError, toError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import { singletonIdOf, singletonPath } from '../runtime/paths.js';
import { ResultSlot } from '../runtime/result-slot.js';
import type { SingletonExit, SingletonPort, SingletonSpawn, SingletonStatus } from '../runtime/singleton-port.js';
import type { DeliveryResult, Envelope } from '../runtime/transport.js';
import type { Lease } from '../store/StateStore.js';
import type { DurableRuntime, SharedFence } from './durable-cell.js';
import { isActorLogic } from '../actors/xstate-cell.js';

/** The event a standby publishes into a singleton's queue so that the broker's chosen consumer takes it over. */
export const SINGLETON_PROBE = 'arbor.singleton.probe';

/** Options of the singletons of one system. */
export interface SingletonOptions {
  /** How long a singleton's lease lasts unless renewed; it is renewed every third of this. */
  readonly leaseTtl: number;
}

type Role = 'standby' | 'starting' | 'owner' | 'leaving' | 'ended';

interface Entry {
  readonly request: SingletonSpawn;
  readonly path: string;
  role: Role;
  /** Bumped whenever this node takes the singleton or loses it: older deliveries are given back. */
  epoch: number;
  lease: Lease | undefined;
  cell: Cell | undefined;
  /** The takeover in progress, shared by the deliveries waiting for it. */
  starting: Promise<void> | undefined;
  /** Stops consuming the singleton's queue. */
  stopConsuming: Promise<() => Promise<void>> | undefined;
  renewal: unknown;
  readonly result: ResultSlot;
  readonly fence: SharedFence & { lease: Lease };
}

export class Singletons implements SingletonPort {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private stopping = false;

  constructor(
    private readonly system: ActorSystem,
    private readonly runtime: () => DurableRuntime,
    private readonly options: SingletonOptions,
  ) {
    this.log = system.logger.child({ component: 'singletons' });
  }

  // --- the port ------------------------------------------------------------------------------

  spawn(request: SingletonSpawn): void {
    const path = singletonPath(request.id);
    // Built once unregistered, so a bad logic (an inline child, not XState nor a supervisor) fails here, on every node.
    this.system.createCell(this.cellInit(request, path), 'logic', false);
    const entry: Entry = {
      request,
      path,
      role: 'standby',
      epoch: 0,
      lease: undefined,
      cell: undefined,
      starting: undefined,
      stopConsuming: undefined,
      renewal: undefined,
      result: new ResultSlot(),
      fence: {
        get lease(): Lease {
          if (!entry.lease) throw new ArborError('FENCED', `singleton ${path} is not held here`, { path });
          return entry.lease;
        },
        lost: (error) => this.lost(entry, error),
      },
    };
    this.entries.set(request.id, entry);
    this.consume(entry);
  }

  knows(id: string): boolean {
    return this.entries.has(id);
  }

  deliver(path: string, event: ArborEvent, envelope: Envelope): DeliveryResult | Promise<DeliveryResult> {
    const id = singletonIdOf(path) as string;
    const entry = this.entries.get(id);
    if (!entry || entry.role === 'ended') return { ok: false, retry: false, error: new ArborError('NOT_FOUND', `singleton ${singletonPath(id)} is not running (it ended, or node "${this.system.node}" never spawned it)`, { path }) };
    if (entry.role === 'leaving' || this.stopping) return givenBack(path);
    if (entry.role !== 'owner') return this.takeOver(entry).then(() => this.deliver(path, event, envelope));
    if (event.type === SINGLETON_PROBE && path === entry.path) return { ok: true };
    const cell = this.system._cellAt(path);
    if (!cell) return this.whenStarted(entry, path).then((started) => (started ? this.deliver(path, event, envelope) : notThere(path)));
    // Deduplicated by the durable actor: the envelope's id, unless the sender gave one. Set on the
    // event itself (fresh from the wire), which the router knows its envelope and trace by.
    const withId = event as { messageId?: unknown };
    if ((cell as unknown as { dropsProcessedIds?: boolean }).dropsProcessedIds && withId.messageId === undefined) withId.messageId = envelope.id;
    cell.tell(event, envelope.from, envelope.headers?.['arbor-priority'] === 'urgent');
    const epoch = entry.epoch;
    return {
      ok: true,
      done: cell.receipt().then(() => {
        // Settled because this node lost the singleton (its queue dropped): not processed here.
        if (entry.epoch !== epoch) throw lostError(path);
      }),
    };
  }

  /**
   * Whether the actor at `path`, below the root, exists once the tree has had a few turns to start
   * (a supervisor starts its children in its own turn): so a message that arrives right after a
   * takeover keeps its place instead of going round the retry queue.
   */
  private async whenStarted(entry: Entry, path: string): Promise<boolean> {
    const epoch = entry.epoch;
    for (let turn = 0; turn < 100 && path !== entry.path; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (entry.epoch !== epoch) return false;
      if (this.system._cellAt(path)) return true;
    }
    return false;
  }

  result(path: string): Promise<unknown> {
    const entry = this.entries.get(singletonIdOf(path) ?? '');
    if (!entry) return Promise.reject(new ArborError('NOT_FOUND', `node "${this.system.node}" did not spawn the singleton ${path}`, { path }));
    if (path !== entry.path) return Promise.reject(new ArborError('NOT_FOUND', `result() of a singleton is its root's (${entry.path}), not ${path}'s`, { path }));
    return entry.result.promise();
  }

  ended(id: string, exit: SingletonExit): void {
    const entry = this.entries.get(id);
    if (!entry || entry.role === 'ended' || entry.role === 'owner') return;
    this.end(entry, exit);
  }

  nodeDown(node: string): void {
    for (const entry of this.entries.values()) {
      if (entry.role !== 'standby') continue;
      this.log.debug({ singleton: entry.path, peer: node }, 'a node went down: probing the singleton queue');
      this.probe(entry);
    }
  }

  roots(): TreeNode[] {
    const rows: TreeNode[] = [];
    for (const entry of this.entries.values()) {
      if (entry.role === 'owner' && entry.cell) rows.push({ ...entry.cell.describe(), singleton: true });
    }
    return rows;
  }

  status(): SingletonStatus[] {
    return [...this.entries.values()].map((e) => ({ id: e.request.id, path: e.path, role: e.role === 'owner' ? 'owner' : e.role === 'ended' ? 'ended' : 'standby' }));
  }

  /** Stops the singletons run here (their state stays for the next owner) and leaves every queue. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const reason = new ArborError('SYSTEM_SHUTDOWN', `system ${this.system.node} shut down`, { node: this.system.node });
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        const wasOwner = entry.role === 'owner';
        if (entry.role !== 'ended') entry.role = 'leaving';
        entry.epoch++;
        this.system.clock.clearTimeout(entry.renewal);
        const cell = entry.cell;
        entry.cell = undefined;
        if (cell) {
          this.abandonTree(entry);
          await cell.stop(cell.shutdown);
          cell.retire(reason);
          this.system.unregister(cell);
        }
        await this.stopConsuming(entry);
        const lease = entry.lease;
        entry.lease = undefined;
        if (lease) await this.runtime().store.releaseLease(lease).catch((err: unknown) => this.log.warn({ err: toError(err), singleton: entry.path }, 'could not release the lease of a singleton'));
        // The broker now prefers another consumer: the probe makes it take over at once.
        if (wasOwner) this.probe(entry);
        entry.result.reject(reason);
      }),
    );
  }

  // --- the shared fence the durable cells of a singleton's tree commit with -------------------

  /**
   * For `DurableRuntime.sharedFence`. A child of a singleton's tree that this node hosts for the
   * owner (placed here with `{ kind, node }`) takes its own lease, by force on each incarnation, as
   * any placed durable child does: the owner's next placement fences it, wherever the owner runs.
   */
  fenceFor(path: string): SharedFence | 'lost' | undefined {
    const id = singletonIdOf(path);
    if (id === undefined || this.system._distribution.hostedCell(path) !== undefined) return undefined;
    const entry = this.entries.get(id);
    return entry && entry.role === 'owner' && entry.lease ? entry.fence : 'lost';
  }

  // --- taking over, losing, ending -----------------------------------------------------------

  private takeOver(entry: Entry): Promise<void> {
    entry.starting ??= this.start(entry).finally(() => (entry.starting = undefined));
    return entry.starting;
  }

  private async start(entry: Entry): Promise<void> {
    const rt = this.runtime();
    entry.role = 'starting';
    let lease: Lease | undefined;
    try {
      // By force: the broker gave this node the queue, so the previous holder's connection is gone
      // or it stopped consuming; if it still runs, the new token fences it.
      lease = await rt.store.acquireLease(entry.path, rt.owner, { ttl: this.options.leaseTtl, force: true });
    } catch (err) {
      if (entry.role === 'starting') entry.role = 'standby';
      throw err;
    }
    if (!lease) {
      // A forced acquisition always returns a lease; a store that says otherwise gets a retry later.
      if (entry.role === 'starting') entry.role = 'standby';
      throw new ArborError('STORE_ERROR', `the store gave no lease on ${entry.path} to a forced acquisition`, { path: entry.path });
    }
    if (entry.role !== 'starting') {
      // Shut down or ended meanwhile.
      await rt.store.releaseLease(lease).catch(() => undefined);
      return;
    }
    entry.lease = lease;
    entry.role = 'owner';
    const epoch = ++entry.epoch;
    this.log.info({ singleton: entry.path, token: lease.token }, 'took the singleton over');
    const cell = this.system.createCell(this.cellInit(entry.request, entry.path), 'logic');
    if (entry.request.shutdown !== undefined) cell.shutdown = entry.request.shutdown;
    entry.cell = cell;
    cell.result.promise().then(
      (output: unknown) => this.exited(entry, epoch, { normal: true, output }),
      (error: Error) => this.exited(entry, epoch, { normal: false, error }),
    );
    this.renew(entry, epoch);
    cell.start();
  }

  private cellInit(request: SingletonSpawn, path: string): Parameters<ActorSystem['createCell']>[0] {
    // A supervisor root is not itself durable: its durable children are, with the singleton's fence.
    const durable = isActorLogic(request.logic) ? request.durable : undefined;
    return { path, id: request.id, parent: undefined, logic: request.logic, input: request.input, mailbox: request.mailbox, snapshot: undefined, durable };
  }

  /** Renews the lease every third of its ttl while this node holds it; `FENCED` means it lost it. */
  private renew(entry: Entry, epoch: number): void {
    entry.renewal = this.system.clock.setTimeout(() => {
      const lease = entry.lease;
      if (entry.epoch !== epoch || entry.role !== 'owner' || !lease) return;
      this.runtime()
        .store.renewLease(lease, this.options.leaseTtl)
        .then(
          (renewed) => {
            if (entry.epoch !== epoch || entry.lease !== lease) return;
            entry.lease = renewed;
            this.renew(entry, epoch);
          },
          (err: unknown) => {
            const error = toError(err);
            if ((error as { code?: unknown }).code === 'FENCED') return this.lost(entry, error);
            this.log.warn({ err: error, singleton: entry.path }, 'could not renew the lease of a singleton; trying again');
            this.renew(entry, epoch);
          },
        );
    }, this.options.leaseTtl / 3);
  }

  /**
   * Another node holds the singleton now: stop the tree at once, drop what it queued (the broker
   * gives those messages to the new owner), leave the queue and join it again as a standby.
   */
  private lost(entry: Entry, error: Error): void {
    if (entry.role !== 'owner') return;
    this.log.warn({ singleton: entry.path, err: error }, 'another node took the singleton over: stopping it here');
    entry.role = 'leaving';
    entry.epoch++;
    entry.lease = undefined;
    this.system.clock.clearTimeout(entry.renewal);
    this.abandonTree(entry);
    const cell = entry.cell;
    entry.cell = undefined;
    // Not on the stack of the cell whose commit was refused.
    queueMicrotask(() => {
      if (cell) {
        cell.retire(error);
        this.system.unregister(cell);
      }
      void this.stopConsuming(entry).then(() => {
        if (entry.role !== 'leaving' || this.stopping) return;
        entry.role = 'standby';
        this.consume(entry);
      });
    });
  }

  /** The singleton's incarnation on this node ended by itself. */
  private exited(entry: Entry, epoch: number, exit: SingletonExit): void {
    if (entry.epoch !== epoch || entry.role !== 'owner') return;
    if (!exit.normal && (exit.error as { code?: unknown }).code === 'FENCED') return this.lost(entry, exit.error);
    entry.cell = undefined;
    if (this.system._cellAt(entry.path)) this.system.unregister(this.system._cellAt(entry.path) as Cell);
    this.end(entry, exit);
    this.system._distribution.singletonEnded(entry.request.id, exit);
    const lease = entry.lease;
    entry.lease = undefined;
    if (lease) void this.runtime().store.releaseLease(lease).catch(() => undefined);
  }

  /** Ended for good (here or, as its owner said, elsewhere): settle the result and leave the queue. */
  private end(entry: Entry, exit: SingletonExit): void {
    entry.role = 'ended';
    entry.epoch++;
    this.system.clock.clearTimeout(entry.renewal);
    if (exit.normal) entry.result.resolve(exit.output);
    else entry.result.reject(exit.error);
    void this.stopConsuming(entry);
  }

  /** Drops the queued messages of every actor of the tree (they are still on the broker). */
  private abandonTree(entry: Entry): void {
    const below = `${entry.path}/`;
    for (const cell of this.system._cells()) {
      if (cell.path === entry.path || cell.path.startsWith(below)) cell.abandonQueued();
    }
  }

  // --- the queue -----------------------------------------------------------------------------

  private consume(entry: Entry): void {
    const transport = this.system.transport;
    if (!transport.consumeSingleton) return;
    const consuming = transport.consumeSingleton(entry.request.id);
    entry.stopConsuming = consuming;
    consuming.then(
      () => this.probe(entry),
      (err: unknown) => this.log.error({ err: toError(err), singleton: entry.path }, 'cannot consume the queue of a singleton'),
    );
  }

  private async stopConsuming(entry: Entry): Promise<void> {
    const consuming = entry.stopConsuming;
    entry.stopConsuming = undefined;
    const stop = await consuming?.catch(() => undefined);
    await stop?.();
  }

  /** A probe into the queue: whichever node the broker hands it to makes sure it runs the singleton. */
  private probe(entry: Entry): void {
    if (this.system.transport.sendToSingleton) this.system.lookup(entry.path)?.send({ type: SINGLETON_PROBE });
  }
}

/** No actor there (yet): the transport retries it after a delay, then dead-letters it. */
function notThere(path: string): DeliveryResult {
  return { ok: false, retry: true, error: new ArborError('NOT_FOUND', `no actor at ${path} (restarting?)`, { path }) };
}

function lostError(path: string): ArborError {
  return new ArborError('FENCED', `node lost the singleton before processing this message for ${path}: given back to its queue`, { path });
}

/** Taken, but not here: its `done` rejects, so the transport gives it back to the queue. */
function givenBack(path: string): DeliveryResult {
  const done = Promise.reject(lostError(path));
  done.catch(() => undefined);
  return { ok: true, done };
}
