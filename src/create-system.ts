/**
 * `createSystem`: the composition root. The runtime knows actors only as cells made by
 * factories, and other nodes only through its distribution ports; here the XState worker and
 * supervisor factories and the distribution layer (`src/remote`) are plugged in.
 */
import type { Logger } from 'pino';
import type { AnyActorLogic, AnyStateMachine } from 'xstate';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { toDot } from './diagrams/dot.js';
import type { ActorDetail } from './runtime/actor-detail.js';
import { ownCellFactory, xstateCellFactory } from './actors/index.js';
import { durableCellFactory, type DurableRuntime } from './durable/index.js';
import { Singletons } from './durable/singletons.js';
import { DEFAULT_WORKFLOW_BUFFER, WORKFLOW_QUERY, WorkflowBuffer } from './observability/workflow-buffer.js';
import { SystemMetrics } from './observability/metrics.js';
import { OtelMessageTracer, tracingEnabled } from './observability/tracing.js';
import { CHAIN_SLIP, reviveSlip } from './patterns/chain-slip.js';
import { Cluster } from './remote/cluster.js';
import { ActorSystem } from './runtime/actor-system.js';
import { InvalidSpecError } from './runtime/errors.js';
import type { SpawnOptions, SystemOptions } from './runtime/system-options.js';
import type { ArborEvent } from './runtime/event.js';
import type { ActorRef } from './runtime/ref.js';
import type { PoolWorkerRef, ServePoolOptions } from './runtime/pool-server.js';
import type { Clock } from './runtime/clock.js';
import type { NodeInfo } from './runtime/transport.js';
import type { ClusterStatus, NodeTree } from './runtime/node-status.js';
import type { DeadLetter, SystemEvents, Unsubscribe } from './runtime/system-events.js';
import type { DeadLetterFilter } from './runtime/dead-letter-log.js';
import { supervisorCellFactory } from './supervision/supervisor-cell.js';
import type { SupervisorLogic } from './supervision/supervisor.js';
import type { SupervisorRef } from './supervision/supervisor-ref.js';
import { GroupCommitter } from './store/GroupCommitter.js';
import { localStore } from './store/LocalStore.js';
import type { StateStore } from './store/StateStore.js';

/** Options of `createSystem`: the runtime's, and where durable actors keep their state. */
export interface CreateSystemOptions extends SystemOptions {
  /**
   * Where durable actors commit their state (`localStore(path)`, `postgresStore({ url })`).
   * @default `localStore('.arbor/<node>')` under the working directory, opened when the first durable actor starts
   */
  store?: StateStore;
}

/** How long the lease a durable incarnation takes on its path lasts (each takes it with force). */
const DURABLE_LEASE_TTL = 30_000;
/**
 * How long a singleton's lease lasts; its holder renews it every third of this, which is also how
 * long a holder that only looked dead and was fenced meanwhile may take to notice while idle.
 */
const SINGLETON_LEASE_TTL = 6_000;
import type { LogicInput, RefOf } from './supervision/logic-types.js';

/** A running actor system: one node. */
export interface System {
  readonly node: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How many messages went to dead letters on this node so far. */
  readonly deadLetterCount: number;
  /**
   * The recent dead letters of this node, newest first (a bounded ring, `deadLetterCapacity`),
   * filtered by reason `code`, recipient `path` (and the actors below it) or `correlationId`.
   * On a clustered node each one also goes to the cluster's dead-letter queue (`arbor dlq`).
   *
   * @example
   * for (const d of system.deadLetters({ code: 'ACTOR_CRASHED', limit: 10 })) console.log(d.recipient, d.reason.message);
   */
  deadLetters(filter?: DeadLetterFilter): DeadLetter[];
  /** Starts a root supervisor; its ref has the dynamic child API. */
  spawn<TOutput>(logic: SupervisorLogic<TOutput>, options: SpawnOptions): SupervisorRef<TOutput>;
  /** Starts a root worker from any XState actor logic; the ref is typed by the logic's events and output. */
  spawn<TLogic extends AnyActorLogic>(logic: TLogic, options: SpawnOptions<LogicInput<TLogic>>): RefOf<TLogic>;
  /** The ref at `arbor://node/a/b` (or `a/b`), or `undefined`. */
  lookup(path: string): ActorRef | undefined;
  /** Subscribes to `'report'` (supervisor reports) or `'deadLetter'`; returns an unsubscribe function. */
  on<K extends keyof SystemEvents>(name: K, listener: (value: SystemEvents[K]) => void): () => void;
  /** Choreography: sends `event` to every actor subscribed to a pattern matching its type, on any node. */
  publish(event: ArborEvent): void;
  /** Subscribes `ref` to published events whose type matches `pattern` (`research.*`, `order.#`). */
  subscribe(pattern: string, ref: ActorRef<never>): Unsubscribe;
  /** This node's actors: its root trees, and what it hosts for supervisors on other nodes. */
  describe(): NodeTree;
  /** Every live node's tree, asked over the transport (`unreachable`: nodes that did not answer within `timeout` ms, default 2000). */
  clusterStatus(options?: { timeout?: number }): Promise<ClusterStatus>;
  /**
   * One actor in detail (state, context, mailbox, last events, its machine as DOT), asked of
   * `node`, the node that runs it (a tree row's `node`; default this one); `undefined` when none is there.
   */
  actorDetail(path: string, options?: { node?: string; timeout?: number }): Promise<ActorDetail | undefined>;
  /** The address of this system's inspector page, when `createSystem({ inspector })` serves one. */
  readonly inspectorUrl: string | undefined;
  /** A ref to the work pool of `kind`: each message goes to one node serving it (competing consumers). */
  poolRef(kind: string): ActorRef;
  /**
   * Serves the pool of `kind` on this node by handing its messages to `workers` (one local actor or
   * several), `concurrency` at a time; each is acked once its worker finished it. Resolves to a stop function.
   */
  servePool(kind: string, workers: PoolWorkerRef | readonly PoolWorkerRef[], options?: ServePoolOptions): Promise<() => Promise<void>>;
  /** The live nodes (this one alone on the embedded transport). */
  nodes(): NodeInfo[];
  /**
   * The Prometheus exposition text of this node's metrics (`createSystem({ metrics: true })`):
   * `arbor_messages_processed_total`, `arbor_message_processing_seconds`, `arbor_mailbox_depth`,
   * `arbor_mailbox_oldest_message_age_seconds`, `arbor_dead_letters_total`, `arbor_restarts_total`,
   * `arbor_actors`, and across nodes `arbor_broker_queue_messages` / `_consumers`. Empty when
   * metrics are off.
   *
   * @example
   * const system = await createSystem({ metrics: true });
   * http.createServer(async (_req, res) => res.end(await system.metrics())).listen(9464);
   */
  metrics(): Promise<string>;
  /** Resolves when no actor has work queued; timers may still be pending. */
  idle(): Promise<void>;
  /** Stops every root actor in reverse start order, then the transport. */
  shutdown(): Promise<void>;
}

/**
 * Creates and starts an actor system.
 *
 * @example
 * const system = await createSystem({ node: 'node-a' });
 * const root = system.spawn(supervisor({ children: [{ id: 'w1', logic: worker }] }), { id: 'root' });
 * system.lookup('root/w1')?.send({ type: 'work' });
 * await system.shutdown();
 */
export async function createSystem(options: CreateSystemOptions = {}): Promise<System> {
  const metrics = options.metrics ? await SystemMetrics.load(typeof options.metrics === 'object' ? options.metrics : {}) : undefined;
  const bufferSize = options.workflowBuffer ?? (options.inspector !== undefined ? DEFAULT_WORKFLOW_BUFFER : 0);
  if (!(Number.isInteger(bufferSize) && bufferSize >= 0)) throw new InvalidSpecError('workflowBuffer', options.workflowBuffer, 'must be a whole number of events (0: off)');
  // Loaded only when asked for: `import 'arbor'` never loads the inspector's server or esbuild.
  const inspector = options.inspector === undefined ? undefined : await import('./inspector/index.js');
  inspector?.normalizeInspectorOptions(options.inspector);
  const workflows = bufferSize > 0 ? new WorkflowBuffer(bufferSize, options.journal) : undefined;
  const system = new ArborSystem(workflows ? { ...options, journal: workflows } : options, metrics);
  // Any inspector of the cluster asks every node for its part of a workflow.
  if (workflows) system._queries.set(WORKFLOW_QUERY, (correlationId) => (correlationId === undefined ? workflows.list() : workflows.workflow(correlationId)));
  await system._start();
  if (inspector === undefined) return system;
  try {
    const served = await inspector.startInspector(system, options.inspector, inspector.clusterWorkflows(system));
    system._inspector = served;
  } catch (err) {
    await system.shutdown();
    throw err;
  }
  return system;
}

/**
 * The runtime's system with this package's plug-ins, typed as the public {@link System}: a
 * supervisor's ref is a {@link SupervisorRef}, which the runtime (below supervision) cannot name.
 */
class ArborSystem extends ActorSystem implements System {
  /** @internal The inspector this system serves, if any. */
  _inspector: { readonly url: string; close(): Promise<void> } | undefined;
  private durable: DurableRuntime | undefined;
  private readonly durableStore: { store: StateStore | undefined; owned: boolean };

  constructor(
    options: CreateSystemOptions,
    private readonly _metrics: SystemMetrics | undefined,
  ) {
    const durable = durableCellFactory(() => this.durableRuntime());
    super(options, {
      cells: [supervisorCellFactory, durable, ownCellFactory, xstateCellFactory],
      distribution: (system) => new Cluster(system),
      diagram: (logic) => toDot(logic as AnyStateMachine),
      meter: _metrics,
      tracer: tracingEnabled() ? (system) => new OtelMessageTracer(system.node) : undefined,
      singletons: (system) => new Singletons(system, () => this.durableRuntime(), { leaseTtl: SINGLETON_LEASE_TTL }),
      relays: { [CHAIN_SLIP]: reviveSlip },
    });
    this.durableStore = { store: options.store, owned: options.store === undefined };
    _metrics?.attach(this);
  }

  /** The store and committer of durable actors, made when the first one starts. */
  private durableRuntime(): DurableRuntime {
    if (this.durable) return this.durable;
    const store = (this.durableStore.store ??= localStore(join(process.cwd(), '.arbor', this.node)));
    const singletons = this._singletons as Singletons | undefined;
    this.durable = {
      node: this.node,
      owner: `${this.node}/${randomUUID().slice(0, 8)}`,
      store,
      committer: new GroupCommitter(store),
      leaseTtl: DURABLE_LEASE_TTL,
      sharedFence: (path) => singletons?.fenceFor(path),
    };
    return this.durable;
  }

  /**
   * The owner's half of a durable child placed on another node was deleted: its state goes from
   * this system's store, which must be the one the nodes share (`postgresStore`); without a store
   * given to `createSystem` there is none to reach, and nothing is done. The lease is taken by
   * force first, so a host that only looked dead cannot commit the state back afterwards (its
   * commits are refused with `FENCED`).
   */
  override forgetState(path: string): void {
    if (!this.durableStore.store) {
      this.logger.debug({ path }, 'no shared store given to createSystem: the state of a remote durable child stays where its host kept it');
      return;
    }
    const rt = this.durableRuntime();
    const forget = async (): Promise<void> => {
      const lease = await rt.store.acquireLease(path, rt.owner, { ttl: rt.leaseTtl, force: true });
      await rt.committer.commit(lease ? { op: 'delete', path, fence: { key: lease.key, token: lease.token } } : { op: 'delete', path });
      if (lease) await rt.store.releaseLease(lease);
    };
    forget().catch((err: unknown) => this.logger.warn({ err, path }, 'could not delete the state of a durable child that was deleted'));
  }

  metrics(): Promise<string> {
    return this._metrics ? this._metrics.metrics() : Promise.resolve('');
  }

  get inspectorUrl(): string | undefined {
    return this._inspector?.url;
  }

  /** Stops the inspector and every actor, then makes every commit durable; a store this system opened itself is closed. */
  override async shutdown(): Promise<void> {
    const inspector = this._inspector;
    this._inspector = undefined;
    await inspector?.close();
    await super.shutdown();
    const durable = this.durable;
    if (!durable) return;
    await durable.committer.close();
    if (this.durableStore.owned) await durable.store.close();
  }

  override spawn<TOutput>(logic: SupervisorLogic<TOutput>, options: SpawnOptions): SupervisorRef<TOutput>;
  override spawn<TLogic extends AnyActorLogic>(logic: TLogic, options: SpawnOptions<LogicInput<TLogic>>): RefOf<TLogic>;
  override spawn(logic: unknown, options: SpawnOptions): ActorRef {
    return super.spawn(logic, options);
  }
}
