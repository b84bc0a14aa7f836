import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, expect, it } from 'vitest';
import { rabbitmqTransport } from '../../src/transport/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, fakeHost, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

describeBroker('rabbitmq transport: nodes that leave on purpose', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('logs an observer that says goodbye (what `arbor status` is) at info, never as a node-down warning', async () => {
    const cluster = uniqueCluster();
    const lines: { level: number; msg: string; peer?: string; reason?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const host = Object.assign(fakeHost('a'), { logger: pino({ level: 'info' }, sink) });
    const a = rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 10_000 });
    await a.start(host);
    try {
      const { transport: observer } = await startNode('status-1', cluster, { heartbeat: 10_000, ephemeral: true });
      await waitFor('a sees the observer', () => host.ups.some((u) => u.node === 'status-1'));
      await observer.stop();
      await waitFor('a sees the observer leave', () => host.downs.includes('status-1'), 3000);
      const downs = lines.filter((l) => l.msg === 'node down' && l.peer === 'status-1');
      expect(downs).toEqual([expect.objectContaining({ level: 30, reason: 'bye' })]);
      expect(lines.filter((l) => l.level >= 40 && l.peer === 'status-1')).toEqual([]);
    } finally {
      await a.stop();
    }
  });
});
