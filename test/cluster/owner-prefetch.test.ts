/**
 * An owner node carries messages from a third node to the child it placed elsewhere (no direct
 * route yet, or direct routes off). It must keep taking deliveries from its node queue while the
 * host works through them: the host's progress reports come back to the owner, and if they had
 * to queue behind the very messages whose acks wait for them, an owner holding `prefetch` of
 * those would get nothing more from the broker, ever (found in session 5: `node.a` stuck at
 * 120 ready / 64 unacked, no exits, no dead letters).
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { rabbitmqTransport, supervisor, type ActorRef, type System } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';
import { acc } from '../support/acc.js';

const sees = (system: System, ...names: string[]) => () => names.every((n) => system.nodes().some((i) => i.node === n));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeBroker('an owner carrying messages for a child it placed on another node', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  for (const { prefetch, count } of [{ prefetch: 2, count: 20 }, { prefetch: 64, count: 200 }]) {
    it(`keeps its node queue flowing when more than its prefetch (${prefetch}) wait on the host (${count} messages)`, async () => {
      const cluster = uniqueCluster();
      const transport = () => rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 200, sendTimeout: 5000, prefetch });
      const b = await startSystem('b', cluster, { acc }, { transport: transport() });
      const a = await startSystem('a', cluster, {}, { transport: transport(), directRoutes: false });
      const s = await startSystem('s', cluster, {}, { transport: transport() });
      await waitFor('a and s to see the others', () => sees(a, 'b', 's')() && sees(s, 'a', 'b')());
      a.spawn(supervisor({ children: [{ id: 'w', kind: 'acc', node: 'b' }] }), { id: 'root' });
      await waitFor('w hosted on b', () => b.describe().hosted.length === 1);
      const w = s.lookup('arbor://a/root/w') as ActorRef;
      for (const id of range(1, count)) {
        w.send({ type: 'work', id });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seen = async () => ((await w.ask({ type: 'dump' }, { timeout: 500 }).catch(() => ({ seen: [] }))) as { seen: number[] }).seen;
      let ids: number[] = [];
      for (let i = 0; i < 20 && ids.length < count; i++) ids = await seen();
      expect(ids).toEqual(range(1, count));
    });
  }
});
