/**
 * `createSystem`: the composition root. The runtime knows actors only as cells made by
 * factories, and other nodes only through its distribution ports; here the XState worker and
 * supervisor factories and the distribution layer (`src/remote`) are plugged in.
 */
import type { Logger } from 'pino';
import type { AnyActorLogic } from 'xstate';
import { xstateCellFactory } from './actors/index.js';
import { Cluster } from './remote/cluster.js';
import { ActorSystem } from './runtime/actor-system.js';
import type { SpawnOptions, SystemOptions } from './runtime/system-options.js';
import type { ArborEvent } from './runtime/event.js';
import type { ActorRef } from './runtime/ref.js';
import type { Clock } from './runtime/clock.js';
import type { NodeInfo } from './runtime/transport.js';
import type { ClusterStatus, NodeTree } from './runtime/node-status.js';
import type { SystemEvents, Unsubscribe } from './runtime/system-events.js';
import { supervisorCellFactory } from './supervision/supervisor-cell.js';
import type { SupervisorLogic } from './supervision/supervisor.js';
import type { SupervisorRef } from './supervision/supervisor-ref.js';
import type { LogicInput, RefOf } from './supervision/logic-types.js';

/** A running actor system: one node. */
export interface System {
  readonly node: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How many messages went to dead letters so far. */
  readonly deadLetters: number;
  /** Starts a root supervisor; its ref has the dynamic child API. */
  spawn(logic: SupervisorLogic, options: SpawnOptions): SupervisorRef;
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
  /** A ref to the work pool of `kind`: each message goes to one node serving it (competing consumers). */
  poolRef(kind: string): ActorRef;
  /** Serves the pool of `kind` on this node by handing its messages to `ref`; resolves to a stop function. */
  servePool(kind: string, ref: ActorRef): Promise<() => Promise<void>>;
  /** The live nodes (this one alone on the embedded transport). */
  nodes(): NodeInfo[];
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
export async function createSystem(options: SystemOptions = {}): Promise<System> {
  const system = new ArborSystem(options);
  await system._start();
  return system;
}

/**
 * The runtime's system with this package's plug-ins, typed as the public {@link System}: a
 * supervisor's ref is a {@link SupervisorRef}, which the runtime (below supervision) cannot name.
 */
class ArborSystem extends ActorSystem implements System {
  constructor(options: SystemOptions) {
    super(options, { cells: [supervisorCellFactory, xstateCellFactory], distribution: (system) => new Cluster(system) });
  }

  override spawn(logic: SupervisorLogic, options: SpawnOptions): SupervisorRef;
  override spawn<TLogic extends AnyActorLogic>(logic: TLogic, options: SpawnOptions<LogicInput<TLogic>>): RefOf<TLogic>;
  override spawn(logic: unknown, options: SpawnOptions): ActorRef {
    return super.spawn(logic, options);
  }
}
