/**
 * Issue 10, point 3: SIGTERM of a host. This test process is node `a` (a supervisor placing one
 * child of kind `slow` on `b` or `c`, and a ledger); `b` and `c` are child processes. While the
 * child works through 2,000 messages on `b` (3 ms each), `b` gets SIGTERM. Before, `b` stopped
 * in milliseconds without reporting its last processed count: `a` saw it leave, crashed the
 * child with `NODE_DOWN` and re-sent its whole window to `c` (duplicates). Now `b` processes what
 * its mailbox had accepted (bounded by the child's `shutdown` time), reports the count in an
 * `exit` with `SYSTEM_SHUTDOWN`, and `a` re-sends only the rest, to `c`.
 */
import { afterAll, expect, it } from 'vitest';
import pino from 'pino';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSystem, rabbitmqTransport, supervisor, type DeadLetter, type SupervisorReport, type System } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from '../cluster/ledger.js';
import { killNodeProcesses, startNodeProcess } from '../cluster/node-processes.js';

const HEARTBEAT = 250;
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'chaos-node.ts');
const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
const systems: System[] = [];

describeBroker('chaos: SIGTERM of a host', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
  });

  it('a host stopped with SIGTERM drains what it accepted and reports its count: no duplicates, no NODE_DOWN, the rest finishes on c', async () => {
    process.env.ARBOR_CHAOS_WORK_MS = '3';
    const cluster = uniqueCluster();
    const b = await startNodeProcess({ node: 'b', cluster, heartbeat: HEARTBEAT, script: SCRIPT });
    await startNodeProcess({ node: 'c', cluster, heartbeat: HEARTBEAT, script: SCRIPT });
    const a = await createSystem({ node: 'a', logger, transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
    systems.push(a);
    await waitFor('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)), 20_000);
    const reports: SupervisorReport[] = [];
    const dead: DeadLetter[] = [];
    a.on('report', (r) => reports.push(r));
    a.on('deadLetter', (d) => dead.push(d));
    const book = a.spawn(ledger, { id: 'ledger' });
    a.spawn(supervisor({ intensity: 20, period: 5000, backoff: { min: 20, max: 500 }, children: [{ id: 'slow', kind: 'slow', node: ['b', 'c'], input: { ledger: book } }] }), { id: 'root' });
    const host = () => a.describe().roots.find((r) => r.id === 'root')?.children?.[0]?.node;
    await waitFor('the child to start on b', () => host() === 'b', 20_000);
    const slow = a.lookup('root/slow');
    const total = 2000;
    for (let id = 1; id <= total; id++) slow?.send({ type: 'work', id });
    await waitFor('some ids processed on b', () => ledgerOf(book).ids.length >= 100, 30_000);
    b.child.kill('SIGTERM');
    const processedAtTerm = ledgerOf(book).ids.length;
    const code = await b.exited;

    await waitFor('every id processed', () => new Set(ledgerOf(book).ids).size === total, 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${describeLedger(reconcile(total, ledgerOf(book)))}`);
    });
    const r = reconcile(total, ledgerOf(book));
    const exits = reports.filter((x) => x.kind === 'child_exited').map((x) => (x.reason as { code?: string }).code);
    console.info(`[term-host ledger] b exited ${String(code)} after SIGTERM at ${processedAtTerm} processed; ${describeLedger(r)}; child exits ${exits.join(', ')}`);
    expect(code).toBe(0);
    expect(processedAtTerm).toBeLessThan(total / 2);
    expect(r.missing).toEqual([]);
    expect(r.duplicates).toBe(0);
    expect(exits).toEqual(['SYSTEM_SHUTDOWN']);
    expect(dead.map((d) => d.reason.code)).toEqual([]);
    expect(host()).toBe('c');
    expect(new Set(ledgerOf(book).nodes)).toEqual(new Set(['b', 'c']));
  }, 150_000);
});
