/**
 * The cluster variant's processes: the owner starts one child process per host node
 * (`node --import tsx examples/demo/node.ts`), waits until each is up, and at the end stops them
 * (SIGTERM, SIGKILL after a bound) and removes what the run's cluster left on the broker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Connection } from 'rabbitmq-client';
import { DEFAULT_RABBITMQ_OPTIONS, redactUrl } from '../../src/index.js';
// The broker's names for a cluster: internal to the transport, used here only to clean up.
import { Topology } from '../../src/transport/topology.js';
import { retryTiers } from '../../src/transport/backoff.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE_SCRIPT = fileURLToPath(new URL('./node.ts', import.meta.url));

export interface HostProcess {
  node: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface HostOptions {
  url: string;
  cluster: string;
  out: string;
  heartbeat: number;
  /** Record spans (`--trace`). */
  trace?: boolean;
  /** The store durable agents commit to (`--kill-node`: one SQLite file every node opens). */
  store?: string;
  /** More environment for the process. */
  env?: Record<string, string>;
}

/** Starts the host node process `node`; resolves once its system is up. */
export async function startHost(node: string, o: HostOptions, timeoutMs = 30_000): Promise<HostProcess> {
  // The URL goes through the environment, so its credentials never show in a process list.
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, '--node', node, '--cluster', o.cluster, '--out', o.out, '--heartbeat', String(o.heartbeat), ...(o.trace ? ['--trace'] : []), ...(o.store ? ['--store', o.store] : [])], {
    cwd: ROOT,
    env: { ...process.env, ...o.env, AMQP_URL: o.url },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const host = { node, child, exited };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`node ${node} did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}${stderr ? `\n${stderr}` : ''}`));
    };
    child.once('message', (m) => {
      clearTimeout(timer);
      if ((m as { type?: string }).type === 'ready') resolve();
      else fail(new Error(`node ${node} failed: ${JSON.stringify(m)}`));
    });
    void exited.then((code) => fail(new Error(`node ${node} exited with code ${code} while starting`)));
  });
  return host;
}

/** Stops a host: SIGTERM (it shuts its system down), then SIGKILL if it is still there after `graceMs`. */
export async function stopHost(host: HostProcess, graceMs = 5_000): Promise<number | null> {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return host.child.exitCode;
  host.child.kill('SIGTERM');
  const timer = setTimeout(() => host.child.kill('SIGKILL'), graceMs);
  try {
    return await host.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Deletes the queues and exchanges of `cluster` (its nodes are stopped; the names are all durable). */
export async function removeCluster(url: string, cluster: string, nodes: string[]): Promise<void> {
  const t = new Topology(cluster);
  const d = DEFAULT_RABBITMQ_OPTIONS;
  const connection = new Connection({ url, connectionTimeout: 5_000 });
  connection.on('error', () => undefined);
  try {
    await connection.onConnect(5_000);
    const queues = [...nodes.map((n) => t.nodeQueue(n)), t.deadQueue, ...retryTiers(d.maxAttempts, d.retryBackoff).map((ms) => t.retryQueue(ms))];
    for (const queue of queues) await connection.queueDelete({ queue });
    for (const exchange of [t.exchange, t.retryExchange]) await connection.exchangeDelete({ exchange });
  } catch (err) {
    throw new Error(`could not remove cluster ${cluster} from ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  } finally {
    await connection.close().catch(() => undefined);
  }
}
