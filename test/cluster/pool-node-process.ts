/**
 * One pool-serving node in a process of its own, for the `pool-scaling` benchmark and the pool
 * chaos test:
 *   node --import tsx test/cluster/pool-node-process.ts <node> <cluster> [heartbeat ms]
 * with `ARBOR_POOL_WORKERS` agents (default 100) serving pool `agents`, each call taking
 * `ARBOR_POOL_CALL_MS` ms (default 200). Prints `ready <node>` once it takes work from the pool;
 * exits when its stdin closes (see `test/cluster/node-process.ts`).
 */
import { createSystem, rabbitmqTransport } from '../../src/index.js';
import { agent } from '../support/pool-agent.js';
import { runScript, serveUntilStopped } from '../support/node-script.js';

async function main(): Promise<void> {
  const [node, cluster, heartbeat = '500'] = process.argv.slice(2);
  if (!node || !cluster) throw new Error('usage: pool-node-process.ts <node> <cluster> [heartbeat ms]');
  const workers = Number(process.env.ARBOR_POOL_WORKERS ?? 100);
  const ms = Number(process.env.ARBOR_POOL_CALL_MS ?? 200);
  const system = await createSystem({ node, logger: false, transport: rabbitmqTransport({ cluster, heartbeat: Number(heartbeat), sendTimeout: 60_000 }) });
  const logic = agent(ms);
  const refs = Array.from({ length: workers }, (_, i) => system.spawn(logic, { id: `agent-${i}` }));
  await system.servePool('agents', refs);
  serveUntilStopped(system, node);
}

runScript('pool-node', main);
