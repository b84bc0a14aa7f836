/**
 * Shared helpers of the tests that need a real RabbitMQ (`AMQP_URL`, default
 * `amqp://guest:guest@127.0.0.1:5672`). The broker is probed once per file: if it is unreachable
 * the suites are skipped with a visible notice, or fail when `ARBOR_REQUIRE_BROKER=1`.
 *
 * Each test uses its own cluster name (`t-<pid>-<n>`), so files running in parallel never share
 * queues; {@link cleanupClusters} deletes everything those clusters left on the broker.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { Connection } from 'rabbitmq-client';
import pino from 'pino';
import { realClock } from '../../src/runtime/clock.js';
import type { Clock } from '../../src/runtime/clock.js';
import type { ArborError } from '../../src/runtime/errors.js';
import type { DeliveryResult, Envelope, NodeInfo, TransportHost } from '../../src/runtime/transport.js';
import { redactUrl } from '../../src/transport/redact.js';
import { rabbitmqTransport } from '../../src/transport/index.js';
import { createSystem, type System, type SystemOptions } from '../../src/index.js';
import type { RabbitmqTransport, RabbitmqTransportOptions } from '../../src/transport/index.js';

const run = promisify(execFile);

export const AMQP_URL = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';

async function probe(): Promise<string | undefined> {
  const connection = new Connection({ url: AMQP_URL, connectionTimeout: 3000, retryLow: 100, retryHigh: 200 });
  connection.on('error', () => undefined);
  try {
    await connection.onConnect(3000);
    await connection.close();
    return undefined;
  } catch (err) {
    // onConnect closed it already; close() on a connection that never opened would never settle.
    connection.unsafeDestroy();
    return err instanceof Error ? err.message : String(err);
  }
}

/** Why the broker cannot be used, or undefined when it can. */
export const brokerProblem = await probe();

/** `describe` for suites that need the broker: skips (or fails, with ARBOR_REQUIRE_BROKER=1) without one. */
export function describeBroker(name: string, fn: () => void): void {
  if (!brokerProblem) {
    describe(name, fn);
    return;
  }
  const why = `RabbitMQ is not reachable at ${redactUrl(AMQP_URL)} (${brokerProblem})`;
  if (process.env.ARBOR_REQUIRE_BROKER === '1') {
    describe(name, () => {
      it('needs a reachable RabbitMQ broker (ARBOR_REQUIRE_BROKER=1)', () => {
        throw new Error(`${why}; start one or unset ARBOR_REQUIRE_BROKER to skip the broker tests`);
      });
    });
    return;
  }
  console.warn(`[broker tests] skipping "${name}": ${why}. Set ARBOR_REQUIRE_BROKER=1 to make this a failure.`);
  describe.skip(name, fn);
}

let clusterSeq = 0;
const clusters = new Set<string>();

/** A cluster name no other test (or test file) uses. */
export function uniqueCluster(): string {
  const name = `t-${process.pid}-${++clusterSeq}`;
  clusters.add(name);
  return name;
}

/** Deletes every queue and exchange of the clusters this file created. Call from `afterAll`. */
export async function cleanupClusters(): Promise<void> {
  if (brokerProblem || clusters.size === 0) return;
  const prefixes = [...clusters].map((c) => `arbor.${c}`);
  const owned = (name: string) => prefixes.some((p) => name === p || name.startsWith(`${p}.`));
  await withConnection(async (connection) => {
    for (const queue of (await brokerNames('list_queues')).filter(owned)) await connection.queueDelete({ queue });
    for (const exchange of (await brokerNames('list_exchanges')).filter(owned)) await connection.exchangeDelete({ exchange });
  });
  clusters.clear();
}

/** The names of every queue (`list_queues`) or exchange (`list_exchanges`) on the broker. */
export async function brokerNames(what: 'list_queues' | 'list_exchanges'): Promise<string[]> {
  return (await run('rabbitmqctl', ['-q', what, 'name', '--no-table-headers'])).stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Closes, from the broker side, the AMQP connection named `name` (the client reconnects). */
export async function closeConnectionByName(name: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties', '--no-table-headers']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`"${name}"`))
    .map((line) => line.split('\t')[0]?.trim())
    .filter((pid): pid is string => !!pid);
  for (const pid of pids) await run('rabbitmqctl', ['-q', 'close_connection', pid, 'test']);
  return pids.length;
}

/** A fake runtime: records everything the transport tells it; `deliver` can be replaced. */
export interface FakeHost extends TransportHost {
  delivered: Envelope[];
  undeliverables: { envelope: Envelope; error: ArborError }[];
  ups: NodeInfo[];
  downs: string[];
  respond: (envelope: Envelope) => DeliveryResult | Promise<DeliveryResult>;
}

const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });

export function fakeHost(node: string, options: { kinds?: string[]; clock?: Clock } = {}): FakeHost {
  const host: FakeHost = {
    node,
    kinds: options.kinds ?? [],
    logger,
    clock: options.clock ?? realClock,
    delivered: [],
    undeliverables: [],
    ups: [],
    downs: [],
    respond: () => ({ ok: true }),
    deliver(envelope) {
      host.delivered.push(envelope);
      return host.respond(envelope);
    },
    undeliverable(envelope, error) {
      host.undeliverables.push({ envelope, error });
    },
    nodeUp(info) {
      host.ups.push(info);
    },
    nodeDown(n) {
      host.downs.push(n);
    },
  };
  return host;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. Waiting on the broker, not timing it. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A user envelope with a fresh id. */
let envelopeSeq = 0;
export function envelope(to: string, body: Record<string, unknown> & { type: string }, extra: Partial<Envelope> = {}): Envelope {
  return { id: `e-${process.pid}-${++envelopeSeq}`, to, kind: 'user', body, sentAt: Date.now(), ...extra };
}

/** Runs `fn` on a short-lived connection of its own. */
async function withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** Reads (and acks) everything in `queue`, with headers. */
export function readQueue(queue: string): Promise<{ body: Buffer; headers: Record<string, unknown>; routingKey: string }[]> {
  return withConnection(async (connection) => {
    const out: { body: Buffer; headers: Record<string, unknown>; routingKey: string }[] = [];
    for (;;) {
      const msg = await connection.basicGet({ queue, noAck: true });
      if (!msg) return out;
      out.push({ body: msg.body as Buffer, headers: msg.headers ?? {}, routingKey: msg.routingKey });
    }
  });
}

/** Publishes raw bytes straight to an exchange, bypassing the transport. */
export function publishRaw(exchange: string, routingKey: string, body: Buffer): Promise<void> {
  return withConnection(async (connection) => {
    const publisher = connection.createPublisher({ confirm: true });
    try {
      await publisher.send({ exchange, routingKey, contentType: 'application/octet-stream' }, body);
    } finally {
      await publisher.close();
    }
  });
}

const started = new Set<RabbitmqTransport>();

/** Starts a transport for a fake host on `node`; {@link stopAll} stops every one started so. */
export async function startNode(
  node: string,
  cluster: string,
  options: RabbitmqTransportOptions = {},
  hostOptions: { kinds?: string[]; clock?: Clock } = {},
): Promise<{ transport: RabbitmqTransport; host: FakeHost }> {
  const host = fakeHost(node, hostOptions);
  const transport = rabbitmqTransport({ url: AMQP_URL, cluster, sendTimeout: 5000, retryBackoff: { min: 50, max: 200 }, ...options });
  await transport.start(host);
  started.add(transport);
  return { transport, host };
}

/** Stops every transport {@link startNode} started. Call from `afterEach`. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((t) => t.stop()));
  started.clear();
}

/** How many ready messages `queue` holds (a passive declare; 0 when it does not exist). */
export function queueDepth(queue: string): Promise<number> {
  return withConnection((connection) => connection.queueDeclare({ queue, passive: true }).then((ok) => ok.messageCount, () => 0));
}

/** Waits until `queue` holds `count` ready messages. */
export async function waitForDepth(queue: string, count: number): Promise<void> {
  let depth = -1;
  const until = Date.now() + 10_000;
  while ((depth = await queueDepth(queue)) !== count) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${queue} to hold ${count} messages (holds ${depth})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const systems: System[] = [];
const systemLogger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });

/** Starts an actor system on node `name` of `cluster` over the broker (heartbeat 200 ms); {@link shutdownSystems} stops it. */
export async function startSystem(name: string, cluster: string, kinds: Record<string, unknown> = {}, extra: Partial<SystemOptions> = {}): Promise<System> {
  const system = await createSystem({
    node: name,
    logger: systemLogger,
    kinds,
    transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 200, sendTimeout: 5000 }),
    ...extra,
  });
  systems.push(system);
  return system;
}

/** Shuts down every system {@link startSystem} started (again, harmlessly, for one already shut down). Call from `afterEach`. */
export async function shutdownSystems(): Promise<void> {
  await Promise.all(systems.splice(0).map((s) => s.shutdown()));
}
