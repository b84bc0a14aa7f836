/**
 * The actor system: one node's registry of actors, its dispatcher, dead letters, reports and
 * transport. It knows actors only as {@link Cell}s made by {@link CellFactory}s, so the layers
 * above (XState workers, supervisors) plug in without the runtime importing them.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import { Asks, failAsk, type ReplyRef } from './ask.js';
import { Cluster, type ClusterStatus, type NodeTree } from './cluster.js';
import type { RemoteChildCell } from './remote-cell.js';
import { RemoteActorRef } from './remote-ref.js';
import type { Cell, CellInit, Shutdown } from './cell.js';
import { realClock, type Clock } from './clock.js';
import { Dispatcher, type DispatcherOptions } from './dispatcher.js';
import { Emitter } from './emitter.js';
import { ArborError, InvalidSpecError, describe, toError } from './errors.js';
import { assertEvent, correlationOf, type ArborEvent } from './event.js';
import { normalizeMailboxOptions, type MailboxOptions, type ResolvedMailboxOptions } from './mailbox.js';
import { nodeOfPath, POOL_TARGET, resolvePath, rootPath, TOPIC_TARGET, validateId } from './paths.js';
import type { ActorRef, AskOptions } from './ref.js';
import type { JournalSink } from './journal.js';
import { TopicBus, validateTopicPattern } from './topics.js';
import { reviveRefs } from './remote-ref.js';
import { assertSpawnKeys } from './spawn-options.js';
import { systemIdsOf, type SystemIds } from './system-ids.js';
import { inspectionTree } from './inspection.js';
import { inMemoryTransport, type DeliveryResult, type Envelope, type NodeInfo, type Transport } from './transport.js';

/** Makes cells for one family of logic (XState logic, supervisors, ...). */
export interface CellFactory {
  readonly name: string;
  accepts(logic: unknown): boolean;
  create(init: CellInit): Cell;
}

/** Options of `createSystem`. */
export interface SystemOptions {
  /**
   * This node's id; it is the host part of every local path.
   * @default a generated id, `node-<8 hex digits>`
   */
  node?: string;
  /**
   * How this node reaches others.
   * @default the embedded in-memory transport (one process)
   */
  transport?: Transport;
  /**
   * A pino logger, or `false` for silence.
   * @default pino at level `ARBOR_LOG_LEVEL` (else `info`), JSON lines on stderr
   */
  logger?: Logger | false;
  /**
   * The clock behind every timer; tests pass a `SimulatedClock`.
   * @default the wall clock
   */
  clock?: Clock;
  /** The default mailbox of every actor on this node. */
  mailbox?: MailboxOptions;
  /** Dispatcher tuning (throughput per actor turn, budget per event-loop turn). */
  dispatcher?: DispatcherOptions;
  /** An XState inspection observer: receives `@xstate.actor`, `@xstate.event`, `@xstate.snapshot`, ... */
  inspect?: (event: InspectionEvent) => void;
  /** Logic this node can run by kind name (children may name a `kind` instead of `logic`). */
  kinds?: Record<string, unknown>;
  /**
   * Randomness for backoff jitter; tests pass a seeded one.
   * @default Math.random
   */
  random?: () => number;
  /** Every user event an actor's mailbox accepts is appended here (see `src/journal`). */
  journal?: JournalSink;
  /**
   * How long a child placed on other nodes waits for a node that hosts its kind to come up
   * before its start fails with `NO_NODE` (a node that just started has not heard the others yet).
   * @default 5000
   */
  placementTimeout?: number;
  /**
   * Which events no state of a worker's machine handles go to dead letters with
   * `UNHANDLED_EVENT`: `'asks'` those that carry a `replyTo` (so an ask fails at once instead of
   * timing out; the rest are ignored, as XState ignores them), `'all'` every one.
   * @default 'asks'
   */
  unhandledEvents?: 'asks' | 'all';
}

/** Options of `system.spawn`. */
export interface SpawnOptions {
  /** The root actor's id: `arbor://<node>/<id>`. */
  id: string;
  /** Passed to the logic as its input. */
  input?: unknown;
  mailbox?: MailboxOptions;
  /** How long `shutdown()` waits for this actor to stop gracefully. */
  shutdown?: Shutdown;
  /** An XState persisted snapshot (`ref.getPersistedSnapshot()`) to start a worker from instead of its initial state (`INVALID_SPEC` for a supervisor). */
  snapshot?: unknown;
  /** Registers the actor under this id in the node's system registry, so XState's `system.get(systemId)` in any worker finds it. */
  systemId?: string;
}

/** A message that could not be delivered, and why. */
export interface DeadLetter {
  /** The path it was addressed to. */
  recipient: string;
  event: unknown;
  reason: ArborError;
  at: number;
}

/** What a supervisor reports. */
export type ReportKind = 'child_started' | 'child_restarted' | 'child_exited' | 'child_terminated' | 'shutdown';

/** A supervisor report, emitted as the system's `'report'` event and logged. */
export interface SupervisorReport {
  kind: ReportKind;
  /** The supervisor's path. */
  supervisor: string;
  /** The child's id (for `'shutdown'`: the child whose exit caused it). */
  child: string;
  /** The child's path. */
  childPath?: string;
  /** `'normal'` or the error for `child_exited`; `'MAX_RESTART_INTENSITY'` or `'AUTO_SHUTDOWN'` for `shutdown`. */
  reason?: unknown;
  at: number;
}

/** The events `system.on` can subscribe to. */
export interface SystemEvents extends Record<string, unknown> {
  report: SupervisorReport;
  deadLetter: DeadLetter;
}



/** Stops a subscription; `ready` resolves once the subscription reaches across nodes. */
export type Unsubscribe = (() => void) & { readonly ready: Promise<void> };

function defaultLogger(): Logger {
  return pino({ name: 'arbor', level: process.env.ARBOR_LOG_LEVEL ?? 'info' }, pino.destination({ fd: 2, sync: false }));
}

export class ActorSystem {
  readonly node: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  readonly transport: Transport;
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  readonly kinds: Readonly<Record<string, unknown>>;
  readonly random: () => number;
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
  readonly cluster: Cluster;
  private readonly pools = new Map<string, ActorRef>();
  private stopping: Promise<void> | undefined;

  constructor(
    options: SystemOptions,
    private readonly factories: readonly CellFactory[],
  ) {
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
    this.cluster = new Cluster(this);
  }

  /** @internal Connects the transport. */
  async _start(): Promise<void> {
    await this.transport.start({
      node: this.node,
      kinds: Object.keys(this.kinds),
      logger: this.logger,
      clock: this.clock,
      deliver: (envelope) => this.deliver(envelope),
      undeliverable: (envelope, error) => this.cluster.undeliverable(envelope, error),
      nodeUp: (info) => this.cluster.nodeUp(info),
      nodeDown: (node) => this.cluster.nodeDown(node),
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
   * @internal Makes and registers the owner's cell of a child of `kind` that runs on another node
   * (the first of `candidates` that is up and hosts the kind; any such node when undefined).
   */
  createRemoteCell(init: Omit<CellInit, 'system' | 'logic'>, kind: string, candidates: readonly string[] | undefined): RemoteChildCell {
    const cell = this.cluster.createRemoteChild({ ...init, logic: undefined, system: this }, kind, candidates);
    this.registry.set(cell.path, cell);
    return cell;
  }

  /** @internal True when other nodes can be reached (the transport is not the in-memory one). */
  get clustered(): boolean {
    return this.transport.name !== 'in-memory';
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
    const owner = nodeOfPath(full);
    if (owner === undefined || full.length <= `arbor://${owner}/`.length) return undefined;
    if (owner !== this.node) return this.transport.nodes().some((n) => n.node === owner) ? new RemoteActorRef(full, this.cluster) : undefined;
    return this.cluster.proxyAbove(full) ? new RemoteActorRef(full, this.cluster) : undefined;
  }

  /** This node's actors: its root trees and what it hosts for other nodes. */
  describe(): NodeTree {
    return this.cluster.describe();
  }

  /** Every live node's tree (asked over the transport; nodes that do not answer within `timeout` ms are listed as unreachable). */
  clusterStatus(options: { timeout?: number } = {}): Promise<ClusterStatus> {
    const timeout = options.timeout ?? 2000;
    if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
      return Promise.reject(new InvalidSpecError('timeout', timeout, 'must be a positive number of ms'));
    }
    return this.cluster.clusterStatus(timeout);
  }

  /**
   * A ref to the work pool of `kind`: each message goes to exactly one node that serves the pool
   * (competing consumers, RabbitMQ transport). On the in-memory transport this node's server, if any.
   */
  poolRef(kind: string): ActorRef {
    validateId(kind, 'kind');
    return new RemoteActorRef(`${POOL_TARGET}/${kind}`, {
      route: (_path, event) => this.sendToPool(kind, event),
      ask: (target, event, options) => this.ask(target, event, options),
      remoteResult: () => Promise.reject(new ArborError('NOT_FOUND', `a pool has no result (pool "${kind}")`, { kind })),
    });
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

  private sendToPool(kind: string, event: ArborEvent): void {
    if (!this.transport.sendToPool) {
      const server = this.pools.get(kind);
      if (server) server.send(event);
      else this.deadLetter(`${POOL_TARGET}/${kind}`, event, new ArborError('NOT_FOUND', `no node serves pool "${kind}"`, { kind }));
      return;
    }
    this.transport.sendToPool(kind, this.cluster.userEnvelope(`${POOL_TARGET}/${kind}`, event, undefined));
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
    if (this.transport.publish) {
      this.transport.publish(event.type, this.cluster.userEnvelope(TOPIC_TARGET, event, this.node));
    }
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

  /** @internal */
  ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T> {
    return this.asks.ask<T>(target, event, options);
  }

  /** Puts a message on the dead-letter stream (and fails its ask, if it was one). */
  deadLetter(recipient: string, event: unknown, reason: ArborError): void {
    this.deadLetters++;
    if (!failAsk(event, reason)) this.cluster.remoteAskFailed(event, reason);
    const type = (event as { type?: unknown } | null)?.type;
    this.logger.warn(
      { recipient, eventType: typeof type === 'string' ? type : describe(event), code: reason.code, correlationId: correlationOf(event) },
      `dead letter: ${reason.message}`,
    );
    this.events.emit('deadLetter', { recipient, event, reason, at: this.clock.now() }, (err) => this.listenerFailed(err));
  }

  /** @internal Publishes a supervisor report and logs it. */
  report(report: SupervisorReport): void {
    const level = report.kind === 'shutdown' ? 'error' : report.kind === 'child_exited' && report.reason !== 'normal' ? 'warn' : 'info';
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
      await this.cluster.shutdown();
      this.asks.failAll(reason);
      await this.transport.stop();
      await this.journal?.close?.();
      this.logger.flush?.();
    })();
    return this.stopping;
  }

  private deliver(envelope: Envelope): DeliveryResult {
    if (envelope.to === TOPIC_TARGET) {
      // Our own publishes were delivered locally already.
      if (envelope.from !== this.node) this.topics.deliver(reviveRefs(envelope.body, (p) => this.cluster.refFor(p)) as ArborEvent);
      return { ok: true };
    }
    if (envelope.to.startsWith(POOL_TARGET)) {
      const kind = envelope.to.slice(POOL_TARGET.length + 1);
      const server = this.pools.get(kind);
      // Not served here (any more): let the transport retry it, so another node takes it.
      if (!server) return { ok: false, retry: true, error: new ArborError('NOT_FOUND', `node "${this.node}" does not serve pool "${kind}"`, { kind }) };
      server.send(reviveRefs(envelope.body, (p) => this.cluster.refFor(p)) as ArborEvent);
      return { ok: true };
    }
    return this.cluster.deliver(envelope);
  }
}
