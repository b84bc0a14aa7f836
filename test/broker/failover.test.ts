import { afterAll, afterEach, expect, it } from 'vitest';
import { ArborError } from '../../src/runtime/errors.js';
import { cleanupClusters, describeBroker, envelope, startNode, stopAll, uniqueCluster, waitFor, waitForDepth } from './broker.js';

describeBroker('rabbitmq transport: failover', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('drains what is left in a dead node queue into this node, then deletes that queue', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host: ha } = await startNode('a', cluster);
    const { transport: b, host: hb } = await startNode('b', cluster);
    const { transport: c } = await startNode('c', cluster);
    await c.stop(); // its durable queue stays, and keeps receiving
    const sent = Array.from({ length: 20 }, (_, i) => envelope('arbor://a/root/w1', { type: 'work', i }));
    for (const e of sent) a.send('c', e);
    await waitForDepth(c.topology.nodeQueue('c'), 1); // coalesced: one AMQP message
    expect(ha.undeliverables).toEqual([]);

    const drained = await b.drainNode('c');
    expect(drained).toBe(20);
    expect(hb.delivered.map((e) => e.id)).toEqual(sent.map((e) => e.id));

    a.send('c', envelope('arbor://a/root/w1', { type: 'late' }));
    await waitFor('the late send to come back', () => ha.undeliverables.length === 1);
    expect(ha.undeliverables[0]!.error.code).toBe('UNROUTABLE');
  });

  it('resolves to zero when the node has no queue', async () => {
    const cluster = uniqueCluster();
    const { transport: b } = await startNode('b', cluster);
    await expect(b.drainNode('never-existed')).resolves.toBe(0);
  });

  it('retries a drained envelope the host cannot take yet on this node, not on the dead one', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { transport: b, host: hb } = await startNode('b', cluster);
    const { transport: c } = await startNode('c', cluster);
    await c.stop();
    let first = true;
    hb.respond = () => {
      if (!first) return { ok: true };
      first = false;
      return { ok: false, retry: true, error: new ArborError('NO_NODE', 'restarting') };
    };
    const e = envelope('arbor://a/root/w1', { type: 'work' });
    a.send('c', e);
    await waitForDepth(c.topology.nodeQueue('c'), 1);
    expect(await b.drainNode('c')).toBe(1);
    await waitFor('the retry on b', () => hb.delivered.length === 2);
    expect(hb.delivered.map((d) => [d.id, d.attempt])).toEqual([
      [e.id, 0],
      [e.id, 1],
    ]);
  });

  it('refuses to drain its own queue', async () => {
    const cluster = uniqueCluster();
    const { transport: b } = await startNode('b', cluster);
    await expect(b.drainNode('b')).rejects.toMatchObject({ code: 'INVALID_SPEC' });
  });
});
