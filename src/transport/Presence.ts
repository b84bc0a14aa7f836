/**
 * Noticing at once that a node's broker connection closed, from the broker itself.
 *
 * A killed process stops beating, but heartbeats can only tell that after the failure detector's
 * silence limit (seconds). The broker knows at once: it sees the TCP connection close. RabbitMQ
 * tells clients about that through one mechanism this uses, the single-active-consumer queue:
 *
 * - The {@link PresenceBeacon} of node B declares a queue `presence.<B>.<incarnation>.<session>`
 *   (auto-delete, `x-single-active-consumer`), consumes it first (so it is the active consumer),
 *   then publishes one token into it and holds that token unacknowledged. Its heartbeats name the
 *   queue.
 * - Every peer's {@link PresenceWatch} consumes the queue it heard named: standby consumers.
 * - When B's connection closes, the broker requeues the token and hands it, together with the
 *   active role, to one standby. That peer reports B `closed` (down at once) and tells the others
 *   with a goodbye marked `closed` on B's behalf.
 *
 * A token can only move while B's channel is gone, so a stalled but connected node (a long GC
 * pause) is never reported here: that is the failure detector's call. A new queue per connection
 * session keeps this sound across reconnections: after a broker restart the old queue is gone,
 * and a watcher can never become active on the new one before B, which announces it only once it
 * holds the token. A graceful stop acknowledges the token first, so leaving is said by the
 * ordinary goodbye, not by a token.
 */
import type { Logger } from 'pino';
import { ConsumerStatus, type Connection, type Consumer } from 'rabbitmq-client';
import { transportError } from './redact.js';
import type { Topology } from './topology.js';

const SINGLE_ACTIVE = { 'x-single-active-consumer': true } as const;

/** What the beacon needs. */
export interface PresenceBeaconOptions {
  connection: Connection;
  topology: Topology;
  node: string;
  incarnation: string;
  logger: Logger;
  url: string;
}

/** This node's presence queue and the token it holds there. */
export class PresenceBeacon {
  private session = 0;
  private consumer: Consumer | undefined;
  private release: (() => void) | undefined;
  private queue: string | undefined;
  private closed = false;

  constructor(private readonly options: PresenceBeaconOptions) {}

  /** The queue watchers should consume, once this node holds its token there; `undefined` before. */
  current(): string | undefined {
    return this.queue;
  }

  /**
   * Opens a new session: a fresh queue, consumed by this node, with the token in it. Called at
   * start and after every reconnection (the previous session's queue died with the connection or
   * gave its token to a watcher).
   */
  async open(): Promise<void> {
    if (this.closed) return;
    const { connection, topology, node, incarnation } = this.options;
    await this.dropSession();
    const queue = topology.presenceQueue(node, incarnation, ++this.session);
    await connection.queueDeclare({ queue, autoDelete: true, arguments: SINGLE_ACTIVE });
    const held = new Promise<void>((resolve, reject) => {
      const consumer = connection.createConsumer({ queue, queueOptions: { passive: true }, qos: { prefetchCount: 1 }, concurrency: 1 }, () => {
        this.queue = queue;
        resolve();
        // Held, unacknowledged, until this node leaves on purpose.
        return new Promise<ConsumerStatus>((ack) => (this.release = () => ack(ConsumerStatus.ACK)));
      });
      consumer.on('error', (err: unknown) => {
        // After a reconnection the old session's queue is gone; the next session replaces this consumer.
        this.options.logger.debug({ queue, err: transportError(err, this.options.url, 'presence consumer error').message }, 'presence consumer error');
        reject(err instanceof Error ? err : new Error(String(err)));
      });
      consumer.once('ready', () => {
        void publishToken(connection, queue).catch(reject);
      });
      this.consumer = consumer;
    });
    await held;
  }

  /** Leaving on purpose: gives up the token (acknowledged, so no watcher receives it) and the queue. */
  async close(): Promise<void> {
    this.closed = true;
    await this.dropSession();
  }

  private async dropSession(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.queue = undefined;
    this.release?.();
    this.release = undefined;
    if (consumer) await consumer.close().catch(() => undefined);
  }
}

async function publishToken(connection: Connection, queue: string): Promise<void> {
  const channel = await connection.acquire();
  try {
    await channel.basicPublish({ routingKey: queue }, 'token');
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** What the watch needs. */
export interface PresenceWatchOptions {
  connection: Connection;
  logger: Logger;
  url: string;
  /** The broker handed us `node`'s token: its connection of process `incarnation` closed. */
  onClosed(node: string, incarnation: string): void;
}

interface Watched {
  queue: string;
  incarnation: string;
  consumer: Consumer;
}

/** Standby consumers on the presence queues of this node's peers. */
export class PresenceWatch {
  private readonly watched = new Map<string, Watched>();

  constructor(private readonly options: PresenceWatchOptions) {}

  /** Watches `queue` for `node` (from its heartbeat); a no-op when already watching it. */
  watch(node: string, incarnation: string, queue: string): void {
    const known = this.watched.get(node);
    if (known?.queue === queue) return;
    if (known) this.unwatch(node);
    const { connection, logger, url } = this.options;
    const consumer = connection.createConsumer({ queue, queueOptions: { passive: true }, qos: { prefetchCount: 1 }, concurrency: 1 }, () => {
      // Only B's channel closing moves the token to a standby: B's connection is gone.
      if (this.watched.get(node)?.queue === queue) {
        this.unwatch(node);
        this.options.onClosed(node, incarnation);
      }
      return ConsumerStatus.ACK;
    });
    consumer.on('error', (err: unknown) => {
      // NOT_FOUND: the queue is gone (the node left, or the broker restarted); its next heartbeat names a new one.
      logger.debug({ peer: node, queue, err: transportError(err, url, 'presence watch error').message }, 'presence watch stopped');
      if (this.watched.get(node)?.consumer === consumer) this.unwatch(node);
      else void consumer.close().catch(() => undefined);
    });
    this.watched.set(node, { queue, incarnation, consumer });
  }

  /** Stops watching `node`. */
  unwatch(node: string): void {
    const known = this.watched.get(node);
    if (!known) return;
    this.watched.delete(node);
    void known.consumer.close().catch(() => undefined);
  }

  /** Stops every watch. */
  async close(): Promise<void> {
    const all = [...this.watched.values()];
    this.watched.clear();
    await Promise.allSettled(all.map((w) => w.consumer.close()));
  }
}
