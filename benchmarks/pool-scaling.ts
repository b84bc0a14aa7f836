/**
 * Pool scaling (issue 15): 10,000 simulated agent calls of 200 ms each through a work pool served
 * by 1, 2 and 4 node processes of 100 agents each; the completion time of each against the ideal,
 * calls × 0.2 s / (agents in all): 20 s, 10 s and 5 s. Ratio = ideal / measured (1 is perfect).
 *
 * The producer is node `a` in this process: it sends every call to `poolRef('agents')` at once,
 * each with `replyTo` a counter on `a`, and the time runs until the last `done` reply. Each serving
 * node is `test/cluster/pool-node-process.ts` in a process of its own, taking from the pool queue
 * only as many calls as it has idle agents (a call is acked when its invoked promise settled), so the broker spreads
 * the calls over the nodes as they free up. A warm-up round of one call per agent runs first.
 * The note gives the CPU seconds the producer and the serving processes used in the timed round
 * and the load average: on a shared 2-core machine, those, not the pool, set the time.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { killNodeProcesses, startNodeProcess } from '../test/cluster/node-processes.js';
import { BENCH_DIR, benchCluster, brokerProblem, node, removeCluster, REPO_ROOT, skipped, until } from './cluster.js';
import { target, type Result, type ScenarioOptions } from './harness.js';
import { doneCounter } from '../test/support/pool-agent.js';
import { Topology } from '../src/transport/topology.js';

const AGENTS = 100;
const CALL_MS = 200;

/** CPU seconds (user + system) a process has used so far, from `/proc` (0 where there is none). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; in clock ticks (100 Hz on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface Run {
  ms: number;
  /** CPU seconds during the timed round: this process (producer `a`) and the serving node processes. */
  cpu: { producer: number; nodes: number };
}

async function once(nodes: number, calls: number): Promise<Run> {
  const cluster = benchCluster(`pool-scaling-${nodes}`);
  const names = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  process.env.ARBOR_POOL_WORKERS = String(AGENTS);
  process.env.ARBOR_POOL_CALL_MS = String(CALL_MS);
  const a = await node('a', cluster, {}, { sendTimeout: 60_000 });
  try {
    const procs = await Promise.all(names.map((n) => startNodeProcess({ node: n, cluster, heartbeat: 500, script: resolve(BENCH_DIR, '..', 'test', 'cluster', 'pool-node-process.ts'), cwd: REPO_ROOT, readyTimeout: 120_000 })));
    await until('a to see the pool nodes', () => names.every((n) => a.nodes().some((i) => i.node === n)), 60_000);
    const counter = doneCounter();
    const replyTo = target(a.spawn(counter.logic, { id: 'done' }));
    const pool = a.poolRef('agents');
    const round = async (n: number): Promise<number> => {
      const all = counter.expect(n);
      const t0 = performance.now();
      for (let id = 0; id < n; id++) pool.send({ type: 'call', id, replyTo });
      await all;
      return performance.now() - t0;
    };
    await round(AGENTS * nodes);
    const nodesCpu = () => procs.reduce((sum, p) => sum + cpuSeconds(p.child.pid), 0);
    const [p0, n0] = [process.cpuUsage(), nodesCpu()];
    const ms = await round(calls);
    const p1 = process.cpuUsage(p0);
    return { ms, cpu: { producer: (p1.user + p1.system) / 1e6, nodes: nodesCpu() - n0 } };
  } finally {
    await a.shutdown();
    await killNodeProcesses();
    await removeCluster(cluster, ['a', ...names], [new Topology(cluster).poolQueue('agents')]);
  }
}

export async function poolScaling({ quick }: ScenarioOptions): Promise<Result[]> {
  const sizes = [1, 2, 4];
  const problem = await brokerProblem();
  if (problem) return skipped(sizes.map((n) => `pool-scaling-${n}`), 's', problem);
  const calls = quick ? 1_000 : 10_000;
  const results: Result[] = [];
  for (const nodes of sizes) {
    const { ms, cpu } = await once(nodes, calls);
    const ideal = (calls * CALL_MS) / (AGENTS * nodes);
    results.push({
      id: `pool-scaling-${nodes}`,
      unit: 's',
      arbor: ms / 1000,
      baseline: ideal / 1000,
      baselineName: `ideal (${calls} × ${CALL_MS} ms / ${AGENTS * nodes} agents)`,
      ratio: ideal / ms,
      note: `${nodes} node process${nodes > 1 ? 'es' : ''} × ${AGENTS} agents, ${calls} calls of ${CALL_MS} ms; CPU s: producer ${cpu.producer.toFixed(1)}, nodes ${cpu.nodes.toFixed(1)}; load ${loadavg()[0]?.toFixed(1)}`,
    });
  }
  return results;
}
