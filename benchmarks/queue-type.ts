/**
 * Queue type: the same cross-node traffic over classic and over quorum queues, on one broker, in
 * the same run; this is what chose the transport's default `queueType` (README "Distribution").
 *
 * Throughput: `cross-node-throughput`'s workload (N messages from `a` to a counter placed on `b`,
 * ended by an ask queued behind them) on two clusters that differ only in `queueType`, interleaved
 * by `compare`. Latency: sequential asks from `a` to the same counter (each a full round trip
 * through both nodes' queues), p50 and p99 over the same number of asks on each side. The rows
 * report quorum against classic (ratio > 1: quorum is better); there is no target.
 */
import { performance } from 'node:perf_hooks';
import { supervisor, type System } from '../src/index.js';
import type { QueueType } from '../src/transport/options.js';
import { arborSide, counter } from './cross-node-throughput.js';
import { benchCluster, brokerProblem, node, removeCluster, skipped, until } from './cluster.js';
import { compare, percentile, rateResult, type Result, type ScenarioOptions } from './harness.js';

interface Pair {
  a: System;
  b: System;
  cluster: string;
}

async function pair(queueType: QueueType): Promise<Pair> {
  const cluster = benchCluster(`queue-${queueType}`);
  const b = await node('b', cluster, { counter }, { queueType });
  const a = await node('a', cluster, {}, { queueType });
  await until('a to see b', () => a.nodes().some((n) => n.node === 'b'));
  return { a, b, cluster };
}

/** Round-trip times (ms, ascending) of `n` sequential asks from `a` to a counter on `b`. */
async function askLatencies({ a, b }: Pair, n: number): Promise<number[]> {
  const id = `lat-${Math.random().toString(36).slice(2, 8)}`;
  const root = a.spawn(supervisor({ children: [{ id: 'w', kind: 'counter', node: 'b' }] }), { id });
  await until('the counter hosted on b', () => b.describe().hosted.some((h) => h.path === `arbor://a/${id}/w`));
  const w = a.lookup(`${id}/w`);
  if (!w) throw new Error('queue-type: no ref to the counter');
  for (let i = 0; i < 100; i++) await w.ask({ type: 'get' }, { timeout: 30_000 });
  const rtts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await w.ask({ type: 'get' }, { timeout: 30_000 });
    rtts.push(performance.now() - t0);
  }
  await root.terminateChild('w');
  return rtts.sort((x, y) => x - y);
}

export async function queueType({ quick }: ScenarioOptions): Promise<Result[]> {
  const ids = ['queue-type-throughput', 'queue-type-latency-p50', 'queue-type-latency-p99'];
  const problem = await brokerProblem();
  if (problem) return skipped(ids, 'msgs/s', problem);
  const count = quick ? 5_000 : 20_000;
  const asks = quick ? 500 : 2_000;
  const classic = await pair('classic');
  const quorum = await pair('quorum');
  try {
    const timing = await compare(arborSide(quorum.a, quorum.b, count), arborSide(classic.a, classic.b, count), quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 });
    const [c, q] = [await askLatencies(classic, asks), await askLatencies(quorum, asks)];
    const latency = (p: number): Result => {
      const arbor = percentile(q, p);
      const baseline = percentile(c, p);
      return { id: `queue-type-latency-p${p}`, unit: 'ms', arbor, baseline, baselineName: 'classic queues', ratio: baseline / arbor, note: `quorum vs classic; ${asks} sequential asks a→b→a` };
    };
    return [
      rateResult({ id: 'queue-type-throughput', unit: 'msgs/s', baselineName: 'classic queues', note: 'quorum vs classic, a→b, processed on b' }, count, timing),
      latency(50),
      latency(99),
    ];
  } finally {
    for (const p of [classic, quorum]) {
      await p.a.shutdown();
      await p.b.shutdown();
      await removeCluster(p.cluster, ['a', 'b']);
    }
  }
}
