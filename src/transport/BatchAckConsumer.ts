/**
 * A queue consumer whose acks are coalesced (see `./AckWindow.ts`): rabbitmq-client's `Consumer`
 * acks every message on its own, one `basic.ack` frame each; this one tells the broker once per
 * event-loop turn, with one multiple ack for every run of finished deliveries. With an `ackDelay`
 * (the node and control queues: {@link ACK_DELAY_MS}), a few acks (no requeue, fewer than a quarter
 * of the prefetch, no pool credit) wait up to that long, to go out with those settled meanwhile.
 *
 * What it keeps of `Consumer`: the whole setup (queue, exchanges, bindings, QoS) runs again on
 * every new channel, so a reconnection restores the subscription; a channel that closes or a
 * consumer the broker cancels is set up again after a growing delay; `close()` stops taking
 * messages, waits for the ones being worked on and acks them before closing the channel. Every
 * delivery is handed to the handler at once: the QoS prefetch is what bounds the work in hand
 * (pool queues use prefetch = concurrency), so nothing waits prefetched-but-idle here.
 *
 * At least once: a delivery is acked only after its handler settled it; whatever a channel left
 * unacked (the process killed, the connection lost) the broker hands to another consumer. A
 * handler that finishes after its channel closed is not acked on the next one (tags are per
 * channel): its message was requeued by the broker and arrives again.
 *
 * With `credit` (pool queues, whose deliveries may carry batches of pool messages), the prefetch
 * counts pool messages, not deliveries (`./PoolCredit.ts`): the handler weighs each delivery
 * before taking it; one that does not fit is given back whole (nacked with requeue, never handed
 * over), after the broker has been told the lower limit; the channel's limit (`basic.qos`,
 * channel-wide) is sent after the acks of each flush, one `basic.qos` at a time. So the consumer
 * never holds more than `credit.prefetch` pool messages.
 */
import { EventEmitter } from 'node:events';
import type { AsyncMessage, Channel, Connection, ConsumerProps } from 'rabbitmq-client';
import { AckWindow, type AckVerdict } from './AckWindow.js';
import { retryDelay } from './backoff.js';
import { PoolCredit } from './PoolCredit.js';

/** A delivery read but not yet taken: how many pool messages it carries, and how to take it. */
export interface Weighed {
  weight: number;
  /** Hands it over; resolves to its verdict. Not called for a delivery given back. */
  take(): Promise<AckVerdict>;
}

/**
 * What to do with one message: its verdict at once (weighing 1), or its weight and how to take
 * it. A handler that throws (or whose verdict rejects) counts as `'requeue'` (and is reported as
 * an `error` event).
 */
export type BatchAckHandler = (msg: AsyncMessage) => Promise<AckVerdict> | Weighed;

/** The prefetch in pool messages: at most `prefetch` held; `batch`: the pool messages a full batch carries. */
export interface CreditOptions {
  prefetch: number;
  batch: number;
}

/** The consumer props this uses: the queue, its declarations and the QoS. */
export type BatchAckProps = Pick<ConsumerProps, 'queue' | 'queueOptions' | 'exchanges' | 'queueBindings' | 'qos'>;

/** One channel's consumption: its acks are only meaningful on it. */
interface Session {
  ch: Channel;
  window: AckWindow;
  consumerTag: string;
  flushing: ReturnType<typeof setImmediate> | undefined;
  /** A flush of acks that may wait (see {@link ACK_DELAY_MS}). */
  delayed: ReturnType<typeof setTimeout> | undefined;
  /** With credit: the pool messages held, the limit last told to the broker, and whether a `basic.qos` is on its way. */
  credit: PoolCredit | undefined;
  limit: number;
  telling: boolean;
  /** Deliveries given back, nacked once the broker has been told a limit that counts them out. */
  refused: number[];
}

/**
 * Emits `ready` each time it consumes (after every setup) and `error` for setup failures, channel
 * errors and handlers that threw; an `error` without a listener throws, as for any EventEmitter.
 */
export class BatchAckConsumer extends EventEmitter {
  private session: Session | undefined;
  private readonly working = new Set<Promise<void>>();
  private closing = false;
  private pendingSetup: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;

  constructor(
    private readonly connection: Connection,
    private readonly props: BatchAckProps,
    private readonly handler: BatchAckHandler,
    private readonly backoff: { min: number; max: number },
    private readonly credit?: CreditOptions,
    /** Ms a few acks may wait for later ones (0: told in the next turn). */
    private readonly ackDelay = 0,
  ) {
    super();
    this.connect();
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inHand(): number {
    return this.working.size;
  }

  /** Stops consuming, waits for the work in hand (while the channel is open), acks it, and closes the channel. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.retryTimer);
    await this.pendingSetup;
    const session = this.session;
    if (session?.ch.active) await session.ch.basicCancel({ consumerTag: session.consumerTag }).catch(() => undefined);
    // Work in hand is only worth waiting for while its acks can still be sent.
    if (session?.ch.active) await Promise.allSettled([...this.working]);
    if (session) this.flush(session);
    await session?.ch.close().catch(() => undefined);
    this.session = undefined;
  }

  private connect(): void {
    this.retryTimer = undefined;
    // `finally` before `catch`: a failed setup must no longer count as pending when it schedules the next one.
    this.pendingSetup = this.setup()
      .finally(() => {
        this.pendingSetup = undefined;
      })
      .then(() => {
        this.retries = 0;
        if (!this.closing) process.nextTick(() => this.emit('ready'));
      })
      .catch((err: unknown) => {
        if (this.closing) return;
        // One report per outage: a queue that cannot be declared would otherwise repeat it every retry.
        if (this.retries === 0) process.nextTick(() => this.emit('error', err));
        this.reconnect();
      });
  }

  private reconnect(): void {
    if (this.closing || this.retryTimer || this.pendingSetup) return;
    const delay = retryDelay(++this.retries, { ...this.backoff, factor: 2 });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private async setup(): Promise<void> {
    // A cancelled consumer keeps its channel (and that channel's unacked deliveries): consume again on it.
    const ch = this.session?.ch.active ? this.session.ch : await this.openChannel();
    const { props } = this;
    const { queue } = await ch.queueDeclare({ ...props.queueOptions, queue: props.queue });
    for (const params of props.exchanges ?? []) await ch.exchangeDeclare(params);
    for (const params of props.queueBindings ?? []) await ch.queueBind(params);
    // A reused channel keeps its QoS (and, with credit, the limit its session last told).
    const reused = this.session?.ch === ch ? this.session : undefined;
    const session = reused ?? (await this.newSession(ch));
    this.session = session;
    const { consumerTag } = await ch.basicConsume({ queue }, (msg) => this.deliver(session, msg));
    session.consumerTag = consumerTag;
    ch.once('basic.cancel', (tag: string, err: unknown) => {
      if (this.closing || tag !== session.consumerTag) return;
      this.emit('error', err);
      this.reconnect();
    });
    if (this.closing) await ch.basicCancel({ consumerTag }).catch(() => undefined);
  }

  private async newSession(ch: Channel): Promise<Session> {
    const { qos } = this.props;
    if (!this.credit) {
      if (qos) await ch.basicQos(qos);
      return { ch, window: new AckWindow(spillOf(qos?.prefetchCount)), consumerTag: '', flushing: undefined, delayed: undefined, credit: undefined, limit: 0, telling: false, refused: [] };
    }
    const credit = new PoolCredit(this.credit.prefetch);
    const limit = credit.limit();
    // Channel-wide (global): a later basic.qos changes the limit of the consumer already running on it.
    await ch.basicQos({ prefetchCount: limit, global: true });
    // Acks spill past a long head by deliveries: a quarter of the deliveries held when they are full
    // batches, else finished batches would wait behind one long job and keep the member from taking more.
    const spill = spillOf(Math.ceil(this.credit.prefetch / Math.max(1, this.credit.batch)));
    return { ch, window: new AckWindow(spill), consumerTag: '', flushing: undefined, delayed: undefined, credit, limit, telling: false, refused: [] };
  }

  private async openChannel(): Promise<Channel> {
    const ch = await this.connection.acquire({ emitErrorsFromChannel: true });
    ch.on('error', (err: unknown) => this.emit('error', err));
    ch.once('close', () => {
      const session = this.session;
      if (session?.ch === ch) {
        if (session.flushing) clearImmediate(session.flushing);
        clearTimeout(session.delayed);
        this.session = undefined;
      }
      this.reconnect();
    });
    return ch;
  }

  private deliver(session: Session, msg: AsyncMessage): void {
    const tag = msg.deliveryTag;
    session.window.delivered(tag);
    const handled = this.read(msg);
    const { credit } = session;
    if (credit) {
      credit.observe(handled.weight);
      if (!credit.fits(handled.weight)) {
        // Stays "working" in the window (no multiple ack covers it) until its nack can follow the lower limit.
        session.refused.push(tag);
        this.scheduleFlush(session);
        return;
      }
      credit.taken(tag, handled.weight);
      // A delivery lighter than expected leaves room the broker can be told of.
      this.scheduleFlush(session);
    }
    const work = this.take(handled).then((verdict) => {
      this.working.delete(work);
      session.window.settle(tag, verdict);
      this.scheduleFlush(session);
    });
    this.working.add(work);
  }

  /**
   * Once per turn: everything settled in this turn goes out in as few frames as possible. Acks that
   * may wait (a few, no requeue, no pool credit to give back: see `AckWindow.due`) go out within
   * {@link ACK_DELAY_MS} instead, with the ones settled meanwhile.
   */
  private scheduleFlush(session: Session): void {
    if (this.session !== session || session.flushing) return;
    if (session.credit || this.ackDelay <= 0 || session.window.due) {
      session.flushing = setImmediate(() => this.flush(session));
      return;
    }
    session.delayed ??= setTimeout(() => this.flush(session), this.ackDelay);
  }

  /** The handler's weighing of `msg`; a handler that answered at once (or threw) weighs 1. */
  private read(msg: AsyncMessage): Weighed {
    try {
      const handled = this.handler(msg);
      return 'take' in handled ? handled : { weight: 1, take: () => handled };
    } catch (err) {
      return { weight: 1, take: () => Promise.reject(err) };
    }
  }

  /** The verdict of a delivery taken (a handler that threw, or whose verdict rejected: `'requeue'`, reported). */
  private async take(handled: Weighed): Promise<AckVerdict> {
    try {
      return await handled.take();
    } catch (err) {
      this.emit('error', err);
      return 'requeue';
    }
  }

  /**
   * Tells the broker the limit the credit allows now, after the acks just sent; one at a time, so
   * that a limit is never computed before acks that reach the broker ahead of it. Deliveries given
   * back are settled (nacked at the next flush) only once such a limit is on its way: their nack
   * frees a broker slot, which must not bring the same batch straight back.
   */
  private tellLimit(session: Session): void {
    const credit = session.credit;
    if (!credit || session.telling) return;
    const limit = credit.limit();
    if (limit !== session.limit) {
      session.telling = true;
      session.limit = limit;
      session.ch.basicQos({ prefetchCount: limit, global: true }).then(
        () => {
          session.telling = false;
          // Acks, deliveries and give-backs meanwhile may have changed the limit.
          if (credit.limit() !== session.limit || session.refused.length > 0) this.scheduleFlush(session);
        },
        (err: unknown) => {
          session.telling = false;
          // The channel went away under us: the broker requeues what it held.
          if (session.ch.active) this.emit('error', err);
        },
      );
    }
    if (session.refused.length === 0) return;
    for (const tag of session.refused.splice(0)) session.window.settle(tag, 'requeue');
    this.scheduleFlush(session);
  }

  private flush(session: Session): void {
    session.flushing = undefined;
    clearTimeout(session.delayed);
    session.delayed = undefined;
    if (!session.ch.active) return;
    try {
      for (const op of session.window.flush()) {
        if (op.op === 'ack') session.ch.basicAck({ deliveryTag: op.tag, multiple: op.multiple });
        else session.ch.basicNack({ deliveryTag: op.tag, requeue: true, multiple: false });
      }
      session.credit?.release((tag) => session.window.has(tag));
      this.tellLimit(session);
    } catch (err) {
      // The channel went away under us: the broker requeues what it held.
      this.emit('error', err);
    }
  }
}

/**
 * How long a few acks may wait to go out with later ones (ms). One message at a time, every delivery
 * cost its own ack frame (a write on the node, a wake-up of the broker) in the turn after it was
 * settled, on the way of the next message; a delivery settled but not yet acked is redelivered if
 * the connection dies, as one being worked on is (at least once).
 */
export const ACK_DELAY_MS = 10;

/** Acks waiting behind a long delivery before they are sent alone: a quarter of the prefetch. */
function spillOf(prefetch: number | undefined): number {
  return Math.max(1, Math.ceil((prefetch ?? 1) / 4));
}
