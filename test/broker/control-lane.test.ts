/**
 * The control lane (`Transport.sendControl`): a node's reports, requests and replies reach it on a
 * queue of their own, so a node holding the acks of `prefetch` user messages (as an owner does for
 * messages to a child it placed elsewhere, until the host reports them processed) still gets the
 * reports that release them. The queue goes with its node: deleted by the node when it stops, or,
 * after a crash, undrained once a peer drained the dead node's queue.
 */
import { Connection } from 'rabbitmq-client';
import { afterAll, afterEach, expect, it } from 'vitest';
import { AMQP_URL, brokerNames, cleanupClusters, describeBroker, envelope, queueDepth, startNode, stopAll, uniqueCluster, waitFor, waitForDepth } from './broker.js';

const control = (node: string, body: Record<string, unknown> & { type: string }) => envelope(`arbor://${node}/$sys`, body, { kind: 'system' });

describeBroker('rabbitmq transport: the control lane', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('delivers control envelopes while the node queue has `prefetch` messages waiting on their acks', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { transport: b, host: hb } = await startNode('b', cluster, { prefetch: 2 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // User messages are acked only once `held` settles (as a placed child's are once its host reported).
    hb.respond = (e) => (e.kind === 'user' ? { ok: true, done: held } : { ok: true });
    for (let i = 0; i < 6; i++) {
      a.send('b', envelope('arbor://b/root/w', { type: 'work', i }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor('b to hold two user messages', () => hb.delivered.filter((e) => e.kind === 'user').length === 2);
    const reports = [1, 2, 3].map((n) => control('b', { type: 'report', n }));
    for (const r of reports) a.sendControl('b', r);
    await waitFor('the reports on b', () => hb.delivered.filter((e) => e.kind === 'system').length === 3);
    // The held user messages let nothing more through meanwhile; the reports are in their order.
    expect(hb.delivered.filter((e) => e.kind === 'user')).toHaveLength(2);
    expect(hb.delivered.filter((e) => e.kind === 'system').map((e) => e.id)).toEqual(reports.map((r) => r.id));
    release();
    await waitFor('the rest of the user messages', () => hb.delivered.filter((e) => e.kind === 'user').length === 6);
    expect(await queueDepth(b.topology.controlQueue('b'))).toBe(0);
  });

  it('a node that stops deletes its own control queue, last node or not; its node queue stays for a peer to drain', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host: ha } = await startNode('a', cluster);
    await startNode('b', cluster);
    const { transport: c } = await startNode('c', cluster);
    expect(await brokerNames('list_queues')).toContain(c.topology.controlQueue('c'));
    await c.stop(); // not the last node
    const names = await brokerNames('list_queues');
    expect(names).not.toContain(c.topology.controlQueue('c'));
    expect(names).toContain(c.topology.nodeQueue('c'));
    a.sendControl('c', control('c', { type: 'late' }));
    await waitFor('the report to the stopped node to come back', () => ha.undeliverables.length === 1);
    expect(ha.undeliverables[0]!.error.code).toBe('UNROUTABLE');
  });

  it("deletes a dead node's control queue, undrained, once its node queue is drained", async () => {
    const cluster = uniqueCluster();
    const { transport: a, host: ha } = await startNode('a', cluster);
    const { transport: b, host: hb } = await startNode('b', cluster);
    const { transport: c } = await startNode('c', cluster);
    await c.stop();
    // What a crash leaves (a clean stop deletes the control queue): the queue, bound as its node declared it.
    const connection = new Connection({ url: AMQP_URL });
    try {
      await connection.queueDeclare({ queue: c.topology.controlQueue('c'), durable: true });
      await connection.queueBind({ exchange: c.topology.exchange, queue: c.topology.controlQueue('c'), routingKey: c.topology.controlKey('c') });
    } finally {
      await connection.close();
    }
    const work = envelope('arbor://a/root/w', { type: 'work' });
    a.send('c', work);
    a.sendControl('c', control('c', { type: 'report' }));
    await waitForDepth(c.topology.nodeQueue('c'), 1);
    await waitForDepth(c.topology.controlQueue('c'), 1);
    expect(await b.drainNode('c')).toBe(1);
    expect(hb.delivered.map((e) => e.id)).toEqual([work.id]); // the report to the dead node is not handed over
    expect(await brokerNames('list_queues')).not.toContain(c.topology.controlQueue('c'));
    a.sendControl('c', control('c', { type: 'late' }));
    await waitFor('the late report to come back', () => ha.undeliverables.length === 1);
    expect(ha.undeliverables[0]!.error.code).toBe('UNROUTABLE');
  });
});
