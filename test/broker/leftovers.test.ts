/**
 * What a cluster leaves on the broker after its nodes stop (the README's "Queues that outlive
 * nodes"): the dead-letter queue and the topic exchange; a node's own queue, the retry tiers and
 * the retry exchange go with the last node to stop cleanly, unless they still hold messages.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { ArborError } from '../../src/runtime/errors.js';
import { brokerNames, cleanupClusters, describeBroker, envelope, readQueue, shutdownSystems, startNode, startSystem, stopAll, uniqueCluster, waitFor } from './broker.js';

async function namesOf(cluster: string): Promise<{ queues: string[]; exchanges: string[] }> {
  const prefix = `arbor.${cluster}`;
  const owned = (n: string) => n === prefix || n.startsWith(`${prefix}.`);
  return { queues: (await brokerNames('list_queues')).filter(owned).sort(), exchanges: (await brokerNames('list_exchanges')).filter(owned).sort() };
}

describeBroker('rabbitmq transport: what stays on the broker after shutdown', () => {
  afterEach(async () => {
    await stopAll();
    await shutdownSystems();
  });
  afterAll(cleanupClusters);

  it('leaves only the dead-letter queue and the topic exchange once the last node stopped cleanly', async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster);
    const b = await startSystem('b', cluster);
    await waitFor('a and b to see each other', () => a.nodes().length === 2 && b.nodes().length === 2);
    await b.shutdown();
    // A peer stopping while others run: they drain its queue on its goodbye, and delete it.
    for (let i = 0; i < 100 && (await namesOf(cluster)).queues.includes(`arbor.${cluster}.node.b`); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await namesOf(cluster)).queues).not.toContain(`arbor.${cluster}.node.b`);
    await a.shutdown();
    const left = await namesOf(cluster);
    expect(left.queues).toEqual([`arbor.${cluster}.dead`]);
    expect(left.exchanges).toEqual([`arbor.${cluster}`]);
    // rabbitmqctl (a new Erlang VM per listing) takes seconds on a loaded machine: up to a minute.
  }, 60_000);

  it('keeps a non-empty dead-letter queue with its letters, and the cluster can start again on it', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { transport: b, host: hb } = await startNode('b', cluster);
    hb.respond = () => ({ ok: false, retry: false, error: new ArborError('NOT_FOUND', 'no actor') });
    a.send('b', envelope('arbor://b/root/gone', { type: 'work' }));
    await waitFor('the refusal', () => hb.delivered.length === 1);
    await b.stop();
    await a.stop();
    expect((await namesOf(cluster)).queues).toContain(`arbor.${cluster}.dead`);
    const { transport: again } = await startNode('c', cluster);
    await again.stop();
    const letters = await readQueue(`arbor.${cluster}.dead`);
    expect(letters.map((l) => l.headers['x-arbor-code'])).toEqual(['NOT_FOUND']);
  });

  it('keeps the retry tiers while another node of the cluster runs', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { transport: b } = await startNode('b', cluster);
    await a.stop();
    const queues = (await namesOf(cluster)).queues;
    expect(queues.filter((q) => q.includes('.retry.')).length).toBeGreaterThan(0);
    expect(queues).toContain(`arbor.${cluster}.node.a`);
    await b.stop();
  });
});
