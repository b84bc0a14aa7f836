import { afterAll, afterEach, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import { decodeFrame, envelopesOf } from '../../src/transport/codec.js';
import { cleanupClusters, describeBroker, readQueue, shutdownSystems, startSystem, uniqueCluster, waitFor, waitForDepth } from './broker.js';

describeBroker('event schemas across nodes', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('validates events from another node on arrival and dead-letters the invalid and the too-new ones, never processing them', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const orderPlaced = z.object({ type: z.literal('order.placed'), qty: z.number().positive() }).passthrough();
    // a knows no schemas (an older build, say); b does.
    const a = await startSystem('a', cluster);
    const b = await startSystem('b', cluster, {}, { schemas: { 'order.placed': { schema: orderPlaced, version: 1 } } });
    await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    const seen: unknown[] = [];
    b.spawn(setup({ actions: { keep: ({ event }) => void seen.push(event) } }).createMachine({ on: { '*': { actions: 'keep' } } }), { id: 'orders' });
    const ref = a.lookup('arbor://b/orders')!;
    ref.send({ type: 'order.placed', qty: -1, correlationId: 'bad' });
    ref.send({ type: 'order.placed', qty: 1, schemaVersion: 2, correlationId: 'newer' });
    ref.send({ type: 'order.placed', qty: 1, correlationId: 'good' });
    const deadQueue = `arbor.${cluster}.dead`;
    await waitForDepth(deadQueue, 2);
    await waitFor('the valid one', () => seen.length === 1);
    expect(seen).toEqual([{ type: 'order.placed', qty: 1, correlationId: 'good' }]);
    const letters = await readQueue(deadQueue);
    const byCorrelation = Object.fromEntries(letters.map((l) => {
      const d = decodeFrame(l.body);
      return [d.ok ? envelopesOf(d.frame)[0]!.correlationId : '?', l.headers['x-arbor-code']];
    }));
    expect(byCorrelation).toEqual({ bad: 'INVALID_EVENT', newer: 'SCHEMA_VERSION' });
  });
});
