/**
 * The actor system: one node's registry of actors, its dispatcher, dead letters, reports and
 * transport. It knows actors only as {@link Cell}s made by {@link CellFactory}s, and other nodes
 * only through the {@link Distribution} ports, so the layers above (XState workers, supervisors,
 * `src/remote`) plug in without the runtime importing them.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import { Asks, failAsk, type ReplyRef } from './ask.js';
import type { Cell, CellContext, CellInit, ChildRequest } from './cell.js';
import type { CellFactory, SpawnOptions, SystemOptions } from './system-options.js';
import { realClock, type Clock } from './clock.js';
import { Dispatcher } from './dispatcher.js';
import type { Distribution } from './distribution.js';
import { Emitter } from './emitter.js';
import { ArborError, InvalidSpecError, describe, toError } from './errors.js';
import { assertEvent, correlationOf, type ArborEvent } from './event.js';
import { normalizeMailboxOptions, type ResolvedMailboxOptions } from './mailbox.js';
import type { ClusterStatus, NodeTree } from './node-status.js';
import { resolvePath, rootPath, validateId } from './paths.js';
import type { ActorRef, AskOptions } from './ref.js';
import type { JournalSink } from './journal.js';
import type { SupervisorReport, SystemEvents, Unsubscribe } from './system-events.js';
import { TopicBus, validateTopicPattern } from './topics.js';
import { assertSpawnKeys } from './spawn-options.js';
import { systemIdsOf, type SystemIds } from './system-ids.js';
import { inspectionTree } from './inspection.js';
import { inMemoryTransport, type NodeInfo, type Transport } from './transport.js';

function defaultLogger(): Logger {
  return pino({ name: 'arbor', level: process.env.ARBOR_LOG_LEVEL ?? 'info' }, pino.destination({ fd: 2, sync: false }));
}

/** What the composition root plugs into a system. */
export interface SystemPlugins {
  /** Makes cells, first match wins. */
  cells: readonly CellFactory[];
  /** Builds the layer that connects this system to other nodes (`src/remote`). */
  distribution: (system: ActorSystem) => Distribution;
}

/**
 * One node. Its public face is the `System` interface (`src/create-system.ts`); the rest is marked
 * `@internal`: what cells use is the {@link CellContext} they see it through, and the
 * `_`-prefixed members are for the distribution layer and the composition root only.
 */
export class ActorSystem implements CellContext {
  readonly node: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** @internal */
  readonly dispatcher: Dispatcher;
  /** @internal */
  readonly transport: Transport;
  /** @internal */
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** @internal */
  readonly kinds: Readonly<Record<string, unknown>>;
  /** @internal */
  readonly random: () => number;
  /** @internal */
  readonly mailboxDefaults: ResolvedMailboxOptions;
  /** @internal Read by every cell on delivery. */
  readonly journal: JournalSink | undefined;
  /** @internal */
  readonly placementTimeout: number;
  /** @internal Which unhandled events workers dead-letter (see {@link SystemOptions.unhandledEvents}). */
  readonly unhandledEvents: 'asks' | 'all';
  /** @internal The actor whose message is being processed now, if any: the sender of what it sends. */
  _sender: string | undefined = undefined;
  /** How many messages went to dead letters. */
  deadLetters = 0;
  private readonly registry = new Map<string, Cell>();
  private readonly roots: Cell[] = [];
  private readonly events = new Emitter<SystemEvents>();
  private readonly asks: Asks;
  private readonly topics = new TopicBus();
  /** @internal Routing, placement and the protocol between nodes. */
  readonly _distribution: Distribution;
  private readonly factories: readonly CellFactory[];
  private readonly pools = new Map<string, ActorRef>();
  private stopping: Promise<void> | undefined;

  constructor(options: SystemOptions, plugins: SystemPlugins) {
    this.factories = plugins.cells;
    this.node = options.node === undefined ? `node-${randomUUID().slice(0, 8)}` : validateId(options.node, 'node');
    this.clock = options.clock ?? realClock;
    this.logger = options.logger === false ? pino({ enabled: false }) : (options.logger ?? defaultLogger());
    this.dispatcher = new Dispatcher(options.dispatcher);
    this.transport = options.transport ?? inMemoryTransport();
    // XState fidelity (issue 18): the observer sees one tree, with parent links (see inspection.ts).
    this.inspect = options.inspect && inspectionTree(options.inspect);
    this.kinds = { ...options.kinds };
    this.random = options.random ?? Math.random;
    this.mailboxDefaults = normalizeMailboxOptions(options.mailbox);
    this.journal = options.journal;
    this.placementTimeout = options.placementTimeout ?? 5000;
    if (!(typeof this.placementTimeout === 'number' && this.placementTimeout >= 0 && this.placementTimeout <= 2 ** 31 - 1)) {
      throw new InvalidSpecError('placementTimeout', options.placementTimeout, 'must be a number of ms');
    }
    this.unhandledEvents = options.unhandledEvents ?? 'asks';
    if (this.unhandledEvents !== 'asks' && this.unhandledEvents !== 'all') throw new InvalidSpecError('unhandledEvents', options.unhandledEvents, "must be 'asks' or 'all'");
    const journal = this.journal;
    this.asks = new Asks(
      this.node,
      this.clock,
      journal && ((to, event) => journal.append({ node: this.node, to, at: this.clock.now(), event })),
    );
    this._distribution = plugins.distribution(this);
  }

  /** @internal Connects the transport. */
  async _start(): Promise<void> {
    await this.transport.start({
      node: this.node,
      kinds: Object.keys(this.kinds),
      logger: this.logger,
      clock: this.clock,
      deliver: (envelope) => this._distribution.deliver(envelope),
      undeliverable: (envelope, error) => this._distribution.undeliverable(envelope, error),
      inboundDeadLettered: (envelope, error) => this._distribution.inboundDeadLettered(envelope, error),
      nodeUp: (info) => this._distribution.nodeUp(info),
      nodeDown: (node) => this._distribution.nodeDown(node),
    });
  }

  /**
   * Starts a root actor. `logic` is any XState actor logic or a `supervisor(...)`.
   * Throws `INVALID_SPEC` for a bad id, a duplicate id, or logic no factory accepts.
   */
  spawn(logic: unknown, options: SpawnOptions): ActorRef {
    if (this.stopping) throw new ArborError('SYSTEM_SHUTDOWN', `system ${this.node} is shut down`, { node: this.node });
    if (typeof options !== 'object' || options === null) throw new InvalidSpecError('options', options, 'must be an object with an id');
    assertSpawnKeys(options);
    const id = validateId(options.id, 'id');
    const path = rootPath(this.node, id);
    if (this.registry.has(path)) throw new InvalidSpecError('id', id, 'must be unique among root actors');
    const systemId = options.systemId;
    const ids: SystemIds = systemIdsOf(this);
    if (systemId !== undefined) ids.assertFree(systemId);
    const cell = this.createCell(
      { path, id, parent: undefined, logic, input: options.input, mailbox: normalizeMailboxOptions(options.mailbox, this.mailboxDefaults), snapshot: options.snapshot },
      'logic',
    );
    if (options.shutdown !== undefined) cell.shutdown = options.shutdown;
    if (options.snapshot !== undefined && typeof (cell as { getPersistedSnapshot?: unknown }).getPersistedSnapshot !== 'function') {
      this.unregister(cell);
      throw new InvalidSpecError('snapshot', options.snapshot, 'is only for XState logic (a supervisor has no persisted snapshot)');
    }
    if (systemId !== undefined) {
      // XState fidelity (issue 18): the ref is found by `system.get(systemId)` in every worker until the actor ends.
      ids.set(systemId, cell.ref);
      const free = (): void => ids.delete(systemId, cell.ref);
      cell.result.promise().then(free, free);
    }
    this.roots.push(cell);
    cell.start();
    return cell.ref;
  }

  /** @internal Makes (and, unless told not to, registers) a cell with the first factory that accepts its logic. */
  createCell(init: Omit<CellInit, 'system'>, field: string, register = true): Cell {
    const factory = this.factories.find((f) => f.accepts(init.logic));
    if (!factory) throw new InvalidSpecError(field, init.logic, 'must be XState actor logic or a supervisor(...)');
    const cell = factory.create({ ...init, system: this });
    if (register) this.registry.set(cell.path, cell);
    return cell;
  }

  /**
   * @internal Makes and registers the cell of a supervisor's child: placed on another node when the
   * placement port says so, else run here from its logic or from the logic this node hosts for
   * its kind.
   */
  childCell(request: ChildRequest): Cell {
    const placed = this._distribution.placeChild(request);
    if (placed) {
      this.registry.set(placed.path, placed);
      return placed;
    }
    const { kind, field } = request;
    const hostedHere = kind !== undefined && Object.prototype.hasOwnProperty.call(this.kinds, kind);
    const logic = request.logic ?? (hostedHere ? this.kinds[kind as string] : undefined);
    if (logic === undefined) throw new InvalidSpecError(`${field}.kind`, kind, `is not a kind node ${this.node} hosts`);
    return this.createCell({ ...request.init, logic }, `${field}.logic`);
  }

  /** @internal Registers a cell made elsewhere (the distribution layer's). */
  _register(cell: Cell): void {
    this.registry.set(cell.path, cell);
  }

  /** @internal */
  _cellAt(path: string): Cell | undefined {
    return this.registry.get(path);
  }

  /** @internal The reply ref of a pending ask on this node. */
  _pendingAsk(path: string): ActorRef | undefined {
    return this.asks.pending.get(path) as (ReplyRef & ActorRef) | undefined;
  }

  /** @internal */
  _roots(): readonly Cell[] {
    return this.roots;
  }

  /** @internal Forgets a cell (its refs keep dead-lettering). */
  unregister(cell: Cell): void {
    if (this.registry.get(cell.path) === cell) this.registry.delete(cell.path);
  }

  /**
   * The ref at `path` (`arbor://node/a/b` or `a/b`), or `undefined`. A path on another live node,
   * or below a child placed on another node, gives a ref that routes there.
   */
  lookup(path: string): ActorRef | undefined {
    if (typeof path !== 'string') return undefined;
    const full = resolvePath(this.node, path);
    const local = this.registry.get(full);
    if (local) return local.ref;
    return this._distribution.lookup(full);
  }

  /** This node's actors: its root trees and what it hosts for other nodes. */
  describe(): NodeTree {
    return { node: this.node, roots: this.roots.map((c) => c.describe()), hosted: this._distribution.hosted() };
  }

  /** Every live node's tree (asked over the transport; nodes that do not answer within `timeout` ms are listed as unreachable). */
  clusterStatus(options: { timeout?: number } = {}): Promise<ClusterStatus> {
    const timeout = options.timeout ?? 2000;
    if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
      return Promise.reject(new InvalidSpecError('timeout', timeout, 'must be a positive number of ms'));
    }
    return this._distribution.clusterStatus(timeout);
  }

  /**
   * A ref to the work pool of `kind`: each message goes to exactly one node that serves the pool
   * (competing consumers, RabbitMQ transport). On the in-memory transport this node's server, if any.
   */
  poolRef(kind: string): ActorRef {
    validateId(kind, 'kind');
    return this._distribution.poolRef(kind);
  }

  /**
   * Serves the pool of `kind` on this node: its messages go to `ref` (a local actor). Resolves
   * once this node takes work from the pool; resolves to a function that stops serving.
   */
  async servePool(kind: string, ref: ActorRef): Promise<() => Promise<void>> {
    validateId(kind, 'kind');
    if (typeof ref !== 'object' || ref === null || typeof (ref as { send?: unknown }).send !== 'function') throw new InvalidSpecError('ref', ref, 'must be an actor ref');
    if (this.pools.has(kind)) throw new InvalidSpecError('kind', kind, 'is already served by this node');
    this.pools.set(kind, ref);
    const stop = this.transport.consumePool ? await this.transport.consumePool(kind) : async () => undefined;
    return async () => {
      await stop();
      if (this.pools.get(kind) === ref) this.pools.delete(kind);
    };
  }

  /** @internal The local actor serving the pool of `kind` on this node, if any. */
  _poolServer(kind: string): ActorRef | undefined {
    return this.pools.get(kind);
  }

  /** Subscribes to `'report'` or `'deadLetter'`; returns the unsubscribe function. */
  on<K extends keyof SystemEvents>(name: K, listener: (value: SystemEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /**
   * Choreography: sends `event` to every actor subscribed (on any node) to a pattern matching its
   * type. Returns at once; delivery is asynchronous. With no subscriber anywhere the event is
   * simply not delivered to anyone (a publish is not addressed to an actor).
   */
  publish(event: ArborEvent): void {
    assertEvent(event);
    this.topics.deliver(event);
    this._distribution.publish(event);
  }

  /** @internal A published event that came from another node: to this node's subscribers. */
  _deliverPublished(event: ArborEvent): void {
    this.topics.deliver(event);
  }

  /**
   * Subscribes `ref` to events published with a type matching `pattern` (`*` one word, `#` any
   * number of words). Returns the unsubscribe function; its `ready` promise resolves once events
   * published on other nodes reach this one (the broker binding is in place).
   */
  subscribe(pattern: string, ref: ActorRef): Unsubscribe {
    validateTopicPattern(pattern);
    if (typeof ref !== 'object' || ref === null || typeof (ref as { send?: unknown }).send !== 'function') {
      throw new InvalidSpecError('ref', ref, 'must be an actor ref');
    }
    const { first, remove } = this.topics.add(pattern, ref);
    const ready = first && this.transport.bindTopic ? this.transport.bindTopic(pattern) : Promise.resolve();
    ready.catch((err: unknown) => this.logger.error({ err: toError(err), pattern }, 'topic binding failed'));
    const unsubscribe = (() => {
      if (remove() && this.transport.unbindTopic) {
        this.transport.unbindTopic(pattern).catch((err: unknown) => this.logger.warn({ err: toError(err), pattern }, 'topic unbinding failed'));
      }
    }) as Unsubscribe;
    Object.defineProperty(unsubscribe, 'ready', { value: ready });
    return unsubscribe;
  }

  /** The live nodes of the cluster (just this one on the in-memory transport). */
  nodes(): NodeInfo[] {
    return this.transport.nodes();
  }

  /** @internal Asks `target` with `event` (the ref's `ask`); a reply ref of this node takes the answer. */
  ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T> {
    return this.asks.ask<T>(target, event, options);
  }

  /** @internal Puts a message on the dead-letter stream (and fails its ask, if it was one). */
  deadLetter(recipient: string, event: unknown, reason: ArborError): void {
    this.deadLetters++;
    if (!failAsk(event, reason)) this._distribution.deadLettered(event, reason);
    const type = (event as { type?: unknown } | null)?.type;
    this.logger.warn(
      { recipient, eventType: typeof type === 'string' ? type : describe(event), code: reason.code, correlationId: correlationOf(event) },
      `dead letter: ${reason.message}`,
    );
    this.events.emit('deadLetter', { recipient, event, reason, at: this.clock.now() }, (err) => this.listenerFailed(err));
  }

  /** @internal Publishes a supervisor report and logs it. */
  report(report: SupervisorReport): void {
    // An auto-shutdown is the normal end of a supervisor whose significant children finished.
    const level = report.kind === 'shutdown' ? (report.reason === 'AUTO_SHUTDOWN' ? 'info' : 'error') : report.kind === 'child_exited' && report.reason !== 'normal' ? 'warn' : 'info';
    const reason = report.reason instanceof Error ? { message: report.reason.message, code: (report.reason as { code?: unknown }).code } : report.reason;
    this.logger[level]({ actor: report.supervisor, report: report.kind, child: report.child, reason }, `supervisor ${report.kind}`);
    this.events.emit('report', report, (err) => this.listenerFailed(err));
  }

  private listenerFailed(err: unknown): void {
    this.logger.error({ err: toError(err) }, 'a system event listener threw');
  }

  /** @internal A root actor exited by itself. */
  _rootExited(cell: Cell): void {
    const i = this.roots.indexOf(cell);
    if (i >= 0) this.roots.splice(i, 1);
    // Its id is free again; refs already handed out keep dead-lettering.
    this.unregister(cell);
  }

  /** Resolves when no actor has work queued (timers may still be pending). For tests and tools. */
  async idle(): Promise<void> {
    for (let quiet = 0; quiet < 2; ) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      quiet = this.dispatcher.busy ? 0 : quiet + 1;
    }
  }

  /** Stops every root actor, in reverse spawn order, each as its `shutdown` allows; then the transport. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      const reason = new ArborError('SYSTEM_SHUTDOWN', `system ${this.node} shut down`, { node: this.node });
      for (const cell of [...this.roots].reverse()) {
        await cell.stop(cell.shutdown);
        cell.retire(reason);
      }
      this.roots.length = 0;
      await this._distribution.shutdown();
      this.asks.failAll(reason);
      await this.transport.stop();
      await this.journal?.close?.();
      this.logger.flush?.();
    })();
    return this.stopping;
  }
}
