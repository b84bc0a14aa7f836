/**
 * Cross-node latency: ping-pong round trips between an actor on node `a` and an actor on node
 * `b`, over RabbitMQ; p50 and p99 against a 1 ms budget (ratio = 1 ms / figure).
 *
 * Two systems in this process, each with its own RabbitMQ transport on one cluster. A supervisor
 * on `a` places a `pong` child on `b`; a `ping` actor on `a` sends `{ type: 'ping', from }` to
 * it, and the pong actor replies `{ type: 'pong' }` to `from` (a ref that travelled to `b` and
 * routes back to `a`). The ping actor timestamps each round trip with `performance.now()` and
 * sends the next ping at once; after a warm-up, n round trips are recorded, one at a time (no
 * pipelining: each is a full trip a → broker → b → broker → a, with publisher confirms, consumer
 * acks, and the host's processed reports flowing alongside).
 *
 * For scale, the notes give the floor measured in the same run: the same two hops done with
 * rabbitmq-client alone (two connections, confirm mode, persistent messages to durable queues, a
 * consumer on each side republishing at once), no actors, no runtime.
 */
import { performance } from 'node:perf_hooks';
import { Connection } from 'rabbitmq-client';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { supervisor, type ActorRef } from '../src/index.js';
import { AMQP_URL, benchCluster, brokerProblem, node, removeCluster, skipped, until } from './cluster.js';
import { percentile, target, type Result, type ScenarioOptions } from './harness.js';

const BUDGET_MS = 1;

const pong = setup({ types: { events: {} as { type: 'ping'; from: AnyActorRef } } }).createMachine({
  on: { ping: { actions: sendTo(({ event }) => event.from, { type: 'pong' }) } },
});

type PingEvent = { type: 'go'; n: number; self: ActorRef; pong: ActorRef; replyTo: ActorRef } | { type: 'pong' };
type PingContext = { left: number; t0: number; rtts: number[]; self?: ActorRef; pong?: ActorRef; replyTo?: ActorRef };

const ping = setup({ types: { context: {} as PingContext, events: {} as PingEvent } }).createMachine({
  context: { left: 0, t0: 0, rtts: [] },
  on: {
    go: {
      actions: [
        assign(({ event }) => ({ left: event.n, rtts: [], self: event.self, pong: event.pong, replyTo: event.replyTo, t0: performance.now() })),
        sendTo(({ event }) => target(event.pong), ({ event }) => ({ type: 'ping', from: event.self })),
      ],
    },
    pong: [
      {
        guard: ({ context }) => context.left <= 1,
        actions: [
          assign({ rtts: ({ context }) => (context.rtts.push(performance.now() - context.t0), context.rtts) }),
          sendTo(({ context }) => target(context.replyTo), ({ context }) => ({ type: 'done', rtts: context.rtts })),
        ],
      },
      {
        actions: [
          assign(({ context }) => {
            context.rtts.push(performance.now() - context.t0);
            return { left: context.left - 1, t0: performance.now() };
          }),
          sendTo(({ context }) => target(context.pong), ({ context }) => ({ type: 'ping', from: context.self })),
        ],
      },
    ],
  },
});

/** Round trips of a bare AMQP ping-pong between two connections (see the header), sorted. */
async function rawRoundTrips(cluster: string, warmup: number, trips: number): Promise<number[]> {
  const [qa, qb] = [`arbor.${cluster}.raw.a`, `arbor.${cluster}.raw.b`];
  const a = new Connection({ url: AMQP_URL, noDelay: true });
  const b = new Connection({ url: AMQP_URL, noDelay: true });
  for (const c of [a, b]) c.on('error', () => undefined);
  const pubA = a.createPublisher({ confirm: true });
  const pubB = b.createPublisher({ confirm: true });
  let arrived: () => void = () => undefined;
  const consumers = [
    b.createConsumer({ queue: qb, queueOptions: { durable: true }, qos: { prefetchCount: 64 } }, (msg) => void pubB.send({ routingKey: qa, durable: true }, msg.body)),
    a.createConsumer({ queue: qa, queueOptions: { durable: true }, qos: { prefetchCount: 64 } }, () => arrived()),
  ];
  try {
    await Promise.all(consumers.map((c) => new Promise<void>((resolve) => c.once('ready', () => resolve()))));
    const rtts: number[] = [];
    const body = Buffer.from(JSON.stringify({ type: 'ping', from: 'arbor://a/ping' }));
    for (let i = 0; i < warmup + trips; i++) {
      const back = new Promise<void>((resolve) => (arrived = resolve));
      const t0 = performance.now();
      void pubA.send({ routingKey: qb, durable: true }, body);
      await back;
      if (i >= warmup) rtts.push(performance.now() - t0);
    }
    return rtts.sort((x, y) => x - y);
  } finally {
    await Promise.all(consumers.map((c) => c.close()));
    await Promise.all([pubA.close(), pubB.close()]);
    for (const queue of [qa, qb]) await a.queueDelete({ queue }).catch(() => undefined);
    await Promise.all([a.close(), b.close()]);
  }
}

export async function crossNodeLatency({ quick }: ScenarioOptions): Promise<Result[]> {
  const ids = ['cross-node-latency-p50', 'cross-node-latency-p99'];
  const problem = await brokerProblem();
  if (problem) return skipped(ids, 'ms', problem);
  const warmup = quick ? 200 : 1_000;
  const trips = quick ? 1_000 : 5_000;
  const cluster = benchCluster('latency');
  const b = await node('b', cluster, { pong });
  const a = await node('a', cluster);
  try {
    await until('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    a.spawn(supervisor({ children: [{ id: 'pong', kind: 'pong', node: 'b' }] }), { id: 'root' });
    await until('pong hosted on b', () => b.describe().hosted.length === 1);
    const pinger = a.spawn(ping, { id: 'ping' });
    const ponger = a.lookup('root/pong') as ActorRef;
    const go = (n: number) => pinger.ask<{ rtts: number[] }>({ type: 'go', n, self: pinger, pong: ponger }, { timeout: 300_000 });
    await go(warmup);
    const rtts = (await go(trips)).rtts.sort((x, y) => x - y);
    const p50 = percentile(rtts, 50);
    const p99 = percentile(rtts, 99);
    const raw = await rawRoundTrips(cluster, warmup, trips);
    const fields = { unit: 'ms', baseline: BUDGET_MS, baselineName: '1 ms budget' };
    const us = (x: number) => `${(x * 1000).toFixed(0)} µs`;
    return [
      { id: ids[0] as string, ...fields, arbor: p50, ratio: BUDGET_MS / p50, target: 1.0, note: `n=${trips} round trips a→b→a; min ${us(rtts[0] as number)}; bare AMQP floor p50 ${us(percentile(raw, 50))}` },
      { id: ids[1] as string, ...fields, arbor: p99, ratio: BUDGET_MS / p99, note: `n=${trips}; max ${us(rtts[rtts.length - 1] as number)}; bare AMQP floor p99 ${us(percentile(raw, 99))}` },
    ];
  } finally {
    await a.shutdown();
    await b.shutdown();
    await removeCluster(cluster, ['a', 'b']);
  }
}
