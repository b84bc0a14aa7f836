/**
 * A node that only looks down: its event loop stalled past three heartbeats, so a peer declared it
 * down although it runs on. Regression tests for two ways that lost messages or hung a child:
 * the host dropped the owner's children without telling the owner (which then forwarded into the
 * void, its window full, for ever), and the host drained the live owner's queue.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import pino from 'pino';
import { Connection } from 'rabbitmq-client';
import { createSystem, rabbitmqTransport, supervisor, type SupervisorReport, type System } from '../../src/index.js';
import type { RabbitmqTransport } from '../../src/transport/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger, reporterOn } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from './ledger.js';

const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
let systems: System[] = [];

async function node(name: string, cluster: string, kinds: Record<string, unknown> = {}): Promise<{ system: System; transport: RabbitmqTransport }> {
  const transport = rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 200, sendTimeout: 5000 });
  const system = await createSystem({ node: name, logger, kinds, transport });
  systems.push(system);
  return { system, transport };
}

/** What the transport tells the runtime when a peer misses its heartbeats. */
const declareDown = (system: System, peer: string) => (system as unknown as { _distribution: { nodeDown(node: string): void } })._distribution.nodeDown(peer);

async function consumersOf(queue: string): Promise<number> {
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  try {
    return (await connection.queueDeclare({ queue, passive: true })).consumerCount;
  } catch {
    return -1; // no such queue
  } finally {
    await connection.close();
  }
}

describeBroker('distribution: a node that only looked down', () => {
  afterEach(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    systems = [];
  });
  afterAll(cleanupClusters);

  it('a host that takes its live owner for dead tells it, and the owner restarts the child with nothing lost', async () => {
    const cluster = uniqueCluster();
    const { system: c } = await node('c', cluster, { rep: reporterOn('c') });
    const { system: a } = await node('a', cluster);
    await waitFor('a to see c', () => a.nodes().some((n) => n.node === 'c'));
    const reports: SupervisorReport[] = [];
    a.on('report', (r) => reports.push(r));
    const book = a.spawn(ledger, { id: 'ledger' });
    a.spawn(supervisor({ intensity: 5, backoff: { min: 10, max: 100 }, children: [{ id: 'w1', kind: 'rep', node: 'c', input: { ledger: book } }] }), { id: 'root' });
    await waitFor('w1 hosted on c', () => c.describe().hosted.length === 1);
    const w1 = a.lookup('root/w1');
    for (let id = 1; id <= 500; id++) w1?.send({ type: 'work', id });
    await waitFor('some processed', () => ledgerOf(book).ids.length >= 100);

    declareDown(c, 'a'); // as if a's beats had not reached c for three periods
    for (let id = 501; id <= 1000; id++) w1?.send({ type: 'work', id });

    await waitFor('every id processed', () => new Set(ledgerOf(book).ids).size === 1000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${describeLedger(reconcile(1000, ledgerOf(book)))}`);
    });
    expect(reconcile(1000, ledgerOf(book)).missing).toEqual([]);
    const exits = reports.filter((r) => r.kind === 'child_exited');
    expect(exits.map((r) => (r.reason as { code?: string }).code)).toEqual(['NODE_DOWN']);
    expect((exits[0]?.reason as Error).message).toContain('lost its owner "a"');
    expect(reports.filter((r) => r.kind === 'child_restarted')).toHaveLength(1);
    await waitFor('w1 hosted on c again', () => c.describe().hosted.length === 1);
  });

  it('a node still consuming its queue is not drained, whoever takes it for dead', async () => {
    const cluster = uniqueCluster();
    const { transport: ta } = await node('a', cluster);
    const { system: c, transport: tc } = await node('c', cluster);
    const book = c.spawn(ledger, { id: 'ledger' });
    await waitFor('a to see c', () => c.nodes().some((n) => n.node === 'a'));
    const queue = ta.topology.nodeQueue('a');
    expect(await consumersOf(queue)).toBe(1);

    await expect(tc.drainNode('a')).resolves.toBe(0);
    expect(await consumersOf(queue)).toBe(1);
    // and a still gets what is sent to it
    const a = systems[0] as System;
    const sink = a.spawn(reporterOn('a'), { id: 'sink', input: { ledger: c.lookup('arbor://c/ledger')! } });
    for (let id = 1; id <= 50; id++) c.lookup(sink.path)?.send({ type: 'work', id });
    await waitFor('all fifty through a', () => ledgerOf(book).ids.length === 50);
  });
});
