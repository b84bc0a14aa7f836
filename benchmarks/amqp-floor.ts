/**
 * The bare AMQP round trip that `cross-node-latency` is held against: the same two hops as Arbor's
 * ping-pong done with rabbitmq-client alone, no actors, no runtime. Two connections (`a` and `b`,
 * as two nodes would have), each with a confirm-mode publisher and a consumer on a durable queue of
 * its own behind a durable topic exchange (as Arbor's node queues are); messages are persistent.
 * `a` publishes a ping to `b`'s queue; `b`'s consumer republishes it to `a`'s queue and is acked
 * once that publish is confirmed (confirm before ack, as Arbor's host does); `a`'s consumer ends
 * the trip. Prefetch and consumer concurrency are Arbor's node-queue defaults (64).
 *
 * It cannot hang: opening, every round trip and closing each have a deadline, and a missed
 * deadline rejects with what was waited for (an earlier bare two-process ping script hung when a
 * ping was published before the far consumer had declared its queue and was silently dropped;
 * here the queues are declared and bound before the first ping, pings are `mandatory`, and a
 * return or a lost ping fails the trip instead of waiting forever).
 */
import { performance } from 'node:perf_hooks';
import { Connection, type Consumer, type ConsumerProps, type Publisher } from 'rabbitmq-client';
import { AMQP_URL } from './cluster.js';

/** How long one step may take before the floor gives up (a round trip is about a millisecond). */
const STEP_TIMEOUT_MS = 10_000;

/** Prefetch and concurrency of each consumer: Arbor's node-queue default. */
const PREFETCH = 64;

/**
 * A floor consumer of `queue`: durable, bound under its own name to the durable topic `exchange`
 * (as Arbor's node queues are), with Arbor's node-queue prefetch and concurrency (64).
 */
export function floorConsumerProps(exchange: string, queue: string): ConsumerProps {
  return {
    queue,
    queueOptions: { durable: true },
    exchanges: [{ exchange, type: 'topic', durable: true }],
    queueBindings: [{ exchange, queue, routingKey: queue }],
    qos: { prefetchCount: PREFETCH },
    concurrency: PREFETCH,
  };
}

/** Rejects with `what` if `promise` has not settled within `ms`. */
export function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`amqp floor: ${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A bare two-connection AMQP ping-pong; {@link AmqpFloor.open}, then {@link AmqpFloor.trips}, then {@link AmqpFloor.close}. */
export class AmqpFloor {
  private readonly a = new Connection({ url: AMQP_URL, noDelay: true });
  private readonly b = new Connection({ url: AMQP_URL, noDelay: true });
  private readonly pubA: Publisher;
  private readonly pubB: Publisher;
  private readonly consumers: Consumer[] = [];
  private readonly exchange: string;
  private readonly qa: string;
  private readonly qb: string;
  private arrived: (() => void) | undefined;
  private failed: ((err: Error) => void) | undefined;
  private readonly body = Buffer.from(JSON.stringify({ type: 'ping', from: 'arbor://a/ping' }));

  constructor(namespace: string) {
    this.exchange = `${namespace}.floor`;
    this.qa = `${namespace}.floor.a`;
    this.qb = `${namespace}.floor.b`;
    for (const c of [this.a, this.b]) c.on('error', () => undefined);
    this.pubA = this.a.createPublisher({ confirm: true, maxAttempts: 1 });
    this.pubB = this.b.createPublisher({ confirm: true, maxAttempts: 1 });
    this.pubA.on('basic.return', () => this.failed?.(new Error('amqp floor: ping returned unroutable')));
  }

  /** Declares the queues and starts both consumers. */
  async open(): Promise<void> {
    const { exchange, qa, qb } = this;
    const consumer = (c: Connection, queue: string, handler: () => Promise<void> | void) => c.createConsumer(floorConsumerProps(exchange, queue), handler);
    // b answers each ping, acked (the handler's promise) once its answer is confirmed.
    this.consumers.push(consumer(this.b, qb, () => this.pubB.send({ exchange, routingKey: qa, durable: true, mandatory: true }, this.body)));
    this.consumers.push(consumer(this.a, qa, () => this.arrived?.()));
    await within('consumers to start', STEP_TIMEOUT_MS, Promise.all(this.consumers.map((c) => new Promise<void>((resolve) => c.once('ready', () => resolve())))));
  }

  /** Runs `warmup` untimed and then `count` timed round trips, one at a time; resolves with the timed ones (ms). */
  async trips(warmup: number, count: number): Promise<number[]> {
    const rtts: number[] = [];
    const confirms: Promise<void>[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const back = new Promise<void>((resolve, reject) => {
        this.arrived = resolve;
        this.failed = reject;
      });
      const t0 = performance.now();
      const sent = this.pubA.send({ exchange: this.exchange, routingKey: this.qb, durable: true, mandatory: true }, this.body);
      sent.catch((err: unknown) => this.failed?.(err instanceof Error ? err : new Error(String(err))));
      await within(`round trip ${i}`, STEP_TIMEOUT_MS, back);
      if (i >= warmup) rtts.push(performance.now() - t0);
      // The next ping goes at once, as Arbor's does: confirms of earlier pings may still be on their way.
      confirms.push(sent);
    }
    await within('the last confirms', STEP_TIMEOUT_MS, Promise.all(confirms));
    this.arrived = undefined;
    this.failed = undefined;
    return rtts;
  }

  /** Stops the consumers, deletes the queues and the exchange, closes both connections (each step bounded). */
  async close(): Promise<void> {
    const step = (what: string, p: Promise<unknown>) => within(what, STEP_TIMEOUT_MS, p).catch(() => undefined);
    await step('consumers to close', Promise.all(this.consumers.map((c) => c.close())));
    await step('publishers to close', Promise.all([this.pubA.close(), this.pubB.close()]));
    for (const queue of [this.qa, this.qb]) await step('queue delete', this.a.queueDelete({ queue }));
    await step('exchange delete', this.a.exchangeDelete({ exchange: this.exchange }));
    await step('connections to close', Promise.all([this.a.close(), this.b.close()]));
    for (const c of [this.a, this.b]) if (c.ready) c.unsafeDestroy();
  }
}
