/**
 * What the cross-node scenarios share: the broker (`AMQP_URL`), probed once; a fresh cluster name
 * per scenario and the removal of everything it left on the broker; the rows a scenario reports
 * when there is no broker ("skipped (no broker)"); and where this folder is, so that node
 * processes can be started from the bundled runner too.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from 'rabbitmq-client';
import { createSystem, rabbitmqTransport, redactUrl, type System } from '../src/index.js';
import { retryTiers } from '../src/transport/backoff.js';
import { DEFAULT_RABBITMQ_OPTIONS, type RabbitmqTransportOptions } from '../src/transport/options.js';
import { Topology } from '../src/transport/topology.js';
import type { Result } from './harness.js';

export const AMQP_URL = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** `benchmarks/`, from the sources or from the bundle in `benchmarks/node_modules/.cache/arbor-bench/`. */
export const BENCH_DIR = FROM_SOURCE ? dirname(fileURLToPath(import.meta.url)) : resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const REPO_ROOT = resolve(BENCH_DIR, '..');

let probed: Promise<string | undefined> | undefined;

/** Why the broker cannot be used (undefined when it can): a node tries to start, once per run. */
export function brokerProblem(): Promise<string | undefined> {
  probed ??= (async () => {
    const cluster = benchCluster('probe');
    try {
      const system = await node('probe', cluster, {}, { connectTimeout: 3000 });
      await system.shutdown();
      await removeCluster(cluster, ['probe']);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  })();
  return probed;
}

/** The rows of a scenario that could not run: shown in the table, left out of results.json. */
export function skipped(ids: readonly string[], unit: string, why: string): Result[] {
  process.stderr.write(`(no broker at ${redactUrl(AMQP_URL)}: ${why}) `);
  return ids.map((id) => ({ id, unit, arbor: NaN, baseline: NaN, baselineName: '-', ratio: NaN, skipped: 'skipped (no broker)' }));
}

let seq = 0;

/** A cluster name of its own for one scenario run. */
export function benchCluster(name: string): string {
  return `bench-${name}-${process.pid}-${++seq}`;
}

/** A node of `cluster` in this process. */
export function node(name: string, cluster: string, kinds: Record<string, unknown> = {}, options: RabbitmqTransportOptions = {}): Promise<System> {
  return createSystem({ node: name, logger: false, kinds, transport: rabbitmqTransport({ url: AMQP_URL, cluster, ...options }) });
}

/** Waits until `condition` holds (polling every 5 ms); throws after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Deletes what a cluster declared (its node queues named here, retry tiers, dead-letter queue, exchanges). */
export async function removeCluster(cluster: string, nodes: readonly string[], extraQueues: readonly string[] = []): Promise<void> {
  const t = new Topology(cluster);
  const d = DEFAULT_RABBITMQ_OPTIONS;
  const queues = [...nodes.map((n) => t.nodeQueue(n)), ...retryTiers(d.maxAttempts, d.retryBackoff).map((ms) => t.retryQueue(ms)), t.deadQueue, ...extraQueues];
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  try {
    for (const queue of queues) await connection.queueDelete({ queue }).catch(() => undefined);
    for (const exchange of [t.exchange, t.retryExchange]) await connection.exchangeDelete({ exchange }).catch(() => undefined);
  } finally {
    await connection.close();
  }
}
