/**
 * Disruptive: restarts the whole broker (`rabbitmqctl stop_app` / `start_app`) while messages
 * flow between nodes, so it runs only in the sequential run of `vitest.disruptive.config.ts`
 * (`npm test` runs it after the main run). The same ledger as the SIGKILL test: every id sent is
 * processed, none lost, duplicates counted and reported.
 */
import { afterAll, expect, it } from 'vitest';
import pino from 'pino';
import { createSystem, rabbitmqTransport, supervisor, type DeadLetter, type SupervisorReport, type System } from '../../src/index.js';
import { brokerUp, stopBroker } from '../broker/broker-app.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger, reporterOn } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from './ledger.js';

const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
const systems: System[] = [];

/**
 * Tuned to ride out a broker outage of a few seconds: sends wait up to a minute for the broker to
 * come back and confirm (rather than failing as undeliverable); reconnection is retried at least
 * every second, well within the 3 heartbeats (1.5 s) peers get to be heard again once a node is
 * back (no node is declared down while it cannot hear). Should a host still look down for a
 * moment, the supervisor backs off between restarts rather than spending its restart intensity.
 */
const transportOptions = { url: AMQP_URL, heartbeat: 500, sendTimeout: 60_000, reconnect: { min: 100, max: 1000 } };

async function node(name: string, cluster: string, kinds: Record<string, unknown> = {}): Promise<System> {
  const system = await createSystem({ node: name, logger, kinds, transport: rabbitmqTransport({ ...transportOptions, cluster }) });
  systems.push(system);
  return system;
}

describeBroker('distribution across a broker restart', () => {
  afterAll(async () => {
    await brokerUp();
    await Promise.all(systems.map((s) => s.shutdown()));
    await cleanupClusters();
  });

  it('every id sent before, during and after a broker restart is processed by the remote children: none lost, duplicates counted', async () => {
    const cluster = uniqueCluster();
    await node('b', cluster, { rep: reporterOn('b') });
    const a = await node('a', cluster);
    await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    const reports: SupervisorReport[] = [];
    const dead: DeadLetter[] = [];
    a.on('report', (r) => reports.push(r));
    a.on('deadLetter', (d) => dead.push(d));
    const book = a.spawn(ledger, { id: 'ledger' });
    const children = ['w1', 'w2'];
    a.spawn(
      supervisor({
        intensity: 100,
        period: 10_000,
        backoff: { min: 100, max: 1000 },
        children: children.map((id) => ({ id, kind: 'rep', node: 'b', input: { ledger: book } })),
      }),
      { id: 'root' },
    );
    const refs = children.map((id) => a.lookup(`root/${id}`));
    let sent = 0;
    const send = (n: number) => {
      for (let i = 0; i < n; i++) {
        sent++;
        refs[sent % refs.length]?.send({ type: 'work', id: sent });
      }
    };
    // A steady flow, whatever the broker does, until told to stop.
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        send(20);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    await waitFor('a first batch processed', () => ledgerOf(book).ids.length >= 500);
    const before = sent;
    const down = Date.now();
    try {
      await stopBroker();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await brokerUp();
    }
    const outage = Date.now() - down;
    const during = sent - before;
    const codes = () => reports.filter((x) => x.kind === 'child_exited').map((x) => (x.reason as { code?: string }).code);
    const failed = (total: number) => (err: unknown) => {
      throw new Error(`${String(err)}: ${describeLedger(reconcile(total, ledgerOf(book)))}; child exits: ${codes().join(', ')}; dead letters: ${dead.length}`);
    };
    const afterRestart = sent;
    await waitFor('what was sent up to the restart to be processed', () => new Set(ledgerOf(book).ids).size >= afterRestart, 30_000).catch(failed(afterRestart));
    flowing = false;
    await flow;
    const total = sent;
    await waitFor('every id processed', () => new Set(ledgerOf(book).ids).size === total, 30_000).catch(failed(total));

    const r = reconcile(total, ledgerOf(book));
    const exits = codes();
    console.info(`[broker restart ledger] ${before} sent before the restart, ${during} during it (${outage} ms); ${describeLedger(r)}; child exits: ${exits.join(', ') || 'none'}`);
    expect(during).toBeGreaterThan(0);
    expect(r.missing).toEqual([]);
    expect(r.duplicates).toBeGreaterThanOrEqual(0);
    expect(dead.map((d) => `${d.recipient}: ${d.reason.code} ${d.reason.message}`)).toEqual([]);
    expect(exits.filter((code) => code !== 'NODE_DOWN' && code !== 'NO_NODE')).toEqual([]);
  }, 120_000);
});
