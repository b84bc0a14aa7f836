/**
 * Pool throughput (issue 20's pools row): messages per second through a work pool, from node `a`
 * to a pool served by node `b` (both in this process, each with its own connection), counted when
 * processed on `b` by a counter serving the pool with concurrency 64 (a message is acked once
 * processed). Baseline: rabbitmq-client alone with pipelined confirms (256 in flight), persistent
 * messages to a durable queue read by a consumer with prefetch 64 (`cross-node-throughput`'s
 * strong baseline): the same broker work a pool message needs (a persistent publish, its
 * confirm, a delivery and its ack), without Arbor. The first row sends from a node with
 * `poolBatch: 1` (one AMQP message per pool message); the second with the default (pool messages
 * of one turn share AMQP messages of up to 8, the server's prefetch counted in pool messages),
 * against the same baseline in the same run.
 */
import { setup, assign } from 'xstate';
import type { System } from '../src/index.js';
import { Topology } from '../src/transport/topology.js';
import { benchCluster, brokerProblem, node, removeCluster, skipped, until } from './cluster.js';
import { rawSide, WINDOW } from './cross-node-throughput.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side } from './harness.js';

const CONCURRENCY = 64;
const TIMEOUT = 300_000;
/** More than a heartbeat (1 s): senders batch pool messages only once they heard a member serve the pool, and how many it takes. */
const HEARD = 1_500;

const sink = setup({ types: { context: {} as { n: number }, events: {} as { type: 'work'; id: number } } }).createMachine({
  context: { n: 0 },
  on: { work: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

let round = 0;

function poolSide(a: System, b: System, count: number): Side {
  return {
    async setup() {
      const counter = b.spawn(sink, { id: `sink-${++round}` });
      const stop = await b.servePool('sink', counter, { concurrency: CONCURRENCY });
      await new Promise((resolve) => setTimeout(resolve, HEARD));
      const pool = a.poolRef('sink');
      const processed = () => (counter.getSnapshot() as { context: { n: number } }).context.n;
      return {
        run: async () => {
          for (let i = 0; i < count; i++) pool.send({ type: 'work', id: i });
          await until('every pool message processed on b', () => processed() >= count, TIMEOUT);
        },
        // The counter stays (one small actor per run); the pool is served afresh by the next run's.
        teardown: stop,
      };
    },
  };
}

export async function poolThroughput({ quick }: ScenarioOptions): Promise<Result[]> {
  const problem = await brokerProblem();
  if (problem) return skipped(['pool-throughput', 'pool-throughput-batch'], 'msgs/s', problem);
  const count = quick ? 5_000 : 20_000;
  const cluster = benchCluster('pool-throughput');
  const rawQueue = `arbor.${cluster}.raw`;
  const b = await node('b', cluster);
  const a = await node('a', cluster, {}, { poolBatch: 1 });
  const batching = await node('a8', cluster);
  try {
    await until('a and a8 to see b', () => [a, batching].every((s) => s.nodes().some((n) => n.node === 'b')));
    const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
    const single = await compare(poolSide(a, b, count), rawSide(rawQueue, count, WINDOW), repeat);
    const batched = await compare(poolSide(batching, b, count), rawSide(rawQueue, count, WINDOW), repeat);
    const baselineName = `rabbitmq-client, ${WINDOW} confirms in flight, prefetch 64`;
    return [
      rateResult({ id: 'pool-throughput', unit: 'msgs/s', baselineName, note: `a→pool on b (concurrency ${CONCURRENCY}), poolBatch 1: one AMQP message each` }, count, single),
      rateResult({ id: 'pool-throughput-batch', unit: 'msgs/s', baselineName, note: `a→pool on b (concurrency ${CONCURRENCY}), default poolBatch (8)` }, count, batched),
    ];
  } finally {
    await a.shutdown();
    await batching.shutdown();
    await b.shutdown();
    await removeCluster(cluster, ['a', 'a8', 'b'], [rawQueue, new Topology(cluster).poolQueue('sink')]);
  }
}
