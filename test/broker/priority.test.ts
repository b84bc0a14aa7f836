import { afterAll, afterEach, expect, it } from 'vitest';
import { setup } from 'xstate';
import { rabbitmqTransport } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor, waitForDepth } from './broker.js';

describeBroker('priorities in work pools', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('hands urgent pool messages out before the normal ones waiting in a pool queue with poolPriority', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const transport = () => rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 200, poolPriority: true });
    const a = await startSystem('a', cluster, {}, { transport: transport(), priorities: { 'job.cancel': 'urgent' } });
    const b = await startSystem('b', cluster, {}, { transport: transport() });
    const seen: string[] = [];
    const worker = b.spawn(setup({ actions: { keep: ({ event }) => void seen.push(event.type) } }).createMachine({ on: { '*': { actions: 'keep' } } }), { id: 'worker' });
    // Declares the pool queue, then stops taking from it: the messages wait in the broker.
    await (await b.servePool('jobs', worker))();
    const pool = a.poolRef('jobs');
    pool.send({ type: 'job.1' });
    pool.send({ type: 'job.2' });
    pool.send({ type: 'job.urgent' }, { priority: 'urgent' });
    pool.send({ type: 'job.3' });
    pool.send({ type: 'job.cancel' });
    await waitForDepth(`arbor.${cluster}.pool.jobs`, 5);
    await b.servePool('jobs', worker);
    await waitFor('every job', () => seen.length === 5);
    expect(seen).toEqual(['job.urgent', 'job.cancel', 'job.1', 'job.2', 'job.3']);
  });

  it('refuses poolPriority with quorum queues, which do not support x-max-priority', () => {
    expect(() => rabbitmqTransport({ url: AMQP_URL, queueType: 'quorum', poolPriority: true })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', message: expect.stringContaining('quorum queues do not support x-max-priority') }));
  });
});
