import { afterAll, afterEach, expect, it } from 'vitest';
import { setup } from 'xstate';
import { sample } from '../support/prom.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from './broker.js';

describeBroker('broker queue metrics', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('reports the depth and consumers of every node queue and of the pools a node uses', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster, {}, { metrics: { brokerPollInterval: 0 } });
    const b = await startSystem('b', cluster);
    await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    const sink = b.spawn(setup({}).createMachine({}), { id: 'sink' });
    await b.servePool('jobs', sink);
    // A pool a sends to but nobody consumes on a: its queue only exists once b declared it.
    a.poolRef('jobs').send({ type: 'job' });
    const pool = `arbor.${cluster}.pool.jobs`;
    let text = '';
    for (let i = 0; i < 50 && !text.includes(pool); i++) {
      text = await a.metrics();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(text).toContain(pool);
    for (const queue of [`arbor.${cluster}.node.a`, `arbor.${cluster}.node.b`, pool]) {
      expect(sample(text, 'arbor_broker_queue_consumers', { node: 'a', queue })).toBe(1);
      expect(sample(text, 'arbor_broker_queue_messages', { node: 'a', queue })).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'arbor_broker_queue_consumers', { queue: pool, role: 'pool' })).toBe(1);
  });
});
