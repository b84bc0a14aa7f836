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
 * Two baselines. The `-p50`/`-p99` rows hold the figures against a fixed 1 ms budget. The
 * `-p50-vs-floor`/`-p99-vs-floor` rows hold them against the floor measured in the same run: the
 * same two hops done with rabbitmq-client alone (`./amqp-floor.ts`: two connections, confirm mode,
 * persistent messages to durable queues behind a topic exchange, acks after the answer's confirm),
 * no actors, no runtime; ratio = floor / Arbor. The two sides are interleaved in four blocks of
 * n/2 trips, floor-Arbor-Arbor-floor, so drift in the broker's or the machine's load falls on both.
 */
import { performance } from 'node:perf_hooks';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { supervisor, type ActorRef } from '../src/index.js';
import { AmqpFloor } from './amqp-floor.js';
import { benchCluster, brokerProblem, node, removeCluster, skipped, until } from './cluster.js';
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

export async function crossNodeLatency({ quick }: ScenarioOptions): Promise<Result[]> {
  const ids = ['cross-node-latency-p50', 'cross-node-latency-p99', 'cross-node-latency-p50-vs-floor', 'cross-node-latency-p99-vs-floor'];
  const problem = await brokerProblem();
  if (problem) return skipped(ids, 'ms', problem);
  const warmup = quick ? 200 : 1_000;
  const trips = quick ? 1_000 : 5_000;
  const half = trips / 2;
  const cluster = benchCluster('latency');
  const b = await node('b', cluster, { pong });
  const a = await node('a', cluster);
  const floor = new AmqpFloor(cluster);
  try {
    await until('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    a.spawn(supervisor({ children: [{ id: 'pong', kind: 'pong', node: 'b' }] }), { id: 'root' });
    await until('pong hosted on b', () => b.describe().hosted.length === 1);
    await floor.open();
    const pinger = a.spawn(ping, { id: 'ping' });
    const ponger = a.lookup('root/pong') as ActorRef;
    const go = async (n: number) => (await pinger.ask<{ rtts: number[] }>({ type: 'go', n, self: pinger, pong: ponger }, { timeout: 300_000 })).rtts;
    await floor.trips(warmup, 0);
    await go(warmup);
    const raw = await floor.trips(0, half);
    const rtts = await go(half);
    rtts.push(...(await go(half)));
    raw.push(...(await floor.trips(0, half)));
    rtts.sort((x, y) => x - y);
    raw.sort((x, y) => x - y);
    const [p50, p99, f50, f99] = [percentile(rtts, 50), percentile(rtts, 99), percentile(raw, 50), percentile(raw, 99)];
    const fields = { unit: 'ms', baseline: BUDGET_MS, baselineName: '1 ms budget' };
    const floorFields = { unit: 'ms', baselineName: 'bare rabbitmq-client round trip, same run' };
    const us = (x: number) => `${(x * 1000).toFixed(0)} µs`;
    return [
      { id: ids[0] as string, ...fields, arbor: p50, ratio: BUDGET_MS / p50, target: 1.0, note: `n=${trips} round trips a→b→a; min ${us(rtts[0] as number)}; bare AMQP floor p50 ${us(f50)}` },
      { id: ids[1] as string, ...fields, arbor: p99, ratio: BUDGET_MS / p99, note: `n=${trips}; max ${us(rtts[rtts.length - 1] as number)}; bare AMQP floor p99 ${us(f99)}` },
      // Issue 16: p50 within 1.15x of the floor, i.e. floor / Arbor >= 1 / 1.15.
      { id: ids[2] as string, ...floorFields, arbor: p50, baseline: f50, ratio: f50 / p50, target: 1 / 1.15, note: `Arbor ${(p50 / f50).toFixed(2)}× the floor (target ≤ 1.15×); floor min ${us(raw[0] as number)}` },
      { id: ids[3] as string, ...floorFields, arbor: p99, baseline: f99, ratio: f99 / p99, note: `Arbor ${(p99 / f99).toFixed(2)}× the floor; floor max ${us(raw[raw.length - 1] as number)}` },
    ];
  } finally {
    await floor.close();
    await a.shutdown();
    await b.shutdown();
    await removeCluster(cluster, ['a', 'b']);
  }
}
