/**
 * Failover: from the SIGKILL of a node process to its children answering again on another node,
 * against a 3 s budget (ratio = 3 s / measured, the median of the runs).
 *
 * Each run starts nodes `b` and `c` as processes of their own (`test/cluster/node-process.ts`
 * under tsx; both host kind `echo`, which answers `ping` with `pong` and its node name) and node
 * `a` in this process: a supervisor with four `echo` children placed on `['b', 'c']`, so all
 * start on `b`, each answering an ask first. Then `b` is SIGKILLed and, at once, every child is
 * asked `ping`: the asks wait in the children's mailboxes on `a` while `a` finds `b` silent for
 * three heartbeats, counts the children crashed (`NODE_DOWN`) and restarts them on `c`, which
 * answers. The figure is the time until all four have answered from `c`. Detection dominates it:
 * with heartbeat H it is between 2H and 3H after the kill (H = 500 ms here; the default is 1 s).
 */
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { supervisor } from '../src/index.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from '../test/cluster/node-processes.js';
import { BENCH_DIR, benchCluster, brokerProblem, node, removeCluster, REPO_ROOT, skipped, until } from './cluster.js';
import { median, type Result, type ScenarioOptions } from './harness.js';

const BUDGET_MS = 3000;
const HEARTBEAT = 500;
const CHILDREN = ['w1', 'w2', 'w3', 'w4'];

async function once(): Promise<number> {
  const cluster = benchCluster('failover');
  const script = resolve(BENCH_DIR, '..', 'test', 'cluster', 'node-process.ts');
  const a = await node('a', cluster, {}, { heartbeat: HEARTBEAT });
  try {
    const [b] = await Promise.all(['b', 'c'].map((n) => startNodeProcess({ node: n, cluster, heartbeat: HEARTBEAT, script, cwd: REPO_ROOT })));
    await until('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)));
    a.spawn(supervisor({ intensity: 10, children: CHILDREN.map((id) => ({ id, kind: 'echo', node: ['b', 'c'] })) }), { id: 'root' });
    const refs = CHILDREN.map((id) => a.lookup(`root/${id}`));
    const ping = () => Promise.all(refs.map((ref) => ref?.ask<{ node: string }>({ type: 'ping' }, { timeout: 30_000 })));
    const before = await ping();
    if (!before.every((r) => r?.node === 'b')) throw new Error(`failover: children started on ${before.map((r) => r?.node).join(', ')}, not b`);
    const t0 = performance.now();
    const killed = killNodeProcess(b as NonNullable<typeof b>);
    const after = await ping();
    const ms = performance.now() - t0;
    await killed;
    if (!after.every((r) => r?.node === 'c')) throw new Error(`failover: children answered from ${after.map((r) => r?.node).join(', ')}, not c`);
    return ms;
  } finally {
    await a.shutdown();
    await killNodeProcesses();
    await removeCluster(cluster, ['a', 'b', 'c']);
  }
}

export async function failover({ quick }: ScenarioOptions): Promise<Result[]> {
  const problem = await brokerProblem();
  if (problem) return skipped(['failover'], 'ms', problem);
  const runs = quick ? 1 : 3;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  const ms = median(times);
  const spread = times.map((t) => t.toFixed(0)).join(', ');
  return [
    {
      id: 'failover',
      unit: 'ms',
      arbor: ms,
      baseline: BUDGET_MS,
      baselineName: '3 s budget',
      ratio: BUDGET_MS / ms,
      target: 1.0,
      note: `SIGKILL → 4 children answering on c; heartbeat ${HEARTBEAT} ms; runs ${spread} ms`,
    },
  ];
}
