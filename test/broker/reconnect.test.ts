import { afterAll, afterEach, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/transport.js';
import type { TappedMessage } from '../../src/transport/index.js';
import { cleanupClusters, closeConnectionByName, describeBroker, envelope, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

describeBroker('rabbitmq transport: broker connection loss', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('restores consumers and taps and resumes sending after the broker drops both connections, losing nothing', async () => {
    const cluster = uniqueCluster();
    const options = { heartbeat: 200, reconnect: { min: 50, max: 500 }, sendTimeout: 15_000 };
    const { transport: a, host: ha } = await startNode('a', cluster, options);
    const { transport: b, host: hb } = await startNode('b', cluster, options);
    const tapped: TappedMessage[] = [];
    await a.subscribe('node.b.#', (m) => tapped.push(m));

    // The ledger: every id sent must end up delivered to b or reported to a; nothing vanishes.
    const sent: Envelope[] = [];
    let sending = true;
    const pump = (async () => {
      for (let i = 0; sending; i++) {
        const e = envelope('arbor://b/root/w1', { type: 'work', i });
        sent.push(e);
        a.send('b', e);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await waitFor('traffic before the drop', () => hb.delivered.length > 50);
    expect(await closeConnectionByName(`arbor/${cluster}/b`)).toBe(1);
    expect(await closeConnectionByName(`arbor/${cluster}/a`)).toBe(1);
    const mark = sent.length;
    await waitFor('traffic after the drop', () => hb.delivered.some((e) => (e.body as { i: number }).i > mark + 50), 15_000);
    sending = false;
    await pump;

    const reported = new Set(ha.undeliverables.map((u) => u.envelope.id));
    await waitFor('every sent id delivered or reported', () => {
      const delivered = new Set(hb.delivered.map((e) => e.id));
      return sent.every((e) => delivered.has(e.id) || reported.has(e.id));
    }, 20_000);
    expect(ha.undeliverables).toEqual([]);
    // At least once, each id once: duplicates from redelivery were dropped by the receiver.
    expect(new Set(hb.delivered.map((e) => e.id)).size).toBe(hb.delivered.length);
    // The tap was re-bound too: it saw messages sent after the drop.
    await waitFor('tap after the drop', () => tapped.some((m) => m.type === 'envelope' && (m.envelope.body as { i: number }).i > mark + 50));
    // Membership recovered: a still (or again) sees b.
    await waitFor('b in a.nodes()', () => a.nodes().some((n) => n.node === 'b'), 5000);
    expect(b.nodes().map((n) => n.node)).toContain('b');
  }, 60_000); // rabbitmqctl takes seconds per call

  it('reports unconfirmed sends as TRANSPORT_ERROR when the broker stays away past sendTimeout, and stop still completes', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host: ha } = await startNode('a', cluster, { sendTimeout: 300, stopTimeout: 1000, reconnect: { min: 5000, max: 5000 } });
    await startNode('b', cluster);
    // Slow reconnection (5 s) stands in for an unreachable broker.
    await closeConnectionByName(`arbor/${cluster}/a`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const e = envelope('arbor://b/x', { type: 'work' });
    a.send('b', e);
    await waitFor('the send to be reported', () => ha.undeliverables.length === 1, 5000);
    expect(ha.undeliverables[0]!.envelope.id).toBe(e.id);
    expect(ha.undeliverables[0]!.error.code).toBe('TRANSPORT_ERROR');
    expect(ha.undeliverables[0]!.error.message).not.toContain('guest:guest');
    const stopped = a.stop().then(() => 'stopped');
    await expect(stopped).resolves.toBe('stopped');
  }, 30_000);
});
