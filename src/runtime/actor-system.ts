/**
 * The actor system: one node's registry of actors, its dispatcher, dead letters, reports and
 * transport. It knows actors only as {@link Cell}s made by {@link CellFactory}s, and other nodes
 * only through the {@link Distribution} ports, so the layers above (XState workers, supervisors,
 * `src/remote`) plug in without the runtime importing them.
 */
/*
 * Why this file is over 400 lines: it is the registry, the spawn path, reports and the transport
 * callbacks of one node; the option types, events, node status and this node's side of the
 * dead-letter stream (`dead-letter-stream.ts`) already live in their own files. The cluster
 * singleton plumbing (`spawnSingleton`, `singletonAlias`) is the next part to move out.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { ActorDetail } from './actor-detail.js';
import { Asks, failAsk, type ReplyRef } from './ask.js';
import type { RelayForm, RelayReviver } from './relay.js';
import type { Cell, CellContext, CellInit, ChildRequest } from './cell.js';
import type { CellFactory, SpawnOptions, SystemOptions } from './system-options.js';
import { realClock, type Clock } from './clock.js';
import { Dispatcher } from './dispatcher.js';
import type { Distribution } from './distribution.js';
import type { DeadLetterFilter } from './dead-letter-log.js';
import { DeadLetterStream } from './dead-letter-stream.js';
import { Emitter } from './emitter.js';
import { ArborError, InvalidSpecError, toError } from './errors.js';
import { assertEvent, type ArborEvent } from './event.js';
import { normalizeMailboxOptions, type ResolvedMailboxOptions } from './mailbox.js';
import type { Meter } from './meter.js';
import type { MessageTracer } from './tracer.js';
import { SchemaRegistry } from './schemas.js';
import type { ClusterStatus, NodeTree } from './node-status.js';
import { resolvePath, rootPath, singletonIdOf, singletonPath, validateId } from './paths.js';
import type { ActorRef, AskOptions } from './ref.js';
import type { JournalSink } from './journal.js';
import type { DeadLetter, SupervisorReport, SystemEvents, Unsubscribe } from './system-events.js';
import { TopicBus, validateTopicPattern } from './topics.js';
import { assertSpawnKeys } from './spawn-options.js';
import { normalizeDurable, type NormalizedDurableOptions } from './durable-options.js';
import type { SingletonPort } from './singleton-port.js';
import { PoolServer, poolWorkers, type PoolWorkerRef, type ServePoolOptions } from './pool-server.js';
import { systemIdsOf, type SystemIds } from './system-ids.js';
import { inspectionTree } from './inspection.js';
import { inMemoryTransport, type NodeInfo, type Transport } from './transport.js';

/** The event types `priorities` marks urgent, or undefined when none (`INVALID_SPEC` for a bad entry). */
function urgentTypesOf(priorities: Record<string, unknown> | undefined): ReadonlySet<string> | undefined {
  if (priorities === undefined) return undefined;
  if (typeof priorities !== 'object' || priorities === null) throw new InvalidSpecError('priorities', priorities, 'must be an object of event type → "urgent" | "normal"');
  const urgent = new Set<string>();
  for (const [type, p] of Object.entries(priorities)) {
    if (p !== 'urgent' && p !== 'normal') throw new InvalidSpecError(`priorities.${type}`, p, 'must be "urgent" or "normal"');
    if (p === 'urgent') urgent.add(type);
  }
  return urgent.size > 0 ? urgent : undefined;
}

function defaultLogger(): Logger {
  return pino({ name: 'arbor', level: process.env.ARBOR_LOG_LEVEL ?? 'info' }, pino.destination({ fd: 2, sync: false }));
}

/** What the composition root plugs into a system. */
export interface SystemPlugins {
  /** Makes cells, first match wins. */
  cells: readonly CellFactory[];
  /** Builds the layer that connects this system to other nodes (`src/remote`). */
  distribution: (system: ActorSystem) => Distribution;
  /** Draws a cell's logic as Graphviz DOT for `actorDetail` (the diagrams live above the runtime). */
  diagram?: (logic: unknown) => string | undefined;
  /** Per-message metrics (`createSystem({ metrics: true })`). */
  meter?: Meter | undefined;
  /** Message traces (when a tracer provider is registered). */
  tracer?: ((system: ActorSystem) => MessageTracer) | undefined;
  /** Runs cluster singletons (`spawn(..., { singleton: true })`); without it they are refused. */
  singletons?: ((system: ActorSystem) => SingletonPort) | undefined;
  /** Rebuild the relays that arrive here, by tag (see `relay.ts`). */
  relays?: Readonly<Record<string, RelayReviver<ActorSystem>>> | undefined;
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
  /** @internal Whether owners route senders to their placed children's hosts (see {@link SystemOptions.directRoutes}). */
  readonly directRoutes: boolean;
  /** @internal Which unhandled events workers dead-letter (see {@link SystemOptions.unhandledEvents}). */
  readonly unhandledEvents: 'asks' | 'all';
  /** @internal */
  readonly meter: Meter | undefined;
  /** @internal */
  readonly schemas: SchemaRegistry | undefined;
  /** @internal */
  readonly urgentTypes: ReadonlySet<string> | undefined;
  /** @internal */
  readonly tracer: MessageTracer | undefined;
  /** @internal The actor whose message is being processed now, if any: the sender of what it sends. */
  _sender: string | undefined = undefined;
  /** This node's side of the dead-letter stream: log, ring, recent list, listeners. */
  private readonly deadLetterStream: DeadLetterStream;
  /** `arbor://<node>/`, made once: {@link lookup} tests every path against it. */
  private readonly localPrefix: string;
  private readonly registry = new Map<string, Cell>();
  /** Root actors in spawn order; a Set, as each workflow a producer spawns is a root that exits by itself (an array's indexOf made 20 k live roots quadratic). */
  private readonly roots = new Set<Cell>();
  private readonly events = new Emitter<SystemEvents>();
  private readonly asks: Asks;
  private readonly topics = new TopicBus();
  /** @internal Routing, placement and the protocol between nodes. */
  readonly _distribution: Distribution;
  /** @internal The cluster singletons this node joined. */
  readonly _singletons: SingletonPort | undefined;
  private readonly factories: readonly CellFactory[];
  private readonly relays: Readonly<Record<string, RelayReviver<ActorSystem>>>;
  private readonly diagram: ((logic: unknown) => string | undefined) | undefined;
  private readonly pools = new Map<string, PoolServer>();
  private stopping: Promise<void> | undefined;

  constructor(options: SystemOptions, plugins: SystemPlugins) {
    this.factories = plugins.cells;
    this.relays = plugins.relays ?? {};
    this.diagram = plugins.diagram;
    this.meter = plugins.meter;
    this.node = options.node === undefined ? `node-${randomUUID().slice(0, 8)}` : validateId(options.node, 'node');
    this.localPrefix = rootPath(this.node, '');
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
    this.deadLetterStream = new DeadLetterStream({
      node: this.node,
      capacity: options.deadLetterCapacity,
      logger: this.logger,
      clock: this.clock,
      emit: (letter) => this.events.emit('deadLetter', letter, (err) => this.listenerFailed(err)),
    });
    this.schemas = options.schemas === undefined ? undefined : new SchemaRegistry(options.schemas);
    this.urgentTypes = urgentTypesOf(options.priorities);
    if (!(typeof this.placementTimeout === 'number' && this.placementTimeout >= 0 && this.placementTimeout <= 2 ** 31 - 1)) {
      throw new InvalidSpecError('placementTimeout', options.placementTimeout, 'must be a number of ms');
    }
    this.directRoutes = options.directRoutes ?? true;
    if (typeof this.directRoutes !== 'boolean') throw new InvalidSpecError('directRoutes', options.directRoutes, 'must be a boolean');
    this.unhandledEvents = options.unhandledEvents ?? 'asks';
    if (this.unhandledEvents !== 'asks' && this.unhandledEvents !== 'all') throw new InvalidSpecError('unhandledEvents', options.unhandledEvents, "must be 'asks' or 'all'");
    const journal = this.journal;
    this.asks = new Asks(
      this.node,
      this.clock,
      journal && ((to, event) => journal.append({ node: this.node, to, at: this.clock.now(), event })),
    );
    this._distribution = plugins.distribution(this);
    this.tracer = plugins.tracer?.(this);
    this._singletons = plugins.singletons?.(this);
  }

  /** @internal Connects the transport. */
  async _start(): Promise<void> {
    await this.transport.start({
      node: this.node,
      kinds: Object.keys(this.kinds),
      // Told to the other nodes, so that their `lookup('<id>')` reaches the singleton too.
      singletons: () => (this._singletons?.status() ?? []).filter((s) => s.role !== 'ended').map((s) => s.id),
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
    const durable = normalizeDurable(options.durable, 'durable');
    if (options.singleton !== undefined && options.singleton !== false) return this.spawnSingleton(logic, options, id, durable);
    const cell = this.createCell(
      { path, id, parent: undefined, logic, input: options.input, mailbox: normalizeMailboxOptions(options.mailbox, this.mailboxDefaults), snapshot: options.snapshot, durable },
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
    this.roots.add(cell);
    cell.start();
    return cell.ref;
  }

  /**
   * A cluster singleton: validated here, run by the singleton port (on whichever node the broker
   * picks); the ref routes to `arbor://$singleton/<id>` wherever it runs.
   */
  private spawnSingleton(logic: unknown, options: SpawnOptions, id: string, durable: NormalizedDurableOptions | undefined): ActorRef {
    if (options.singleton !== true) throw new InvalidSpecError('singleton', options.singleton, 'must be true or false');
    if (!durable) throw new InvalidSpecError('singleton', options.singleton, 'needs durable: true (the node that takes a singleton over resumes it from the shared store)');
    if (options.snapshot !== undefined) throw new InvalidSpecError('snapshot', options.snapshot, 'cannot be given to a singleton (it resumes from the store)');
    if (options.systemId !== undefined) throw new InvalidSpecError('systemId', options.systemId, 'cannot be given to a singleton (it may run on another node)');
    const singletons = this._singletons;
    if (!singletons || !this.transport.consumeSingleton || !this.transport.sendToSingleton) {
      throw new InvalidSpecError('singleton', true, `needs a broker transport (rabbitmqTransport): the ${this.transport.name} transport has no singleton queues`);
    }
    if (singletons.knows(id) || this.registry.has(rootPath(this.node, id))) throw new InvalidSpecError('id', id, 'must be unique among root actors');
    singletons.spawn({ id, logic, input: options.input, mailbox: normalizeMailboxOptions(options.mailbox, this.mailboxDefaults), durable, shutdown: options.shutdown });
    return this._distribution.lookup(singletonPath(id)) as ActorRef;
  }

  /** @internal Makes (and, unless told not to, registers) a cell with the first factory that accepts its logic. */
  createCell(init: Omit<CellInit, 'system'>, field: string, register = true): Cell {
    let factory: CellFactory | undefined;
    for (const f of this.factories) {
      if (!f.accepts(init.logic, init)) continue;
      factory = f;
      break;
    }
    if (!factory) throw new InvalidSpecError(field, init.logic, 'must be XState actor logic or a supervisor(...)');
    if (init.durable && factory.name !== 'durable') throw new InvalidSpecError(field, init.logic, 'cannot be durable: durable actors are XState logic (make the children of a supervisor durable)');
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

  /** See {@link CellContext.forgetState}: nothing here; `createSystem` plugs in the store. */
  forgetState(path: string): void {
    void path;
  }

  /** @internal The relay a node rebuilds from its wire form, or `undefined` when no reviver knows its tag (see `relay.ts`). */
  _relayRef(path: string, relay: RelayForm): ActorRef | undefined {
    if (!Object.hasOwn(this.relays, relay.tag)) return undefined;
    const ref = this.relays[relay.tag]!(path, relay.data, this);
    if (ref === undefined) this.logger.warn({ path, relay: relay.tag }, 'malformed relay from the wire: a plain ref to its path instead');
    return ref;
  }

  /** @internal The reply ref of a pending ask on this node. */
  _pendingAsk(path: string): ActorRef | undefined {
    return this.asks.pending.get(path) as (ReplyRef & ActorRef) | undefined;
  }

  /** @internal Every registered cell of this node (for metrics and tools). */
  _cells(): IterableIterator<Cell> {
    return this.registry.values();
  }

  /** @internal */
  _roots(): readonly Cell[] {
    return [...this.roots];
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
    const full = this.singletonAlias(resolvePath(this.node, path));
    // A singleton's ref routes through its queue even on the node that runs it: it survives takeover.
    const local = singletonIdOf(full) === undefined ? this.registry.get(full) : undefined;
    if (local) return local.ref;
    return this._distribution.lookup(full);
  }

  /**
   * `arbor://<this node>/<id>/...` for a cluster singleton `id` — one this node joined, or one a
   * node said it joined (in its heartbeats; also after that node left, until the singleton ends) —
   * that is not a root of this node: its `arbor://$singleton/<id>/...`, so any node reaches the singleton wherever it runs.
   */
  private singletonAlias(full: string): string {
    // Every lookup comes here. Without a singletons port or a transport that reaches singletons,
    // no id is a known singleton: nothing to test. Else one slice for the common answer (a root
    // of this node), no joins.
    if (this._singletons === undefined && this.transport.sendToSingleton === undefined) return full;
    const prefix = this.localPrefix;
    if (!full.startsWith(prefix)) return full;
    const slash = full.indexOf('/', prefix.length);
    if (slash === prefix.length || full.length === prefix.length) return full;
    if (this.registry.has(slash < 0 ? full : full.slice(0, slash))) return full;
    const id = slash < 0 ? full.slice(prefix.length) : full.slice(prefix.length, slash);
    const transport = this.transport;
    const known = this._singletons?.knows(id) === true || (transport.sendToSingleton !== undefined && (transport.heardOfSingleton?.(id) === true || transport.nodes().some((n) => n.singletons?.includes(id) === true)));
    return known ? singletonPath(id) + (slash < 0 ? '' : full.slice(slash)) : full;
  }

  /** This node's actors: its root trees and what it hosts for other nodes. */
  describe(): NodeTree {
    const singletons = this._singletons?.status() ?? [];
    const recentDeadLetters = this.deadLetterStream.recent();
    return {
      node: this.node,
      roots: [...[...this.roots].map((c) => c.describe()), ...(this._singletons?.roots() ?? [])],
      hosted: this._distribution.hosted(),
      processed: this.dispatcher.processed,
      deadLetters: this.deadLetterCount,
      ...(recentDeadLetters ? { recentDeadLetters } : {}),
      ...(singletons.length > 0 ? { singletons } : {}),
    };
  }

  /**
   * One actor in detail (state, context, mailbox, recent events, a diagram of its machine), asked
   * of `node`, the node that runs it (default: this one). Resolves to `undefined` when that node
   * has no actor at `path`.
   */
  actorDetail(path: string, options: { node?: string; timeout?: number } = {}): Promise<ActorDetail | undefined> {
    if (typeof path !== 'string') return Promise.reject(new InvalidSpecError('path', path, 'must be a string'));
    const timeout = options.timeout ?? 2000;
    const full = resolvePath(this.node, path);
    const node = options.node ?? this.node;
    if (node === this.node) return Promise.resolve(this._localDetail(full));
    return this._distribution.actorDetail(node, full, timeout);
  }

  /**
   * @internal Named questions other nodes may ask this one (`_queryNodes`); the layers above the
   * runtime register their answers here (the inspector's workflow buffer: `'workflow'`).
   */
  readonly _queries = new Map<string, (arg: string | undefined) => unknown>();

  /** @internal This node's answer to the query `name`, `undefined` when it has none. */
  _answerQuery(name: string, arg: string | undefined): unknown {
    return this._queries.get(name)?.(arg);
  }

  /**
   * @internal Asks every live node (this one too) the query `name`; resolves to each answer that
   * came within `timeout` ms, by node (nodes without an answer, or that did not reply, left out).
   */
  async _queryNodes(name: string, arg: string | undefined, timeout: number): Promise<Array<{ node: string; value: unknown }>> {
    const nodes = this.transport.nodes().map((n) => n.node);
    if (!nodes.includes(this.node)) nodes.push(this.node);
    const answers = await Promise.all(
      nodes.map(async (node): Promise<{ node: string; value: unknown } | undefined> => {
        try {
          const value = node === this.node ? this._answerQuery(name, arg) : await this._distribution.query(node, name, arg, timeout);
          return value === undefined || value === null ? undefined : { node, value };
        } catch {
          return undefined;
        }
      }),
    );
    return answers.filter((a) => a !== undefined);
  }

  /** @internal The detail of an actor this node runs (a root's subtree, or hosted for another node). */
  _localDetail(path: string): ActorDetail | undefined {
    const cell = this.registry.get(path) ?? this._distribution.hostedCell(path);
    if (!cell) return undefined;
    const detail = cell.detail();
    const logic = cell.drawable();
    if (logic !== undefined && this.diagram) {
      try {
        const dot = this.diagram(logic);
        if (dot !== undefined) detail.dot = dot;
      } catch (err) {
        this.logger.debug({ actor: path, err: toError(err).message }, 'no diagram for this actor');
      }
    }
    return detail;
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
   * Serves the pool of `kind` on this node: its messages go to `workers` (a local actor, or
   * several), at most `concurrency` at once on this node (see {@link ServePoolOptions}). A pool
   * message is acked only once its worker has finished it, including the actors it invoked or
   * spawned for it, so the broker hands the rest of the pool's work to nodes with free workers.
   * Resolves once this node takes work from the pool; resolves to a function that stops serving.
   *
   * @example
   * const workers = Array.from({ length: 20 }, (_, i) => system.spawn(researcher, { id: `researcher-${i}` }));
   * await system.servePool('research', workers); // 20 calls at a time on this node, one per worker
   */
  async servePool(kind: string, workers: PoolWorkerRef | readonly PoolWorkerRef[], options: ServePoolOptions = {}): Promise<() => Promise<void>> {
    validateId(kind, 'kind');
    const list = poolWorkers(workers);
    if (typeof options !== 'object' || options === null) throw new InvalidSpecError('options', options, 'must be an object');
    const { concurrency } = options;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 65_535)) {
      throw new InvalidSpecError('concurrency', concurrency, 'must be an integer from 1 to 65535');
    }
    if (this.pools.has(kind)) throw new InvalidSpecError('kind', kind, 'is already served by this node');
    // Without a concurrency, one worker keeps the transport's own pool prefetch (as before), several take one message each.
    const prefetch = concurrency ?? (Array.isArray(workers) ? list.length : undefined);
    const server = new PoolServer(kind, list, prefetch, {
      cellAt: (path) => this.registry.get(path),
      deadLetter: (recipient, event, reason) => this.deadLetter(recipient, event, reason),
    });
    this.pools.set(kind, server);
    const stop = this.transport.consumePool ? await this.transport.consumePool(kind, prefetch === undefined ? {} : { prefetch }) : async () => undefined;
    return async () => {
      await stop();
      if (this.pools.get(kind) === server) this.pools.delete(kind);
    };
  }

  /** @internal This node's server of the pool of `kind`, if any. */
  _poolServer(kind: string): PoolServer | undefined {
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
    this.schemas?.assert(event);
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

  /**
   * @internal Puts a message on the dead-letter stream: the recent list, the log, the
   * `'deadLetter'` listeners (`dead-letter-stream.ts`) and (through the distribution port) the
   * cluster's dead-letter queue; an ask waiting for it fails now.
   */
  deadLetter(recipient: string, event: unknown, reason: ArborError): void {
    this.tracer?.deadLettered(recipient, event, reason);
    const asked = failAsk(event, reason);
    this._distribution.deadLettered(event, reason, recipient, asked);
    this.deadLetterStream.add(recipient, event, reason);
  }

  /**
   * The recent dead letters of this node, newest first (at most `deadLetterCapacity` are kept),
   * filtered by reason code, recipient path (and the actors below it) or correlation id.
   */
  deadLetters(filter: DeadLetterFilter = {}): DeadLetter[] {
    return this.deadLetterStream.list(filter);
  }

  /** How many messages went to dead letters on this node since it started. */
  get deadLetterCount(): number {
    return this.deadLetterStream.total;
  }

  /** @internal Publishes a supervisor report and logs it. */
  report(report: SupervisorReport): void {
    // An auto-shutdown is the normal end of a supervisor whose significant children finished.
    const level = report.kind === 'shutdown' ? (report.reason === 'AUTO_SHUTDOWN' ? 'info' : 'error') : report.kind === 'child_exited' && report.reason !== 'normal' ? 'warn' : 'info';
    const reason = report.reason instanceof Error ? { message: report.reason.message, code: (report.reason as { code?: unknown }).code } : report.reason;
    this.logger[level]({ actor: report.supervisor, report: report.kind, child: report.child, reason }, `supervisor ${report.kind}`);
    this.tracer?.reported(report);
    this.events.emit('report', report, (err) => this.listenerFailed(err));
  }

  private listenerFailed(err: unknown): void {
    this.logger.error({ err: toError(err) }, 'a system event listener threw');
  }

  /** @internal A root actor exited by itself. */
  _rootExited(cell: Cell): void {
    this.roots.delete(cell);
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
      // First: another node takes the singletons over while this one still has its transport.
      await this._singletons?.shutdown();
      for (const cell of [...this.roots].reverse()) {
        await cell.stop(cell.shutdown);
        cell.retire(reason);
      }
      this.roots.clear();
      await this._distribution.shutdown();
      this.asks.failAll(reason);
      await this.transport.stop();
      await this.journal?.close?.();
      this.logger.flush?.();
    })();
    return this.stopping;
  }
}
