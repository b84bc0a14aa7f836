import { Connection } from 'rabbitmq-client';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Topology } from '../../src/transport/topology.js';
import { AMQP_URL, cleanupClusters, describeBroker, envelope, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

async function redeclare(queue: string, args: Record<string, unknown>): Promise<unknown> {
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  try {
    return await connection.queueDeclare({ queue, durable: true, arguments: args }).then(
      () => 'ok',
      (err: { code?: string }) => err.code,
    );
  } finally {
    await connection.close();
  }
}

describeBroker('rabbitmq transport: queue types, several broker addresses, ephemeral nodes', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('with queueType quorum, declares node, pool, retry and dead-letter queues as quorum queues and delivers in order through them', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster, { queueType: 'quorum' });
    const { host: b, transport: tb } = await startNode('b', cluster, { queueType: 'quorum' });
    await tb.consumePool('work');
    const sent = Array.from({ length: 300 }, (_, i) => envelope('arbor://b/root/w', { type: 'work', i }));
    for (const e of sent) a.send('b', e);
    await waitFor('300 deliveries', () => b.delivered.length >= 300);
    expect(b.delivered.map((e) => e.id)).toEqual(sent.map((e) => e.id));
    const t = new Topology(cluster);
    // Redeclaring with the same type succeeds and with the other fails: each is a quorum queue.
    for (const queue of [t.nodeQueue('b'), t.poolQueue('work'), t.deadQueue]) {
      expect(await redeclare(queue, { 'x-queue-type': 'quorum' })).toBe('ok');
      expect(await redeclare(queue, { 'x-queue-type': 'classic' })).toBe('PRECONDITION_FAILED');
    }
  });

  it('with the default, declares classic queues', async () => {
    const cluster = uniqueCluster();
    await startNode('a', cluster);
    expect(await redeclare(new Topology(cluster).nodeQueue('a'), { 'x-queue-type': 'quorum' })).toBe('PRECONDITION_FAILED');
  });

  it('connects through the next broker address when the first does not answer', async () => {
    const cluster = uniqueCluster();
    const good = new URL(AMQP_URL);
    const dead = new URL(AMQP_URL);
    dead.port = '1'; // nothing listens on port 1
    const { host: a, transport } = await startNode('a', cluster, { url: dead.href, urls: [good.href], connectTimeout: 5000, reconnect: { min: 10, max: 50 } });
    const { transport: b } = await startNode('b', cluster);
    b.send('a', envelope('arbor://a/x', { type: 'hello' }));
    await waitFor('a delivery through the second address', () => a.delivered.length === 1);
    expect(transport.options.hosts).toEqual([`${dead.hostname}:1`, `${good.hostname}:${good.port || '5672'}`]);
  });

  it('gives an ephemeral (observer) node an exclusive queue that is gone once it stops', async () => {
    const cluster = uniqueCluster();
    const { transport } = await startNode('observer', cluster, { ephemeral: true });
    const queue = new Topology(cluster).nodeQueue('observer');
    expect(await redeclare(queue, {})).toBe('RESOURCE_LOCKED'); // exclusive to the observer's connection
    await transport.stop();
    expect(await redeclare(queue, {})).toBe('ok'); // it was gone: this declared a fresh one
    const connection = new Connection({ url: AMQP_URL });
    connection.on('error', () => undefined);
    await connection.queueDelete({ queue });
    await connection.close();
  });
});
