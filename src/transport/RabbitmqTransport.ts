/**
 * The RabbitMQ transport: one AMQP connection per node, carrying the node's inbound queue, its
 * heartbeat queue, any work-pool and tap consumers, and one confirm-mode publishing channel. The
 * names and routing keys are documented in `./topology.ts`; the inbound path (ack, retry,
 * dead-letter) in `./Inbound.ts`; confirms and deadlines in `./ConfirmedPublisher.ts`.
 *
 * Guarantees: at least once, with ids deduplicated by the receiver; nothing vanishes — an envelope
 * that cannot be delivered comes back to the sender's `host.undeliverable` (too large, unroutable,
 * not confirmed within `sendTimeout`) or lands in the dead-letter queue with a reason. Ordering
 * holds per sender and destination while the connection holds. `stop()` completes within
 * `stopTimeout` whatever the broker does.
 *
 * Why this file is over 400 lines: it wires the parts that live in their own files (Inbound,
 * ConfirmedPublisher, Membership, Presence, Coalescer, leftovers, dead letters, queue stats) to
 * one connection and one lifecycle; what remains is that wiring plus start and stop.
 *
 * Timing: heartbeats, node-down detection, send deadlines and publish retry pacing run on
 * `host.clock`; only the start and stop bounds use real time (they bound I/O and must fire even
 * when a test drives the runtime with a simulated clock).
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { ConsumerStatus } from 'rabbitmq-client';
import type { AsyncMessage, Connection, ConsumerHandler, ConsumerProps } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { ArborError, InvalidSpecError } from '../runtime/errors.js';
import type { Envelope, NodeInfo, QueueStats, RoutingDestination, Transport, TransportHost } from '../runtime/transport.js';
import { retryTiers } from './backoff.js';
import { decodeFrame, encodeBye, encodeEnvelope, encodeHeartbeat } from './codec.js';
import { Coalescer } from './Coalescer.js';
import { corkedWrites } from './socket-cork.js';
import { openConnection } from './connect.js';
import type { OutFrame } from './Coalescer.js';
import { ConfirmedPublisher } from './ConfirmedPublisher.js';
import { ACK_DELAY_MS, BatchAckConsumer } from './BatchAckConsumer.js';
import { controlConsumerProps, heartbeatConsumerProps, membersConsumerProps, nodeConsumerProps, poolConsumerProps, queueTypeArguments, singletonConsumerProps, startConsumer, tapConsumerProps, whenReady } from './consumers.js';
import type { StartedConsumer } from './consumers.js';
import { deadLetterRequest, recipientKey } from './dead-letter.js';
import { Dedup } from './Dedup.js';
import { deleteControlQueue, drainQueue } from './drain.js';
import { managementStats } from './management-stats.js';
import { passiveStats } from './queue-stats.js';
import { Inbound } from './Inbound.js';
import { isLastNode, removeLeftovers } from './leftovers.js';
import type { InboundSource } from './Inbound.js';
import { PhiAccrualDetector } from './FailureDetector.js';
import { Membership } from './Membership.js';
import { PresenceBeacon, PresenceWatch } from './Presence.js';
import { normalizeRabbitmqOptions } from './options.js';
import type { NormalizedRabbitmqOptions, RabbitmqTransportOptions } from './options.js';
import { redactUrl, transportError } from './redact.js';
import { tappedMessages } from './taps.js';
import type { TapHandler, StopTap } from './taps.js';
import { Topology } from './topology.js';

/** Everything that exists only between `start` and `stop`. */
interface Running {
  host: TransportHost;
  logger: Logger;
  connection: Connection;
  publisher: ConfirmedPublisher;
  inbound: Inbound;
  membership: Membership;
  coalescer: Coalescer;
  beacon: PresenceBeacon;
  watch: PresenceWatch;
}

/** A {@link Transport} over RabbitMQ. Create it with {@link rabbitmqTransport}. */
export class RabbitmqTransport implements Transport {
  readonly name = 'rabbitmq';
  /** The options after normalisation. */
  readonly options: NormalizedRabbitmqOptions;
  /** Exchange, queue and routing-key names of this cluster. */
  readonly topology: Topology;
  /** Random per start; tells this process from an earlier one with the same node name. */
  readonly incarnation = randomUUID().slice(0, 8);
  private run: Running | undefined;
  /** Kept after stop, so that late sends still reach `host.undeliverable` instead of vanishing. */
  private host: TransportHost | undefined;
  private stopping: Promise<void> | undefined;
  private readonly consumers = new Set<StartedConsumer>();
  /** Pool kinds this node consumed: the last node removes their queues if empty and unused. */
  private readonly pools = new Set<string>();
  /** Pools this node serves now, each with its prefetch (told in heartbeats: senders' batches fit it). */
  private readonly serving = new Map<string, number[]>();
  private startedAt = 0;
  private tapSeq = 0;
  /** Pools this node served or sent to: their queues are in {@link queueStats}. */
  private readonly statPools = new Set<string>();
  /** The management API failed and that was logged: no new warning until it answers again. */
  private managementWarned = false;
  /** The {@link confirmed} barrier of this tick, shared by every call until it closes. */
  private barrier: Promise<void> | undefined;

  constructor(options: RabbitmqTransportOptions = {}) {
    this.options = normalizeRabbitmqOptions(options);
    this.topology = new Topology(this.options.cluster);
  }

  /** Connects, declares the topology, starts consuming and beating. Rejects with `TRANSPORT_ERROR` (URL redacted). */
  async start(host: TransportHost): Promise<void> {
    if (this.run || this.stopping) throw new ArborError('TRANSPORT_ERROR', 'rabbitmq transport can be started once', { node: host.node });
    const { options: o, topology } = this;
    const logger = host.logger.child({ component: 'transport', node: host.node, cluster: o.cluster });
    const connection = await this.connect(host.node, logger);
    const publisher = new ConfirmedPublisher({ connection, clock: host.clock, sendTimeout: o.sendTimeout, url: o.url, logger });
    const inbound = new Inbound({ host, logger, dedup: new Dedup(o.dedupCapacity), options: o, topology, publisher });
    const membership = new Membership({
      self: host.node,
      clock: host.clock,
      heartbeat: o.heartbeat,
      detector: () => new PhiAccrualDetector({ heartbeat: o.heartbeat, ...o.failureDetector }),
      listening: () => connection.ready,
      onUp: (info) => {
        logger.info({ peer: info.node, kinds: info.kinds }, 'node up');
        host.nodeUp(info);
      },
      onDown: (node, reason) => {
        // A node that said goodbye left on purpose (a stopped node, an `arbor status` observer): not a warning.
        logger[reason === 'bye' ? 'info' : 'warn']({ peer: node, reason }, 'node down');
        watch.unwatch(node);
        host.nodeDown(node);
      },
    });
    const beacon = new PresenceBeacon({ connection, topology, node: host.node, incarnation: this.incarnation, logger, url: o.url });
    const watch = new PresenceWatch({ connection, logger, url: o.url, onClosed: (node, incarnation) => this.peerClosed(node, incarnation) });
    const coalescer = new Coalescer(
      o.coalesce,
      (frame) => this.publishFrame(frame),
      (emits) => corkedWrites(connection, emits),
    );
    this.run = { host, logger, connection, publisher, inbound, membership, coalescer, beacon, watch };
    this.host = host;
    this.startedAt = host.clock.now();
    try {
      await this.consume(nodeConsumerProps(topology, host.node, o.prefetch, o), 'node');
      await this.consume(controlConsumerProps(topology, host.node, o.prefetch, o), 'control');
      await beacon.open();
      // Every reconnection is a new presence session: the old queue died with the connection or gave its token away.
      connection.on('connection', () => void beacon.open().catch((err: unknown) => logger.warn({ err: transportError(err, o.url, 'presence').message }, 'presence queue not reopened')));
      await this.startHeartbeats();
    } catch (err) {
      this.run = undefined;
      publisher.abort('transport failed to start');
      connection.unsafeDestroy();
      throw err;
    }
    logger.info({ url: redactUrl(o.url), incarnation: this.incarnation }, 'rabbitmq transport started');
  }

  /** What `util.inspect` shows: never the URL's password, nor the client's connection options. */
  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }

  /** What `JSON.stringify` shows (the same redacted facts as `util.inspect`). */
  toJSON(): Record<string, unknown> {
    return { name: this.name, url: redactUrl(this.options.url), cluster: this.options.cluster, node: this.host?.node, incarnation: this.incarnation, running: this.run !== undefined };
  }

  /** Sends an envelope to `node`'s inbound queue (coalesced within the tick). */
  send(node: string, envelope: Envelope): void {
    this.enqueue(`node:${node}`, this.topology.envelopeKey(node, envelope.kind, envelope.body), envelope);
  }

  /** Sends a control envelope to `node`'s control queue (coalesced within the tick; see `Transport.sendControl`). */
  sendControl(node: string, envelope: Envelope): void {
    this.enqueue(`ctl:${node}`, this.topology.controlKey(node), envelope);
  }

  /**
   * Resolves once every send made before the call is confirmed by the broker or reported to
   * `host.undeliverable`. Calls within one tick share one barrier, which closes on the next check
   * phase (after the coalescer's batch of this tick has been published), so a host that waits on
   * it per message costs one snapshot of the publishes in flight per tick, not one per message.
   */
  confirmed(): Promise<void> {
    const run = this.run;
    if (!run) return Promise.resolve();
    return (this.barrier ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        this.barrier = undefined;
        // Usually empty: the coalescer's own flush ran first, having been scheduled first.
        if (run.coalescer.size > 0) run.coalescer.flush();
        void run.publisher.inFlightSettled().then(resolve);
      });
    }));
  }

  /** The routing key {@link send}, {@link sendToPool} or {@link publish} gives `envelope`. */
  routingKeyOf(destination: RoutingDestination, envelope: Envelope): string {
    if ('node' in destination) return this.topology.envelopeKey(destination.node, envelope.kind, envelope.body);
    if ('pool' in destination) return this.topology.poolKey(destination.pool);
    return this.topology.topicKey(destination.topic);
  }

  /**
   * Sends an envelope to the work pool of `kind`: one consuming node takes it. Pool sends of one
   * turn are coalesced into batches of at most `poolBatch` (8; a batch is taken by one consumer
   * whole, its prefetch counting the messages in it: see `./PoolCredit.ts`), urgent ones apart so
   * that they keep their priority.
   */
  sendToPool(kind: string, envelope: Envelope): void {
    this.statPools.add(kind);
    const batch = this.poolBatchFor(kind);
    if (batch <= 1) return this.enqueue(undefined, this.topology.poolKey(kind), envelope);
    const urgent = envelope.headers?.['arbor-priority'] === 'urgent';
    this.enqueue(`pool:${urgent ? 'urgent:' : ''}${kind}`, this.topology.poolKey(kind), envelope, batch);
  }

  /**
   * The largest batch for the pool `kind`: `poolBatch`, but never more than the prefetch of a node
   * known to serve it (this one, or a peer by its heartbeat), so that every member can take a batch
   * within its prefetch; 1 while no member is known.
   */
  private poolBatchFor(kind: string): number {
    const { poolBatch } = this.options;
    if (poolBatch <= 1) return 1;
    const own = this.serving.get(kind);
    const peers = this.run?.membership.poolPrefetch(kind);
    const least = Math.min(...(own ?? []), peers ?? Infinity);
    return least === Infinity ? 1 : Math.min(poolBatch, least);
  }

  /**
   * Every live node's queue and the pools this node serves or sent to (missing queues left out):
   * from the management API when it answers (with unacknowledged counts), else by passive declares
   * (one warning until the API answers again).
   */
  async queueStats(): Promise<QueueStats[]> {
    const run = this.requireRun('queueStats');
    const nodes = this.nodes().map((n) => ({ queue: this.topology.nodeQueue(n.node), role: 'node' as const }));
    const pools = [...this.statPools].map((kind) => ({ queue: this.topology.poolQueue(kind), role: 'pool' as const }));
    const queues = [...nodes, ...pools];
    const { managementUrl } = this.options;
    if (managementUrl !== undefined) {
      try {
        const stats = await managementStats(managementUrl, queues);
        this.managementWarned = false;
        return stats;
      } catch (err) {
        if (!this.managementWarned) run.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'management API unavailable: broker queue stats by passive declares, without unacknowledged counts');
        this.managementWarned = true;
      }
    }
    return passiveStats(run.connection, queues);
  }

  /**
   * Starts taking work from the pool of `kind` (declaring its queue), at most `prefetch` messages
   * unacked at once (default `poolPrefetch`); resolves to a stop function.
   */
  async consumePool(kind: string, options: { prefetch?: number } = {}): Promise<() => Promise<void>> {
    const prefetch = options.prefetch ?? this.options.poolPrefetch;
    const run = this.requireRun('consumePool');
    const { poolBatch, queueType } = this.options;
    // The prefetch counts pool messages, a delivery carrying up to poolBatch of them (./PoolCredit.ts):
    // a channel-wide limit that follows what is held. Quorum queues have no channel-wide QoS: there
    // a fixed limit of whole batches keeps the bound.
    const credit = queueType === 'classic' ? { prefetch, batch: poolBatch } : undefined;
    const deliveries = credit ? prefetch : Math.max(1, Math.floor(prefetch / poolBatch));
    const props = poolConsumerProps(this.topology, kind, deliveries, queueType, this.options.poolPriority);
    // Acks coalesced (one multiple ack per run of finished messages, see ./AckWindow.ts): a pool
    // message is acked once processed, so every one of them would otherwise cost an ack frame.
    const handler = (msg: AsyncMessage) => {
      const { weight, take } = run.inbound.receive(msg, 'pool');
      return { weight, take: async () => (await take()).verdict };
    };
    const batching = new BatchAckConsumer(run.connection, props, handler, this.options.reconnect, credit);
    const consumer = await whenReady(batching, props.queue, { logger: run.logger, url: this.options.url, timeoutMs: this.options.connectTimeout });
    this.consumers.add(consumer);
    this.pools.add(kind);
    this.statPools.add(kind);
    const prefetches = this.serving.get(kind) ?? [];
    prefetches.push(prefetch);
    this.serving.set(kind, prefetches);
    return async () => {
      const i = prefetches.indexOf(prefetch);
      if (i >= 0) prefetches.splice(i, 1);
      if (prefetches.length === 0 && this.serving.get(kind) === prefetches) this.serving.delete(kind);
      await this.closeConsumer(consumer);
    };
  }

  /** Sends an envelope to the queue of the cluster singleton `id` (not coalesced: it has its own queue). */
  sendToSingleton(id: string, envelope: Envelope): void {
    this.enqueue(undefined, this.topology.singletonKey(id), envelope);
  }

  heardOfSingleton(id: string): boolean {
    return this.run?.membership.heardOfSingleton(id) === true;
  }

  forgetSingleton(id: string): void {
    this.run?.membership.forgetSingleton(id);
  }

  /**
   * Consumes the singleton `id`'s queue (declaring it) as one of its candidates; resolves to a stop
   * function. An envelope whose `done` rejects is requeued (see `./Inbound.ts`).
   */
  async consumeSingleton(id: string): Promise<() => Promise<void>> {
    const consumer = await this.consume(singletonConsumerProps(this.topology, id, this.options.prefetch, this.options.queueType), 'singleton');
    return () => this.closeConsumer(consumer);
  }

  /** Publishes a choreography event to every node whose queue is bound to a matching pattern. */
  publish(topic: string, envelope: Envelope): void {
    this.enqueue(undefined, this.topology.topicKey(topic), envelope);
  }

  /** Binds this node's queue to events published with a type matching `pattern`. */
  async bindTopic(pattern: string): Promise<void> {
    const run = this.requireRun('bindTopic');
    await run.connection.queueBind({ queue: this.topology.nodeQueue(run.host.node), exchange: this.topology.exchange, routingKey: this.topology.topicBinding(pattern) });
  }

  /** Undoes {@link bindTopic}. */
  async unbindTopic(pattern: string): Promise<void> {
    const run = this.requireRun('unbindTopic');
    await run.connection.queueUnbind({ queue: this.topology.nodeQueue(run.host.node), exchange: this.topology.exchange, routingKey: this.topology.topicBinding(pattern) });
  }

  /**
   * Taps the cluster's traffic: `pattern` is a topic binding key over the routing keys documented
   * in `./topology.ts` (e.g. `node.*.msg.order_created`, `dead.#`). Resolves once bound.
   *
   * @example
   * const unsubscribe = await transport.subscribe('node.*.msg.order_created', (m) => {
   *   if (m.type === 'envelope') seen.push(m.envelope);
   * });
   */
  async subscribe(pattern: string, handler: TapHandler): Promise<StopTap> {
    const run = this.requireRun('subscribe');
    const queue = `${this.topology.exchange}.tap.${this.incarnation}.${++this.tapSeq}`;
    const consumer = await this.startRaw(tapConsumerProps(this.topology, queue, pattern), (msg) => {
      for (const tapped of tappedMessages(msg)) {
        try {
          handler(tapped);
        } catch (err) {
          run.logger.warn({ pattern, err: err instanceof Error ? err.message : String(err) }, 'tap handler threw');
        }
      }
    });
    return () => this.closeConsumer(consumer);
  }

  /**
   * Failover: hands what is left in the dead `node`'s inbound queue to `host.deliver` on this node
   * (retries of those come back to this node), then deletes that queue. Resolves to the number of
   * envelopes handed over. A queue its node still consumes is not touched (the node is slow, not
   * dead). See `./drain.ts`.
   */
  async drainNode(node: string): Promise<number> {
    const run = this.requireRun('drainNode');
    if (node === run.host.node) throw new InvalidSpecError('node', node, "must be another node (a node cannot drain its own queue)");
    const binding = { exchange: this.topology.exchange, routingKey: this.topology.nodeBinding(node) };
    const { taken, live } = await drainQueue(run.connection, this.topology.nodeQueue(node), run.inbound, binding).catch((err: unknown) => {
      throw transportError(err, this.options.url, `cannot drain node "${node}"`, { node });
    });
    if (live) {
      run.logger.warn({ peer: node, envelopes: taken }, 'node reported down still consumes its queue (slow, not dead): not drained');
      return taken;
    }
    run.logger.info({ peer: node, envelopes: taken }, 'drained dead node queue');
    await deleteControlQueue(run.connection, this.topology.controlQueue(node), run.logger);
    return taken;
  }

  /**
   * Puts a copy of an envelope the runtime dead-lettered (a crash, a full mailbox, an unhandled
   * event, ...) on the cluster's dead-letter queue, with the routing key that brings it back to
   * its recipient. Nothing is retried here: a failure is logged (the node's own list keeps it).
   */
  deadLetter(envelope: Envelope, reason: ArborError): void {
    const run = this.run;
    if (!run || this.stopping) return this.host?.logger.warn({ to: envelope.to, code: reason.code }, 'dead letter not queued: transport is stopped');
    let body: Buffer;
    try {
      body = encodeEnvelope(envelope);
    } catch (err) {
      return run.logger.warn({ to: envelope.to, code: reason.code, err: err instanceof Error ? err.message : String(err) }, 'dead letter not queued: cannot encode it');
    }
    const facts = { routingKey: recipientKey(this.topology, envelope, run.host.node), attempts: (envelope.attempt ?? 0) + 1, messageId: envelope.id, correlationId: envelope.correlationId, envelope };
    void run.publisher.publish(deadLetterRequest(this.topology, run.host.node, body, reason, facts, Date.now())).then((outcome) => {
      if (!outcome.ok) run.logger.warn({ to: envelope.to, code: reason.code, err: outcome.error.message }, 'dead letter not queued');
    });
  }

  /** The live nodes, this one first. */
  nodes(): NodeInfo[] {
    const run = this.run;
    if (!run) return [];
    const singletons = run.host.singletons?.() ?? [];
    const self: NodeInfo = { node: run.host.node, kinds: [...run.host.kinds], lastSeen: run.host.clock.now(), ...(singletons.length > 0 ? { singletons: [...singletons] } : {}) };
    return [self, ...run.membership.nodes()];
  }

  isUp(node: string): boolean {
    const run = this.run;
    return run !== undefined && (node === run.host.node || run.membership.has(node));
  }

  /** Flushes pending sends, says goodbye, stops consuming and disconnects; bounded by `stopTimeout`. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** The host-facing bits, or a programming error when used outside start..stop. */
  private requireRun(what: string): Running {
    if (!this.run) throw new ArborError('TRANSPORT_ERROR', `rabbitmq transport: ${what} before start or after stop`);
    return this.run;
  }

  /** Checks and encodes one envelope, then coalesces it within `group`, or (no group) publishes it alone. */
  private enqueue(group: string | undefined, routingKey: string, envelope: Envelope, limit?: number): void {
    const host = this.host;
    if (!host) throw new ArborError('TRANSPORT_ERROR', 'rabbitmq transport used before start');
    const run = this.run;
    if (!run || this.stopping) return host.undeliverable(envelope, new ArborError('TRANSPORT_ERROR', 'transport is stopped', { routingKey, messageId: envelope.id }));
    let bytes: Buffer;
    try {
      bytes = encodeEnvelope(envelope);
    } catch (err) {
      return run.host.undeliverable(envelope, new ArborError('ENCODE_ERROR', `cannot encode envelope: ${err instanceof Error ? err.message : String(err)}`, { routingKey, messageId: envelope.id }));
    }
    if (bytes.length > this.options.maxMessageBytes) {
      const error = new ArborError('MESSAGE_TOO_LARGE', `envelope is ${bytes.length} bytes, over maxMessageBytes ${this.options.maxMessageBytes}`, {
        routingKey,
        messageId: envelope.id,
        bytes: bytes.length,
        maxMessageBytes: this.options.maxMessageBytes,
      });
      return run.host.undeliverable(envelope, error);
    }
    if (group === undefined) this.publishFrame({ routingKey, body: bytes, envelopes: [envelope] });
    else run.coalescer.push({ group, routingKey, bytes, envelope, limit });
  }

  private publishFrame(frame: OutFrame): void {
    const run = this.run;
    if (!run) return;
    const single = frame.envelopes.length === 1 ? frame.envelopes[0] : undefined;
    // Urgent (`arbor-priority`): a pool queue with x-max-priority hands it out first; batches of urgent pool messages too.
    const urgent = frame.envelopes.every((e) => e.headers?.['arbor-priority'] === 'urgent');
    void run.publisher
      .publish({
        exchange: this.topology.exchange,
        routingKey: frame.routingKey,
        body: frame.body,
        mandatory: true,
        durable: true,
        ...(single?.correlationId ? { correlationId: single.correlationId } : {}),
        // W3C trace context for consumers that do not read Arbor envelopes (a batch has several).
        ...(single?.headers?.['traceparent'] ? { headers: traceHeaders(single.headers) } : {}),
        ...(urgent ? { priority: 1 } : {}),
      })
      .then((outcome) => {
        if (outcome.ok) return;
        for (const envelope of frame.envelopes) {
          run.logger.warn({ routingKey: frame.routingKey, messageId: envelope.id, correlationId: envelope.correlationId, code: outcome.error.code }, 'undeliverable');
          run.host.undeliverable(envelope, outcome.error);
        }
      });
  }

  /** Opens the connection (see `./connect.ts`) and declares the shared topology. */
  private async connect(node: string, logger: Logger): Promise<Connection> {
    const connection = await openConnection({
      options: this.options,
      node,
      logger,
      // Back after an outage: peers were not heard meanwhile through no fault of theirs.
      onReconnect: () => this.run?.membership.refresh(),
    });
    try {
      // Presence first: a last node stopping now sees this one and leaves the retry tiers in place.
      this.consumers.add(await startConsumer(connection, membersConsumerProps(this.topology), () => undefined, { logger, url: this.options.url, timeoutMs: this.options.connectTimeout }));
      await this.declare(connection);
      return connection;
    } catch (err) {
      connection.unsafeDestroy();
      throw transportError(err, this.options.url, 'cannot declare the cluster topology', { node });
    }
  }

  /** Exchanges, the retry tiers and the dead-letter queue: declared once, all durable. */
  private async declare(connection: Connection): Promise<void> {
    const { topology: t, options: o } = this;
    await connection.exchangeDeclare({ exchange: t.exchange, type: 'topic', durable: true });
    await connection.exchangeDeclare({ exchange: t.retryExchange, type: 'headers', durable: true });
    for (const delay of retryTiers(o.maxAttempts, o.retryBackoff)) {
      const queue = t.retryQueue(delay);
      // No x-dead-letter-routing-key: an expired message keeps the key it was published with.
      await connection.queueDeclare({ queue, durable: true, arguments: { ...queueTypeArguments(o.queueType), 'x-message-ttl': delay, 'x-dead-letter-exchange': t.exchange } });
      await connection.queueBind({ queue, exchange: t.retryExchange, arguments: { 'x-match': 'all', 'arbor-delay': delay } });
    }
    await connection.queueDeclare({ queue: t.deadQueue, durable: true, arguments: queueTypeArguments(o.queueType) });
    await connection.queueBind({ queue: t.deadQueue, exchange: t.exchange, routingKey: 'dead.#' });
  }

  private async startHeartbeats(): Promise<void> {
    const run = this.requireRun('heartbeat');
    const { host, membership, publisher, logger } = run;
    const ttl = 3 * this.options.heartbeat;
    await this.startRaw(heartbeatConsumerProps(this.topology, host.node, this.incarnation, ttl), (msg) => {
      const decoded = msg.body instanceof Uint8Array ? decodeFrame(msg.body) : undefined;
      if (!decoded?.ok) return;
      const frame = decoded.frame;
      if (frame.t === 'hb' && frame.node === host.node && frame.incarnation !== this.incarnation) {
        logger.error({ incarnation: frame.incarnation }, 'another process uses this node name');
      } else if (frame.t === 'hb') {
        membership.heard(frame);
        if (frame.presence !== undefined && membership.isUp(frame.node)) run.watch.watch(frame.node, frame.incarnation, frame.presence);
      } else if (frame.t === 'bye' && frame.closed) membership.closed(frame.node, frame.incarnation);
      else if (frame.t === 'bye') membership.bye(frame.node, frame.incarnation);
    });
    membership.startBeating(() => {
      const pools = Object.fromEntries([...this.serving].map(([kind, prefetches]) => [kind, Math.min(...prefetches)]));
      const body = encodeHeartbeat({ node: host.node, kinds: host.kinds, startedAt: this.startedAt, incarnation: this.incarnation, presence: run.beacon.current(), singletons: host.singletons?.(), pools });
      // Fire and forget: a lost beat is covered by the next; expiration drops stale ones.
      void publisher.publish({ exchange: this.topology.exchange, routingKey: this.topology.heartbeatKey(host.node), body, mandatory: false, durable: false, expiration: ttl });
    });
  }

  /**
   * The broker gave us `node`'s presence token: its connection closed. Down here at once, and the
   * other nodes are told with a goodbye on its behalf (only one watcher receives the token).
   */
  private peerClosed(node: string, incarnation: string): void {
    const run = this.run;
    if (!run || run.membership.incarnationOf(node) !== incarnation) return;
    run.membership.closed(node, incarnation);
    void run.publisher.publish({
      exchange: this.topology.exchange,
      routingKey: this.topology.byeKey(node),
      body: encodeBye(node, incarnation, true),
      mandatory: false,
      durable: false,
    });
  }

  /**
   * Starts a consumer whose messages go through the inbound path and are acked by its verdict.
   * The node and control queues ack through a {@link BatchAckConsumer}: one multiple ack per
   * event-loop turn for every run of settled deliveries (`./AckWindow.ts`), instead of an ack frame
   * per message. The singleton queues keep rabbitmq-client's consumer: their takeover (single
   * active consumer, given-back messages) is tested on it.
   */
  private async consume(props: ConsumerProps, source: InboundSource): Promise<StartedConsumer> {
    const run = this.requireRun('consume');
    if (source === 'singleton') {
      return this.startRaw(props, async (msg) => {
        const { verdict } = await run.inbound.handle(msg, source);
        return verdict === 'ack' ? ConsumerStatus.ACK : ConsumerStatus.REQUEUE;
      });
    }
    const handler = async (msg: AsyncMessage) => (await run.inbound.handle(msg, source)).verdict;
    // Acks of the node and control queues may wait a little for later ones (one message at a time, each cost a frame).
    const batching = new BatchAckConsumer(run.connection, props, handler, this.options.reconnect, undefined, ACK_DELAY_MS);
    const consumer = await whenReady(batching, props.queue, { logger: run.logger, url: this.options.url, timeoutMs: this.options.connectTimeout });
    this.consumers.add(consumer);
    return consumer;
  }

  private async startRaw(props: ConsumerProps, handler: ConsumerHandler): Promise<StartedConsumer> {
    const run = this.requireRun('consume');
    const consumer = await startConsumer(run.connection, props, handler, { logger: run.logger, url: this.options.url, timeoutMs: this.options.connectTimeout });
    this.consumers.add(consumer);
    return consumer;
  }

  private async closeConsumer(consumer: StartedConsumer): Promise<void> {
    if (!this.consumers.delete(consumer)) return;
    await consumer.close().catch(() => undefined);
  }

  private async shutdown(): Promise<void> {
    const run = this.run;
    if (!run) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.stopTimeout);
    });
    const result = await Promise.race([this.gracefulStop(run).then(() => 'ok' as const, () => 'error' as const), bound]);
    clearTimeout(timer);
    if (result !== 'ok') {
      run.logger.warn({ result, stopTimeoutMs: this.options.stopTimeout }, 'graceful stop did not complete; destroying the connection');
      run.publisher.abort('transport stopped before the broker confirmed');
      run.connection.unsafeDestroy();
    }
    run.membership.stop();
    this.run = undefined;
    run.logger.info('rabbitmq transport stopped');
  }

  private async gracefulStop(run: Running): Promise<void> {
    run.membership.stopBeating();
    // Before the goodbye: an acknowledged token moves to no watcher, so leaving is not taken for a crash.
    await run.beacon.close();
    await run.watch.close();
    run.coalescer.flush();
    const bye = run.publisher.publish({
      exchange: this.topology.exchange,
      routingKey: this.topology.byeKey(run.host.node),
      body: encodeBye(run.host.node, this.incarnation),
      mandatory: false,
      durable: false,
    });
    await Promise.allSettled([...this.consumers].map((c) => this.closeConsumer(c)));
    await bye;
    await run.publisher.settled();
    // Reports to a node that stopped are moot: its control queue goes now, last node or not. A
    // peer's drain deletes it too, but only once no consumer holds it (`ifUnused`), and this node's
    // consumer could still hold it then: the queue was left behind for good.
    await deleteControlQueue(run.connection, this.topology.controlQueue(run.host.node), run.logger);
    if (await isLastNode(run.connection, this.topology)) {
      const deleted = await removeLeftovers(run.connection, { topology: this.topology, options: this.options, node: run.host.node, pools: this.pools, logger: run.logger });
      run.logger.info({ deleted }, 'last node of the cluster: removed its empty queues (the dead-letter queue stays)');
    }
    await run.publisher.close();
    await run.connection.close();
  }
}

/**
 * Creates the RabbitMQ transport. Options are validated now (`INVALID_SPEC`); the connection opens
 * at `start`.
 *
 * @example
 * const system = await createSystem({ node: 'a', transport: rabbitmqTransport({ cluster: 'demo' }) });
 */
export function rabbitmqTransport(options: RabbitmqTransportOptions = {}): RabbitmqTransport {
  return new RabbitmqTransport(options);
}

function traceHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { traceparent: headers['traceparent'] as string };
  if (headers['tracestate'] !== undefined) out['tracestate'] = headers['tracestate'];
  return out;
}
