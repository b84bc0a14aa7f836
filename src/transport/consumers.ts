/**
 * The consumers a node runs, as rabbitmq-client `ConsumerProps`. Each consumer re-runs its whole
 * setup (exchange, queue, bindings, QoS) on every reconnection, which is what restores
 * subscriptions after the broker connection drops; so everything a consumer depends on is declared
 * in its props, not once at start.
 *
 * Prefetch and concurrency, deliberately:
 * - node queue: `prefetch` (64) messages prefetched and handled concurrently; per-sender order is
 *   kept by the inbound path, which hands envelopes to the host in arrival order (a chain), while
 *   the broker round trips of retries and dead letters overlap (`./Inbound.ts`). With concurrency 1,
 *   each dead letter's confirm held up every message behind it. Consumed by a `BatchAckConsumer`
 *   (one multiple ack per event-loop turn for each run of settled messages), as is the control queue.
 * - pool queue: `poolPrefetch` (8) for both. Pool work is unordered, so messages run concurrently,
 *   and prefetch equals concurrency so that nothing sits prefetched-but-idle on one node while a
 *   peer competing for the same queue has spare capacity. Pool queues are consumed by a
 *   `BatchAckConsumer` (acks coalesced into multiple acks, see `./AckWindow.ts`): a pool message
 *   is acked once processed, and one ack frame each was a good part of a pool message's cost.
 *   An AMQP message of a pool may carry a batch of pool messages (`poolBatch`), so on classic
 *   queues the prefetch set here is replaced by a channel-wide limit counted in pool messages
 *   (`./PoolCredit.ts`); on quorum queues it is `poolPrefetch / poolBatch` AMQP messages.
 * - control queue: `prefetch` as well; nothing on it waits to be acked (see `controlConsumerProps`).
 * - heartbeat and tap queues: `noAck`; a lost beat or tapped copy costs nothing.
 */
import type { Connection, Consumer, ConsumerProps, ConsumerHandler } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { transportError } from './redact.js';
import type { QueueType } from './options.js';
import type { Topology } from './topology.js';

type Declarations = Pick<ConsumerProps, 'exchanges'>;

/** The topic exchange every consumer needs before it can bind. */
export function clusterExchanges(topology: Topology): Declarations {
  return { exchanges: [{ exchange: topology.exchange, type: 'topic', durable: true }] };
}

/** The arguments that make a declared queue of `type`. */
export function queueTypeArguments(type: QueueType): { 'x-queue-type'?: 'quorum' } {
  return type === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
}

/** What kind of queue a node's inbound queue is. */
export interface NodeQueueOptions {
  queueType: QueueType;
  /** An observer's queue: exclusive, deleted with its connection (always classic: quorum queues cannot be exclusive). */
  ephemeral: boolean;
}

/** A node's own queue: durable (of the configured type), or exclusive for an ephemeral node. */
function ownQueueOptions(kind: NodeQueueOptions): ConsumerProps['queueOptions'] {
  return kind.ephemeral ? { exclusive: true, autoDelete: true } : { durable: true, arguments: queueTypeArguments(kind.queueType) };
}

/** This node's inbound queue (durable, or exclusive for an ephemeral node); the inbound path keeps arrival order (see above). */
export function nodeConsumerProps(topology: Topology, node: string, prefetch: number, kind: NodeQueueOptions): ConsumerProps {
  return queueConsumerProps(topology, topology.nodeQueue(node), topology.nodeBinding(node), prefetch, prefetch, ownQueueOptions(kind));
}

/**
 * This node's control queue (same durability as its node queue): reports, requests and replies,
 * each handled at once and acked, never held, so its prefetch never fills with waiting messages.
 */
export function controlConsumerProps(topology: Topology, node: string, prefetch: number, kind: NodeQueueOptions): ConsumerProps {
  return queueConsumerProps(topology, topology.controlQueue(node), topology.controlKey(node), prefetch, prefetch, ownQueueOptions(kind));
}

/** A shared work-pool queue (competing consumers), worked concurrently up to its prefetch. */
export function poolConsumerProps(topology: Topology, kind: string, prefetch: number, queueType: QueueType, priority = false): ConsumerProps {
  const args = priority ? { ...queueTypeArguments(queueType), 'x-max-priority': 1 } : queueTypeArguments(queueType);
  return queueConsumerProps(topology, topology.poolQueue(kind), topology.poolKey(kind), prefetch, prefetch, { durable: true, arguments: args });
}

/**
 * The queue of the cluster singleton `id`: single active consumer, so its messages go, in order,
 * to one of the nodes consuming it; the next one takes over when that one's connection closes.
 */
export function singletonConsumerProps(topology: Topology, id: string, prefetch: number, queueType: QueueType): ConsumerProps {
  const args = { ...queueTypeArguments(queueType), 'x-single-active-consumer': true };
  return queueConsumerProps(topology, topology.singletonQueue(id), topology.singletonKey(id), prefetch, prefetch, { durable: true, arguments: args });
}

function queueConsumerProps(
  topology: Topology,
  queue: string,
  routingKey: string,
  prefetch: number,
  concurrency: number,
  queueOptions: ConsumerProps['queueOptions'],
): ConsumerProps {
  return {
    ...clusterExchanges(topology),
    queue,
    queueOptions,
    queueBindings: [{ exchange: topology.exchange, queue, routingKey }],
    qos: { prefetchCount: prefetch },
    concurrency,
    requeue: true,
  };
}

/** This node's private heartbeat queue; stale beats expire after `ttl` ms. */
export function heartbeatConsumerProps(topology: Topology, node: string, incarnation: string, ttl: number): ConsumerProps {
  const queue = topology.heartbeatQueue(node, incarnation);
  return {
    ...clusterExchanges(topology),
    queue,
    queueOptions: { exclusive: true, autoDelete: true, arguments: { 'x-message-ttl': ttl } },
    queueBindings: [
      { exchange: topology.exchange, queue, routingKey: 'hb.*' },
      { exchange: topology.exchange, queue, routingKey: 'bye.*' },
    ],
    noAck: true,
  };
}

/**
 * The cluster's presence queue: consumed by every running node, never bound, so it stays empty;
 * auto-delete, so it goes when the last node's consumer does.
 */
export function membersConsumerProps(topology: Topology): ConsumerProps {
  return { queue: topology.membersQueue, queueOptions: { durable: false, autoDelete: true }, noAck: true };
}

/** A private queue for an observer bound to `pattern`. */
export function tapConsumerProps(topology: Topology, queue: string, pattern: string): ConsumerProps {
  return {
    ...clusterExchanges(topology),
    queue,
    queueOptions: { exclusive: true, autoDelete: true },
    queueBindings: [{ exchange: topology.exchange, queue, routingKey: pattern }],
    noAck: true,
  };
}

/** What {@link startConsumer} needs of a consumer: rabbitmq-client's `Consumer`, or a `BatchAckConsumer`. */
export interface StartedConsumer {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  once(event: 'ready', listener: () => void): unknown;
  close(): Promise<void>;
}

/**
 * Creates a consumer and resolves once it consumes (or rejects after `timeoutMs`, closing it).
 * Consumer errors (setup failures while reconnecting, cancellations) are logged, redacted; an
 * `error` event without a listener would crash the process.
 */
export function startConsumer(
  connection: Connection,
  props: ConsumerProps,
  handler: ConsumerHandler,
  deps: { logger: Logger; url: string; timeoutMs: number },
): Promise<Consumer> {
  return whenReady(connection.createConsumer(props, handler), props.queue, deps);
}

/** Resolves with `consumer` once it consumes (or rejects after `timeoutMs`, closing it); logs its errors, redacted. */
export async function whenReady<C extends StartedConsumer>(consumer: C, queue: string | undefined, deps: { logger: Logger; url: string; timeoutMs: number }): Promise<C> {
  consumer.on('error', (err: unknown) => {
    deps.logger.warn({ queue, err: transportError(err, deps.url, 'consumer error').message }, 'consumer error');
  });
  consumer.on('ready', () => deps.logger.debug({ queue }, 'consumer ready'));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      consumer.once('ready', resolve);
      // Real time, not the host clock: this bounds broker I/O and must fire under a simulated clock too.
      timer = setTimeout(() => reject(new Error(`consumer for ${queue ?? '?'} not ready within ${deps.timeoutMs} ms`)), deps.timeoutMs);
    });
  } catch (err) {
    await consumer.close().catch(() => undefined);
    throw transportError(err, deps.url, 'cannot start consumer', { queue });
  } finally {
    clearTimeout(timer);
  }
  return consumer;
}
