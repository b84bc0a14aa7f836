/**
 * Three nodes in three processes: this test process is node `a` (a supervisor whose children run
 * on `b` or `c`, and a ledger), `b` and `c` are child processes hosting kind `rep`. While
 * thousands of ids flow, `b` is SIGKILLed; the ledger (every id sent vs every id processed) must
 * show nothing lost, the duplicates are counted and reported, and the children restart on `c`
 * with `NODE_DOWN`.
 */
import { afterAll, expect, it } from 'vitest';
import pino from 'pino';
import { createSystem, rabbitmqTransport, supervisor, type DeadLetter, type SupervisorReport, type System } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from './ledger.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from './node-processes.js';

const HEARTBEAT = 250;
const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
const systems: System[] = [];

describeBroker('distribution across processes', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
  });

  it('a node process killed with SIGKILL while messages flow: nothing is lost, duplicates are counted, its children restart on c with NODE_DOWN', async () => {
    const cluster = uniqueCluster();
    const [b] = await Promise.all([
      startNodeProcess({ node: 'b', cluster, heartbeat: HEARTBEAT }),
      startNodeProcess({ node: 'c', cluster, heartbeat: HEARTBEAT }),
    ]);
    const a = await createSystem({ node: 'a', logger, transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
    systems.push(a);
    await waitFor('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)));
    const reports: SupervisorReport[] = [];
    const dead: DeadLetter[] = [];
    a.on('report', (r) => reports.push(r));
    a.on('deadLetter', (d) => dead.push(d));

    const book = a.spawn(ledger, { id: 'ledger' });
    const children = ['w1', 'w2', 'w3', 'w4'];
    a.spawn(
      supervisor({ intensity: 20, period: 5000, backoff: { min: 20, max: 500 }, children: children.map((id) => ({ id, kind: 'rep', node: ['b', 'c'], input: { ledger: book } })) }),
      { id: 'root' },
    );
    const hosts = () => (a.describe().roots.find((r) => r.id === 'root')?.children ?? []).map((c) => c.node);
    await waitFor('every child started on b', () => hosts().length === 4 && hosts().every((n) => n === 'b'));
    const refs = children.map((id) => a.lookup(`root/${id}`));
    const context = () => ledgerOf(book);

    // Send in slices, one per timer turn, so messages are in every stage of flight at the kill.
    const total = 8000;
    const killAt = 2000;
    let sent = 0;
    let killed = false;
    let sentAtKill = 0;
    let processedAtKill = 0;
    await new Promise<void>((done, fail) => {
      const slice = () => {
        for (let i = 0; i < 40 && sent < total; i++) {
          sent++;
          refs[sent % refs.length]?.send({ type: 'work', id: sent });
        }
        if (!killed && context().ids.length >= killAt) {
          killed = true;
          sentAtKill = sent;
          processedAtKill = context().ids.length;
          killNodeProcess(b).catch(fail);
        }
        if (sent < total) setTimeout(slice, 5);
        else done();
      };
      slice();
    });
    await waitFor('b to be killed', () => killed, 20_000);
    await waitFor('every id processed', () => new Set(context().ids).size === total, 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${describeLedger(reconcile(total, context()))}`);
    });
    await waitFor('every child running on c', () => hosts().every((n) => n === 'c'));

    const r = reconcile(total, context());
    console.info(`[multiprocess ledger] b killed after ${sentAtKill} sent / ${processedAtKill} processed; ${describeLedger(r)}`);
    expect(sentAtKill).toBeLessThan(total); // the kill came while messages were still being sent
    expect(r.missing).toEqual([]);
    expect(r.duplicates).toBeGreaterThanOrEqual(0);
    expect(dead.map((d) => `${d.recipient}: ${d.reason.code}`)).toEqual([]);
    expect(new Set(context().nodes)).toEqual(new Set(['b', 'c']));
    // Each child crashed with NODE_DOWN when b died and was restarted. On a loaded machine a node
    // whose event loop stalls past 3 heartbeats can look down for a moment: then c drops what it
    // hosts for a and tells a, which restarts those children too (NODE_DOWN again, or NO_NODE while
    // c looks down to a, retried with backoff). Such extra restarts lose nothing either.
    const exits = reports.filter((x) => x.kind === 'child_exited');
    const codes = exits.map((x) => (x.reason as { code?: string }).code);
    for (const id of children) expect((exits.find((x) => x.child === id)?.reason as { code?: string } | undefined)?.code).toBe('NODE_DOWN');
    expect(codes.filter((code) => code !== 'NODE_DOWN' && code !== 'NO_NODE')).toEqual([]);
    expect(reports.filter((x) => x.kind === 'child_restarted')).toHaveLength(exits.length);
    console.info(`[multiprocess ledger] ${exits.length} child exits (${codes.join(', ')})`);
    expect(a.nodes().map((n) => n.node).sort()).toEqual(['a', 'c']);
  }, 60_000);
});
