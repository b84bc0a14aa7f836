/**
 * Restarts the whole broker (`rabbitmqctl stop_app` / `start_app`), which disturbs every other
 * test using it: runs only with ARBOR_BROKER_RESTART_TEST=1, e.g.
 *   ARBOR_BROKER_RESTART_TEST=1 npx vitest run test/broker/broker-restart.test.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/transport.js';
import { cleanupClusters, describeBroker, envelope, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

const run = promisify(execFile);
const enabled = process.env.ARBOR_BROKER_RESTART_TEST === '1';

(enabled ? describeBroker : describe.skip)('rabbitmq transport: broker restart', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

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
    await run('rabbitmqctl', ['stop_app']);
    send(100); // published once the broker is back
    await run('rabbitmqctl', ['start_app']);
    await run('rabbitmqctl', ['await_startup']);
    send(100);
    await waitFor('all three hundred', () => new Set(hb.delivered.map((e) => e.id)).size >= 300, 60_000);
    expect(ha.undeliverables).toEqual([]);
    expect(new Set(hb.delivered.map((e) => e.id))).toEqual(new Set(sent.map((e) => e.id)));
  }, 120_000);
});
