/**
 * Cross-node throughput: actor messages per second from node `a` to an actor on node `b`, over
 * RabbitMQ, at least once, counted when processed on `b`.
 *
 * Arbor: two systems in this process, each with its own RabbitMQ transport (its own connection)
 * on one cluster. A supervisor on `a` places a counter child on `b` (kind `counter`); a run sends
 * N `{ type: 'work', id }` to the child's ref and ends when an ask queued behind them (`get`)
 * answers with the count, which must be N: every message was forwarded, published with confirms,
 * consumed, put in the mailbox on `b`, processed, and reported processed. Baseline: a naive
 * rabbitmq-client publisher in confirm mode awaiting each publish before the next (one round
 * trip per message), persistent messages (as Arbor's) to a durable queue that a consumer on a
 * second connection reads; a run ends when that consumer has received all N. Same broker, same
 * run, same message shape (`{ type, id }`, msgpack).
 *
 * That naive baseline is what many first producers look like, but nobody tuning for throughput
 * writes it. The strong baseline is rabbitmq-client publishing with pipelined confirms: up to
 * `WINDOW` publishes in flight, each confirm awaited before its slot is reused (the same
 * guarantee: a message counts once the broker confirmed it), read by the same kind of consumer.
 * Both ratios are reported from one run.
 */
import { pack } from 'msgpackr';
import { Connection } from 'rabbitmq-client';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { supervisor, type System } from '../src/index.js';
import { AMQP_URL, benchCluster, brokerProblem, node, removeCluster, skipped, until } from './cluster.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side } from './harness.js';

const TIMEOUT = 300_000;
/** Publishes in flight for the pipelined baseline (a common choice; the broker's default credit flow allows far more). */
export const WINDOW = 256;

export const counter = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'work'; id: number } | { type: 'get'; replyTo: AnyActorRef } },
}).createMachine({
  context: { n: 0 },
  on: {
    work: { actions: assign({ n: ({ context }) => context.n + 1 }) },
    get: { actions: sendTo(({ event }) => event.replyTo, ({ context }) => ({ type: 'count', n: context.n })) },
  },
});

/** Root ids stay taken after a run (only the child is terminated), so rounds are numbered across every Arbor side. */
let round = 0;

/** Arbor's side: `count` messages from `a` to a counter placed on `b`, ended by an ask queued behind them. */
export function arborSide(a: System, b: System, count: number): Side {
  return {
    async setup() {
      const id = `r${++round}`;
      const root = a.spawn(supervisor({ children: [{ id: 'w', kind: 'counter', node: 'b' }] }), { id });
      await until('the counter hosted on b', () => b.describe().hosted.some((h) => h.path === `arbor://a/${id}/w`));
      const w = a.lookup(`${id}/w`);
      if (!w) throw new Error('cross-node-throughput: no ref to the counter');
      return {
        run: async () => {
          for (let i = 0; i < count; i++) w.send({ type: 'work', id: i });
          const reply = await w.ask<{ n: number }>({ type: 'get' }, { timeout: TIMEOUT });
          if (reply.n !== count) throw new Error(`cross-node-throughput: counted ${reply.n} of ${count}`);
        },
        teardown: () => root.terminateChild('w'),
      };
    },
  };
}

/**
 * rabbitmq-client alone: a confirm-mode publisher with up to `window` publishes in flight (1: each
 * awaited before the next), persistent messages to a durable queue, a consumer on a second
 * connection; a run ends when the consumer has received all `count`.
 */
export function rawSide(queue: string, count: number, window: number): Side {
  return {
    async setup() {
      const producer = new Connection({ url: AMQP_URL });
      const consumerConnection = new Connection({ url: AMQP_URL });
      producer.on('error', () => undefined);
      consumerConnection.on('error', () => undefined);
      await consumerConnection.queueDeclare({ queue, durable: true });
      await consumerConnection.queuePurge({ queue });
      let received = 0;
      const consumer = consumerConnection.createConsumer({ queue, queueOptions: { durable: true }, qos: { prefetchCount: 64 } }, () => {
        received++;
      });
      consumer.on('error', () => undefined);
      await new Promise<void>((resolve) => consumer.once('ready', () => resolve()));
      const publisher = producer.createPublisher({ confirm: true, maxAttempts: 1 });
      const envelope = { routingKey: queue, durable: true, contentType: 'application/msgpack' };
      return {
        run: async () => {
          const inFlight = new Set<Promise<void>>();
          for (let i = 0; i < count; i++) {
            const confirmed: Promise<void> = publisher.send(envelope, pack({ type: 'work', id: i })).then(() => {
              inFlight.delete(confirmed);
            });
            inFlight.add(confirmed);
            if (inFlight.size >= window) await Promise.race(inFlight);
          }
          await Promise.all(inFlight);
          await until('the rabbitmq-client consumer to receive everything', () => received >= count, TIMEOUT);
        },
        teardown: async () => {
          await publisher.close();
          await consumer.close();
          await producer.close();
          await consumerConnection.close();
        },
      };
    },
  };
}

export async function crossNodeThroughput({ quick }: ScenarioOptions): Promise<Result[]> {
  const problem = await brokerProblem();
  if (problem) return skipped(['cross-node-throughput'], 'msgs/s', problem);
  const count = quick ? 5_000 : 20_000;
  const cluster = benchCluster('throughput');
  const naiveQueue = `arbor.${cluster}.naive`;
  const pipelinedQueue = `arbor.${cluster}.pipelined`;
  const b = await node('b', cluster, { counter });
  const a = await node('a', cluster);
  try {
    await until('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
    const naive = await compare(arborSide(a, b, count), rawSide(naiveQueue, count, 1), repeat);
    const pipelined = await compare(arborSide(a, b, count), rawSide(pipelinedQueue, count, WINDOW), repeat);
    return [
      rateResult(
        { id: 'cross-node-throughput', unit: 'msgs/s', baselineName: 'rabbitmq-client, awaited confirm per msg', target: 3.0, note: 'a→b, processed on b' },
        count,
        naive,
      ),
      rateResult(
        {
          id: 'cross-node-throughput-pipelined',
          unit: 'msgs/s',
          baselineName: `rabbitmq-client, ${WINDOW} confirms in flight`,
          note: 'a→b, processed on b; baseline only publishes and consumes',
        },
        count,
        pipelined,
      ),
    ];
  } finally {
    await a.shutdown();
    await b.shutdown();
    await removeCluster(cluster, ['a', 'b'], [naiveQueue, pipelinedQueue]);
  }
}
