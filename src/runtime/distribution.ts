/**
 * The ports through which the runtime reaches other nodes. The runtime defines them and never
 * builds them: the distribution layer (`src/remote`) implements them and the composition root
 * (`createSystem`) installs it, the way it plugs in the cell factories. With these ports the
 * runtime does not know envelopes' wire form, the placement protocol, or which transport is used.
 */
import type { ArborError } from './errors.js';
import type { Cell, ChildRequest, TreeNode } from './cell.js';
import type { ArborEvent } from './event.js';
import type { ClusterStatus } from './node-status.js';
import type { ActorDetail } from './actor-detail.js';
import type { ActorRef } from './ref.js';
import type { SingletonExit } from './singleton-port.js';
import type { TransportHost } from './transport.js';

/** Routing: refs and messages for paths that have no cell on this node. */
export interface RoutingPort {
  /**
   * A ref for `path` (a full path with no local cell): a pending ask here, or a ref that routes to
   * wherever the actor runs; `undefined` when no actor can be there.
   */
  lookup(path: string): ActorRef | undefined;
  /** A ref to the work pool of `kind` (its messages go to one node serving it). */
  poolRef(kind: string): ActorRef;
  /** Sends a published event on to the other nodes (local subscribers have it already). */
  publish(event: ArborEvent): void;
  /**
   * A message to `recipient` was dead-lettered here: an ask waiting for it on another node fails
   * now (unless `askFailed`: it was an ask on this node, failed already), and the transport, if it
   * keeps a dead-letter queue, gets a copy.
   */
  deadLettered(event: unknown, reason: ArborError, recipient: string, askFailed: boolean): void;
  /** Tells every other live node that the singleton `id` run here ended for good. */
  singletonEnded(id: string, exit: SingletonExit): void;
}

/** Child placement: where a supervisor's child runs. */
export interface PlacementPort {
  /**
   * The cell of a child that runs on another node (its owner's half), or `undefined` when the
   * child runs here. Not yet registered: the system registers what it returns.
   */
  placeChild(request: ChildRequest): Cell | undefined;
}

/** Status across nodes. */
export interface StatusPort {
  /** What this node runs for supervisors on other nodes. */
  hosted(): TreeNode[];
  /** The cell of an incarnation this node runs for a supervisor on another node, if any. */
  hostedCell(path: string): Cell | undefined;
  clusterStatus(timeout: number): Promise<ClusterStatus>;
  /** One actor in detail, asked of `node` (the node that runs it); `undefined` when it has no such actor. */
  actorDetail(node: string, path: string, timeout: number): Promise<ActorDetail | undefined>;
  /** Asks `node` the named query (see `ActorSystem._queries`); `undefined` when it has no answer. */
  query(node: string, name: string, arg: string | undefined, timeout: number): Promise<unknown>;
}

/** Everything the distribution layer does for one system; its transport callbacks included. */
export interface Distribution extends RoutingPort, PlacementPort, StatusPort, Required<Pick<TransportHost, 'deliver' | 'undeliverable' | 'inboundDeadLettered' | 'nodeUp' | 'nodeDown'>> {
  /** Stops what runs here for other nodes and fails pending requests; before the transport stops. */
  shutdown(): Promise<void>;
}
