/**
 * Disruptive: restarts the whole broker (`rabbitmqctl stop_app` / `start_app`), which would break
 * every other broker test running beside it, so it runs only in the sequential run of
 * `vitest.disruptive.config.ts`, after the main run (`npm test` does both):
 *   npx vitest run --config vitest.disruptive.config.ts
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/transport.js';
import { brokerUp, stopBroker } from './broker-app.js';
import { cleanupClusters, describeBroker, envelope, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

describeBroker('rabbitmq transport: broker restart', () => {
  afterEach(stopAll);
  afterAll(async () => {
    await brokerUp();
    await cleanupClusters();
  });

  it('delivers everything sent before, during and after a broker restart', async () => {
    const cluster = uniqueCluster();
    const options = { heartbeat: 500, reconnect: { min: 200, max: 1000 }, sendTimeout: 60_000 };
    const { transport: a, host: ha } = await startNode('a', cluster, options);
    const { host: hb } = await startNode('b', cluster, options);
    const sent: Envelope[] = [];
    const send = (n: number) => {
      for (let i = 0; i < n; i++) {
        const e = envelope('arbor://b/x', { type: 'work', i: sent.length });
        sent.push(e);
        a.send('b', e);
      }
    };
    send(100);
    await waitFor('first hundred', () => hb.delivered.length >= 100);
    try {
      await stopBroker();
      send(100); // published once the broker is back
    } finally {
      await brokerUp();
    }
    send(100);
    await waitFor('all three hundred', () => new Set(hb.delivered.map((e) => e.id)).size >= 300, 60_000);
    expect(ha.undeliverables).toEqual([]);
    expect(new Set(hb.delivered.map((e) => e.id))).toEqual(new Set(sent.map((e) => e.id)));
    // Peers were not heard while the broker was away; neither took the other for dead.
    expect(ha.downs).toEqual([]);
    expect(hb.downs).toEqual([]);
  }, 120_000);
});
