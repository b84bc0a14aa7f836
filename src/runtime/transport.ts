/**
 * The seam between one actor system and the others. The runtime talks to other nodes only through
 * a {@link Transport}; the default is {@link inMemoryTransport} (one process, one node), and
 * `src/transport` provides the RabbitMQ one. The runtime never imports a concrete transport.
 */
import type { Logger } from 'pino';
import { ArborError } from './errors.js';
import type { Clock } from './clock.js';

/** What travels between nodes: one message to one actor path, or one system message to a node. */
export interface Envelope {
  /** Unique message id; receivers process each id once. */
  id: string;
  /** Target actor path, `arbor://<node>/<id>/...`; it names a place in a tree, not a host. */
  to: string;
  /** Sender path, when the sender is an actor or an ask. */
  from?: string;
  /** `'user'` for actor events, `'system'` for runtime control messages (spawn, stop, exit, ...). */
  kind: 'user' | 'system';
  /** The event (a plain object with a string `type`) or the system message. */
  body: unknown;
  /** Propagated through replies and logs. */
  correlationId?: string;
  /** When it was first sent, by the sender's clock (ms). */
  sentAt: number;
  /** Delivery attempts so far (0 on first send); transports increase it on redelivery. */
  attempt?: number;
  /**
   * Set on a message an owner forwards to the incarnation of a remote child: that incarnation's
   * number and the message's sequence number within it (the host drops sequence numbers it has
   * already taken, and reports the highest one processed).
   */
  inc?: number;
  seq?: number;
  /**
   * String headers that travel with the message and are kept through retries and dead letters:
   * a redrive's original id (`arbor-original-id`), W3C trace context (`traceparent`), ...
   */
  headers?: Record<string, string>;
}

/** What a receiving runtime says about an envelope it was handed. */
export type DeliveryResult =
  /**
   * The target's mailbox took it (or it was a duplicate). `done`, when given, resolves once the
   * message is settled (processed, dead-lettered with a reason, or held by an owner that answers
   * for it; later also committed, for a durable actor): a transport that can keep a message on
   * its broker acknowledges only then, so a node that dies with it queued loses nothing. Without
   * `done`, taken means settled.
   */
  | { ok: true; done?: Promise<void> }
  /** It cannot be taken now or ever; `retry` says whether a later attempt could succeed. */
  | { ok: false; error: ArborError; retry: boolean };

/** A live node as seen through the transport. */
export interface NodeInfo {
  node: string;
  /** The kinds of logic this node hosts for others. */
  kinds: string[];
  /** When it was last heard from (clock ms). */
  lastSeen: number;
  /** The cluster singletons this node joined (spawned with `singleton: true`), when it says. */
  singletons?: string[];
}

/** What the runtime gives its transport at start. */
export interface TransportHost {
  readonly node: string;
  readonly kinds: readonly string[];
  /** Optional: the ids of the cluster singletons this node joined, which it tells the others (in its heartbeats). */
  singletons?(): readonly string[];
  readonly logger: Logger;
  readonly clock: Clock;
  /** Hands an inbound envelope to the local runtime. Resolves once the target mailbox has it (see `DeliveryResult.done` for when it is settled). */
  deliver(envelope: Envelope): DeliveryResult | Promise<DeliveryResult>;
  /** An outbound envelope could not be delivered (unroutable, too large, broker gone too long). */
  undeliverable(envelope: Envelope, error: ArborError): void;
  /**
   * Optional: the transport dead-lettered an inbound envelope by its own decision (an invalid body,
   * no attempts left) without the runtime having refused it; an ask waiting for its reply can fail now.
   */
  inboundDeadLettered?(envelope: Envelope, error: ArborError): void;
  /** A node joined (or was heard from for the first time). */
  nodeUp(info: NodeInfo): void;
  /** A node missed its heartbeats and is considered down. */
  nodeDown(node: string): void;
}

/** Moves envelopes between nodes. */
export interface Transport {
  readonly name: string;
  /** Connects and starts receiving for `host.node`. */
  start(host: TransportHost): Promise<void>;
  /** Sends an envelope to the runtime on `node`. Never throws for delivery problems: those go to `host.undeliverable`. */
  send(node: string, envelope: Envelope): void;
  /**
   * Optional: resolves once every send made before the call has settled with whatever carries it
   * (for RabbitMQ: the broker confirmed it, or it went to `host.undeliverable`). A host that acks
   * a message only once processed waits for this too when that processing sent more, so that a
   * crash between the ack and the sends cannot lose what the processing produced. Never rejects.
   */
  confirmed?(): Promise<void>;
  /**
   * Optional: sends a control envelope to `node` on a lane of its own, which user traffic to that
   * node never holds up: progress and exit reports of the children it placed elsewhere, and the
   * requests and replies between nodes. A node may hold a user message's ack until such a report
   * comes (the owner of a placed child acks a message for it once the host processed it); on one
   * queue with a prefetch bound, the report could wait behind the very messages waiting for it,
   * and once the node held `prefetch` of them nothing more would come (Akka's Artery keeps its
   * control stream apart from ordinary messages for the same reason). Order holds within the lane
   * (an incarnation's reports and its exit), not against the user lane, as locally an exit (a
   * system message) is processed before user messages queued ahead of it. Without this method,
   * control envelopes go through {@link Transport.send}: right for a transport without a prefetch bound.
   */
  sendControl?(node: string, envelope: Envelope): void;
  /** The live nodes, this one included. */
  nodes(): NodeInfo[];
  /**
   * Whether `node` is live (this one included): what `nodes()` says of one node, without copying
   * them all (the router asks it for every remote path it resolves). Optional: else `nodes()`.
   */
  isUp?(node: string): boolean;
  /** Flushes what it can, then disconnects. */
  stop(): Promise<void>;
  /**
   * Optional (RabbitMQ transport): sends to whichever node consumes the work pool of `kind`
   * (competing consumers). Problems go to `host.undeliverable`, as for {@link Transport.send}.
   */
  sendToPool?(kind: string, envelope: Envelope): void;
  /**
   * Optional: starts taking work from the pool of `kind` on this node, at most `prefetch` messages
   * unsettled at once (default: the transport's own); resolves to a stop function.
   */
  consumePool?(kind: string, options?: { prefetch?: number }): Promise<() => Promise<void>>;
  /**
   * Optional (RabbitMQ transport): sends to the cluster singleton `id`'s queue, which only the node
   * running it consumes. Problems go to `host.undeliverable`, as for {@link Transport.send}.
   */
  sendToSingleton?(id: string, envelope: Envelope): void;
  /**
   * Optional: consumes the singleton `id`'s queue as one of its candidates (a single-active-consumer
   * queue: the broker hands its messages to one consumer at a time, and to the next when that one's
   * connection closes or it stops). Its envelopes go to `host.deliver`; an envelope whose `done`
   * rejects goes back to the queue. Resolves once consuming, to a stop function.
   */
  consumeSingleton?(id: string): Promise<() => Promise<void>>;
  /**
   * Optional: whether some node said it joined the singleton `id` (also one that has gone down
   * since: the singleton outlives it) and it has not ended; `lookup('<id>')` routes to its queue.
   */
  heardOfSingleton?(id: string): boolean;
  /** Optional: the singleton `id` ended (its owner told every node): forget it. */
  forgetSingleton?(id: string): void;
  /**
   * Optional: after `node` went down, hands what is left in its inbound queue to `host.deliver`
   * on this node, then deletes that queue. Resolves to the number of envelopes handed over.
   */
  drainNode?(node: string): Promise<number>;
  /**
   * Optional (RabbitMQ transport): publishes a choreography event by its type to every node that
   * bound a matching pattern with {@link Transport.bindTopic}. Problems go to `host.undeliverable`.
   */
  publish?(topic: string, envelope: Envelope): void;
  /** Optional: from now on, events published with a topic matching `pattern` reach this node. */
  bindTopic?(pattern: string): Promise<void>;
  /** Optional: undoes {@link Transport.bindTopic}. */
  unbindTopic?(pattern: string): Promise<void>;
  /**
   * Optional (RabbitMQ transport): puts a copy of a user envelope the runtime dead-lettered on the
   * cluster's dead-letter queue, with its reason. Never throws; a failure is logged.
   */
  deadLetter?(envelope: Envelope, reason: ArborError): void;
  /**
   * Optional (RabbitMQ transport): the broker-side state of the cluster's node queues (each live
   * node's) and of the pool queues this node serves or sends to. Rejects when the broker cannot say.
   */
  queueStats?(): Promise<QueueStats[]>;
  /**
   * Optional: the broker routing key `envelope` will travel with to `destination` (a node, a pool
   * or a topic), for the `messaging.rabbitmq.destination.routing_key` span attribute. Only asked
   * when a tracer is installed.
   */
  routingKeyOf?(destination: RoutingDestination, envelope: Envelope): string;
}

/** Where an envelope is sent: a node's queue, a work pool, or a published topic. */
export type RoutingDestination = { node: string } | { pool: string } | { topic: string };

/** One broker queue as {@link Transport.queueStats} reports it. */
export interface QueueStats {
  queue: string;
  /** `'node'` or `'pool'`. */
  role: 'node' | 'pool';
  /** Messages ready for delivery. */
  messages: number;
  consumers: number;
  /** Messages delivered and not yet acknowledged; absent when the broker could not say (passive declares). */
  unacked?: number;
}

/**
 * The embedded default: one process, one node, no broker. Envelopes addressed to this node go
 * straight to the runtime; any other node is unknown (`NO_NODE`).
 */
export function inMemoryTransport(): Transport {
  let host: TransportHost | undefined;
  let startedAt = 0;
  return {
    name: 'in-memory',
    async start(h) {
      host = h;
      startedAt = h.clock.now();
    },
    send(node, envelope) {
      if (!host) throw new Error('in-memory transport used before start');
      const h = host;
      if (node !== h.node) {
        h.undeliverable(envelope, new ArborError('NO_NODE', `no node "${node}" on the in-memory transport`, { node }));
        return;
      }
      void h.deliver(envelope);
    },
    nodes() {
      return host ? [{ node: host.node, kinds: [...host.kinds], lastSeen: Math.max(startedAt, host.clock.now()) }] : [];
    },
    async stop() {
      host = undefined;
    },
  };
}
