import { afterAll, afterEach, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock.js';
import { cleanupClusters, describeBroker, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

describeBroker('rabbitmq transport: membership', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('sees peers come up through their heartbeats, with the kinds they host', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host: ha } = await startNode('a', cluster, { heartbeat: 100 });
    const { transport: b, host: hb } = await startNode('b', cluster, { heartbeat: 100 }, { kinds: ['acc', 'ledger'] });
    await waitFor('a sees b', () => ha.ups.some((u) => u.node === 'b'));
    await waitFor('b sees a', () => hb.ups.some((u) => u.node === 'a'));
    expect(ha.ups.filter((u) => u.node === 'b')).toHaveLength(1);
    expect(ha.ups[0]).toMatchObject({ node: 'b', kinds: ['acc', 'ledger'] });
    expect(a.nodes().map((n) => n.node)).toEqual(['a', 'b']);
    expect(b.nodes().map((n) => n.node)).toEqual(['b', 'a']);
    // isUp says what nodes() says of one node.
    expect(['a', 'b', 'c'].map((n) => a.isUp(n))).toEqual([true, true, false]);
  });

  it('sees a node that stops gracefully go down at once, from its goodbye', async () => {
    const cluster = uniqueCluster();
    // A long heartbeat: if the goodbye were missed, the down report would take 30 s.
    const { host: ha, transport: a } = await startNode('a', cluster, { heartbeat: 10_000 });
    const { transport: b } = await startNode('b', cluster, { heartbeat: 10_000 });
    await waitFor('a sees b', () => ha.ups.length === 1);
    await b.stop();
    await waitFor('a sees b go down', () => ha.downs.includes('b'), 3000);
    expect(a.nodes().map((n) => n.node)).toEqual(['a']);
    expect([a.isUp('a'), a.isUp('b'), b.isUp('b')]).toEqual([true, false, false]);
  });

  it('reports a node that falls silent (connected, not beating) down after its silence limit, not before', async () => {
    const cluster = uniqueCluster();
    const { host: ha } = await startNode('a', cluster, { heartbeat: 100 });
    // b's timers run on a clock nobody advances: it beats once at start and then goes silent,
    // while its connection and queues stay up (a hung process, not a crashed one).
    const frozen = new SimulatedClock(0);
    await startNode('b', cluster, { heartbeat: 100 }, { clock: frozen });
    await waitFor('a sees b', () => ha.ups.length === 1);
    const upAt = Date.now();
    await waitFor('a sees b go down', () => ha.downs.includes('b'));
    expect(Date.now() - upAt).toBeGreaterThanOrEqual(250);
    expect(ha.downs).toEqual(['b']);
  });

  it('keeps a beating node up across many heartbeat periods', async () => {
    const cluster = uniqueCluster();
    const { host: ha } = await startNode('a', cluster, { heartbeat: 50 });
    await startNode('b', cluster, { heartbeat: 50 });
    await waitFor('a sees b', () => ha.ups.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(ha.downs).toEqual([]);
  });
});
