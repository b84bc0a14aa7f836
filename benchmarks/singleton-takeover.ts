/**
 * Singleton takeover: from the SIGKILL of the node running a cluster singleton to the singleton
 * answering again from another node, against a 3 s budget (ratio = 3 s / measured, the median of
 * the runs), with the default heartbeat (1 s).
 *
 * Each run starts nodes `b`, `c` and `d` as processes of their own
 * (`test/durable/fixtures/singleton-node.ts` under tsx), each spawning the durable `tally`
 * singleton over one broker cluster and one PostgreSQL store (`DATABASE_URL`), and node `a` in
 * this process, which never spawns it and asks `arbor://$singleton/<id>`. After a first answer,
 * the owner is SIGKILLed; once it has exited, `a` asks again: the ask waits in the singleton's
 * queue until the broker, which saw the owner's connection close, hands the queue to another
 * node, which takes the lease, resumes from the store and answers. The heartbeat plays no part:
 * the broker's single-active-consumer queue moves at once.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { killNodeProcess, killNodeProcesses, startNodeProcess, type NodeProcess } from '../test/cluster/node-processes.js';
import { Topology } from '../src/transport/topology.js';
import { BENCH_DIR, benchCluster, brokerProblem, node, removeCluster, REPO_ROOT, skipped } from './cluster.js';
import { dropTables, postgresProblem } from './postgres.js';
import { median, type Result, type ScenarioOptions } from './harness.js';

const BUDGET_MS = 3000;
const HEARTBEAT = 1000;
const NODES = ['b', 'c', 'd'];

async function once(): Promise<{ ms: number; from: string; to: string }> {
  const cluster = benchCluster('singleton');
  const id = `tally-${randomUUID().slice(0, 8)}`;
  const path = `arbor://$singleton/${id}`;
  const prefix = `bench_singleton_${process.pid}_${randomUUID().slice(0, 6)}`;
  process.env.SINGLETON_ID = id;
  process.env.SINGLETON_PREFIX = prefix;
  const script = resolve(BENCH_DIR, '..', 'test', 'durable', 'fixtures', 'singleton-node.ts');
  const a = await node('a', cluster, {}, { heartbeat: HEARTBEAT });
  try {
    const procs = await Promise.all(NODES.map((n) => startNodeProcess({ node: n, cluster, heartbeat: HEARTBEAT, script, cwd: REPO_ROOT })));
    const ref = a.lookup(path);
    const get = () => ref?.ask<{ count: number }>({ type: 'get' }, { timeout: 30_000 });
    await get();
    const owner = async () => (await a.clusterStatus({ timeout: 5000 })).trees.find((t) => t.singletons?.some((s) => s.path === path && s.role === 'owner'))?.node;
    const from = await owner();
    const victim = procs.find((p) => p.node === from) as NodeProcess | undefined;
    if (!victim) throw new Error(`singleton-takeover: no node runs ${path}`);
    const t0 = performance.now();
    await killNodeProcess(victim);
    await get();
    const ms = performance.now() - t0;
    const to = (await owner()) ?? '?';
    if (to === from) throw new Error(`singleton-takeover: ${from} still runs it after its SIGKILL`);
    return { ms, from: from as string, to };
  } finally {
    await a.shutdown();
    await killNodeProcesses();
    await removeCluster(cluster, ['a', ...NODES], [new Topology(cluster).singletonQueue(id)]);
    await dropTables([prefix]);
  }
}

export async function singletonTakeover({ quick }: ScenarioOptions): Promise<Result[]> {
  const problem = (await brokerProblem()) ?? (await postgresProblem());
  if (problem) return skipped(['singleton-takeover'], 'ms', problem);
  const runs = quick ? 1 : 3;
  const done: { ms: number; from: string; to: string }[] = [];
  for (let i = 0; i < runs; i++) done.push(await once());
  const ms = median(done.map((d) => d.ms));
  return [
    {
      id: 'singleton-takeover',
      unit: 'ms',
      arbor: ms,
      baseline: BUDGET_MS,
      baselineName: '3 s budget',
      ratio: BUDGET_MS / ms,
      target: 1.0,
      note: `SIGKILL of the owner → answer from another node (PostgreSQL store, heartbeat ${HEARTBEAT} ms); runs ${done.map((d) => `${d.ms.toFixed(0)} (${d.from}→${d.to})`).join(', ')} ms`,
    },
  ];
}
