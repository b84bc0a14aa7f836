/**
 * Direct routes across a real death: node `s` (in this process) sends to children that node `a`
 * (also here) placed on `b` (a child process), so after the first messages `s` sends to `b`
 * directly, past the owner. `b` is SIGKILLed while ids flow: what `b` had taken and not processed
 * comes back from the broker (acked only once processed) and, with what was still queued, is
 * drained to the owner; sends to `b` that fail go through the owner. The ledger must show every
 * id processed (duplicates allowed: at least once), and the children restarted on `c`.
 *
 * What it guards: `b` acks a direct message only once the publishes its processing made (the
 * report to the ledger) are confirmed. Acked on processing alone, the ack could reach the broker
 * before the report, and a kill in between lost it (~40-50 ids in one run of three or so).
 */
import { afterAll, expect, it } from 'vitest';
import { createSystem, rabbitmqTransport, supervisor, type DeadLetter, type System } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from './ledger.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from './node-processes.js';

const HEARTBEAT = 250;
const systems: System[] = [];

describeBroker('direct routes to placed children across processes', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
  });

  it('a host killed while another node sends to it directly: nothing is lost, the children restart on c', async () => {
    const cluster = uniqueCluster();
    const [b] = await Promise.all(['b', 'c'].map((node) => startNodeProcess({ node, cluster, heartbeat: HEARTBEAT })));
    const transport = () => rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 });
    const a = await createSystem({ node: 'a', logger: false, transport: transport() });
    const s = await createSystem({ node: 's', logger: false, transport: transport() });
    systems.push(s, a);
    const dead: DeadLetter[] = [];
    for (const x of [a, s]) x.on('deadLetter', (d) => dead.push(d));
    await waitFor('a and s to see every node', () => [a, s].every((x) => ['a', 'b', 'c', 's'].every((n) => x.nodes().some((i) => i.node === n))));
    const book = a.spawn(ledger, { id: 'ledger' });
    const children = ['w1', 'w2'];
    a.spawn(supervisor({ intensity: 20, backoff: { min: 20, max: 500 }, children: children.map((id) => ({ id, kind: 'rep', node: ['b', 'c'], input: { ledger: book } })) }), { id: 'root' });
    const hosts = () => (a.describe().roots.find((r) => r.id === 'root')?.children ?? []).map((c) => c.node);
    await waitFor('every child started on b', () => hosts().length === children.length && hosts().every((n) => n === 'b'));
    const refs = children.map((id) => s.lookup(`arbor://a/root/${id}`));
    const processed = () => ledgerOf(book).ids.length;

    const total = 4000;
    let sent = 0;
    let killed = false;
    let sentAtKill = 0;
    let forwardedAtKill = 0;
    let processedAtKill = 0;
    await new Promise<void>((done, fail) => {
      const slice = () => {
        for (let i = 0; i < 40 && sent < total; i++) refs[++sent % refs.length]?.send({ type: 'work', id: sent });
        if (!killed && processed() >= 1000) {
          killed = true;
          sentAtKill = sent;
          processedAtKill = processed();
          // What a's actors handled besides the ledger's reports: forwards by the owner's cells of the children.
          forwardedAtKill = (a.describe().processed ?? 0) - processedAtKill;
          killNodeProcess(b as NonNullable<typeof b>).catch(fail);
        }
        if (sent < total) setTimeout(slice, 5);
        else done();
      };
      slice();
    });
    await waitFor('b to be killed', () => killed, 20_000);
    await waitFor('every id processed', () => new Set(ledgerOf(book).ids).size === total, 40_000).catch((err: unknown) => {
      const seenBy = (x: System) => x.nodes().map((n) => n.node).join(',');
      throw new Error(`${String(err)}: ${describeLedger(reconcile(total, ledgerOf(book)))}; hosts ${hosts().join(',')}; a sees ${seenBy(a)}, s sees ${seenBy(s)}; dead letters ${dead.map((d) => `${d.recipient} ${d.reason.code}`).slice(0, 5).join('; ')} (${dead.length})`);
    });
    await waitFor('every child running on c', () => hosts().every((n) => n === 'c'));
    const r = reconcile(total, ledgerOf(book));
    console.info(`[direct ledger] b killed after ${sentAtKill} sent / ${processedAtKill} processed (${forwardedAtKill} messages handled on a besides the ledger's); ${describeLedger(r)}`);
    expect(sentAtKill).toBeLessThan(total); // the kill came while messages were still being sent
    expect(forwardedAtKill).toBeLessThan(processedAtKill / 2); // most went from s to b directly
    expect(r.missing).toEqual([]);
    expect(dead.map((d) => `${d.recipient}: ${d.reason.code}`)).toEqual([]);
    expect(new Set(ledgerOf(book).nodes)).toEqual(new Set(['b', 'c']));
  }, 90_000);
});
