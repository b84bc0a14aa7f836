/**
 * Issue 10, point 4: one slow actor must not make its node look dead. This test process is node
 * `a` (a supervisor placing one child of kind `slow` on `b` or `c`, and a ledger); `b` and `c` are
 * child processes whose `slow` child spends 3 ms of CPU on each message. Before the dispatcher
 * yielded on a time slice, a turn of 300 such messages blocked `b` for about 900 ms: its
 * heartbeats stopped, `a` declared it down, restarted the child on `c` and re-sent the window,
 * again and again (thousands of duplicates). Now every message is processed, duplicates stay
 * under 1%, and the child never leaves `b`.
 */
import { afterAll, expect, it } from 'vitest';
import pino from 'pino';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSystem, rabbitmqTransport, supervisor, type SupervisorReport, type System } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from '../cluster/ledger.js';
import { killNodeProcesses, startNodeProcess } from '../cluster/node-processes.js';

const HEARTBEAT = 250;
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'chaos-node.ts');
const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
const systems: System[] = [];

describeBroker('chaos: a slow actor on a node', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
  });

  it('a hosted child spending 3 ms per message processes 3,000 messages with under 1% duplicates, and its node is never declared down', async () => {
    process.env.ARBOR_CHAOS_WORK_MS = '3';
    const cluster = uniqueCluster();
    await startNodeProcess({ node: 'b', cluster, heartbeat: HEARTBEAT, script: SCRIPT });
    await startNodeProcess({ node: 'c', cluster, heartbeat: HEARTBEAT, script: SCRIPT });
    const a = await createSystem({ node: 'a', logger, transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
    systems.push(a);
    await waitFor('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)), 20_000);
    const reports: SupervisorReport[] = [];
    a.on('report', (r) => reports.push(r));
    const book = a.spawn(ledger, { id: 'ledger' });
    a.spawn(supervisor({ intensity: 50, period: 5000, backoff: { min: 20, max: 500 }, children: [{ id: 'slow', kind: 'slow', node: ['b', 'c'], input: { ledger: book } }] }), { id: 'root' });
    const host = () => a.describe().roots.find((r) => r.id === 'root')?.children?.[0]?.node;
    await waitFor('the child to start on b', () => host() === 'b', 20_000);
    const slow = a.lookup('root/slow');
    const total = 3000;
    for (let id = 1; id <= total; id++) slow?.send({ type: 'work', id });

    await waitFor('every id processed', () => new Set(ledgerOf(book).ids).size === total, 90_000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${describeLedger(reconcile(total, ledgerOf(book)))}; ${reports.length} reports: ${reports.slice(0, 6).map((x) => `${x.kind} ${String((x.reason as { code?: string; message?: string } | undefined)?.message)}`).join('; ')}`);
    });
    const r = reconcile(total, ledgerOf(book));
    const exits = reports.filter((x) => x.kind === 'child_exited');
    console.info(`[slow-actor ledger] ${describeLedger(r)}; ${exits.length} child exits`);
    expect(r.missing).toEqual([]);
    expect(r.duplicates).toBeLessThan(total / 100);
    expect(exits.map((x) => (x.reason as { code?: string }).code)).toEqual([]);
    expect(new Set(ledgerOf(book).nodes)).toEqual(new Set(['b']));
  }, 150_000);
});
