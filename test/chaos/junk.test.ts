/**
 * Junk published straight into a node's queue (as a buggy or hostile client could), interleaved
 * with good traffic from another node: a ledger of every id. Good messages are all processed, once,
 * in order, by an unsupervised root that stays up; every junk frame is dead-lettered with a reason;
 * nothing is lost. And an ask whose request is dead-lettered on the broker fails at once.
 */
import { Connection } from 'rabbitmq-client';
import { afterAll, afterEach, expect, it } from 'vitest';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { encodeEnvelope } from '../../src/transport/codec.js';
import { Topology } from '../../src/transport/topology.js';
import { AMQP_URL, cleanupClusters, describeBroker, readQueue, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';

/** Records `work` ids (and who is waiting on a `hold`); answers `get` with them. */
const sink = setup({
  types: {
    context: {} as { ids: number[]; holding: string[] },
    events: {} as { type: 'work'; id: number } | { type: 'get'; replyTo: AnyActorRef } | { type: 'hold'; replyTo: AnyActorRef },
  },
}).createMachine({
  context: { ids: [], holding: [] },
  on: {
    work: { actions: assign({ ids: ({ context, event }) => [...context.ids, event.id] }) },
    get: { actions: sendTo(({ event }) => event.replyTo, ({ context }) => ({ type: 'ids', ids: context.ids })) },
    hold: { actions: assign({ holding: ({ context, event }) => [...context.holding, (event.replyTo as unknown as { path: string }).path] }) },
  },
});

/** Publishes raw frames to `node`'s queue on a connection of its own (a foreign client). */
async function junkPublisher(cluster: string) {
  const topology = new Topology(cluster);
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  const publisher = connection.createPublisher({ confirm: true });
  let seq = 0;
  return {
    /** An envelope for `to` on `node` with any body. */
    envelope: (node: string, to: string, body: unknown) => {
      const bytes = encodeEnvelope({ id: `junk-${++seq}`, to, kind: 'user', body, sentAt: Date.now() });
      return publisher.send({ exchange: topology.exchange, routingKey: topology.envelopeKey(node, 'user', { type: 'junk' }), contentType: 'application/octet-stream' }, bytes);
    },
    raw: (node: string, bytes: Buffer) => publisher.send({ exchange: topology.exchange, routingKey: topology.envelopeKey(node, 'user', { type: 'junk' }), contentType: 'application/octet-stream' }, bytes),
    close: async () => {
      await publisher.close();
      await connection.close();
    },
  };
}

const INVALID_BODIES: unknown[] = [null, 42, 'str', [{ type: 'work' }], { type: 5 }, { id: 1 }, { type: 'xstate.stop' }, { type: 'xstate.init' }];

function countBy(values: unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

/** Takes dead letters off `queue` until `count` were taken (or 20 s passed). */
async function takeLetters(queue: string, count: number): Promise<Awaited<ReturnType<typeof readQueue>>> {
  const letters: Awaited<ReturnType<typeof readQueue>> = [];
  for (let i = 0; i < 200 && letters.length < count; i++) {
    letters.push(...(await readQueue(queue)));
    if (letters.length < count) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return letters;
}

/** Nodes a and b of a new cluster, the sink as an unsupervised root on b, and a's ref to it. */
async function sinkOnB() {
  const cluster = uniqueCluster();
  const b = await startSystem('b', cluster);
  const a = await startSystem('a', cluster);
  const root = b.spawn(sink, { id: 'root' });
  await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'));
  return { cluster, b, root, target: a.lookup('arbor://b/root')! };
}

describeBroker('chaos: junk on the wire', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('keeps an unsupervised root alive and every good message processed once, in order, while all junk is dead-lettered with its reason', async () => {
    const { cluster, root, target } = await sinkOnB();
    const junk = await junkPublisher(cluster);
    const SENT = 400;
    const ROUNDS = 5;
    const published: Promise<unknown>[] = [];
    for (let id = 1; id <= SENT; id++) {
      target.send({ type: 'work', id });
      if (id % (SENT / ROUNDS) === 0) {
        for (const body of INVALID_BODIES) published.push(junk.envelope('b', 'arbor://b/root', body));
        published.push(junk.raw('b', Buffer.from('this is not msgpack \xc1')));
      }
    }
    published.push(junk.envelope('b', 'arbor://b/root', { type: 'work', id: -1, pad: 'x'.repeat(5 * 1024 * 1024) }));
    await Promise.all(published);
    await junk.close();

    const reply = (await target.ask({ type: 'get' }, { timeout: 30_000 })) as { ids: number[] };
    const topology = new Topology(cluster);
    const junkCount = ROUNDS * (INVALID_BODIES.length + 1) + 1;
    const letters = await takeLetters(topology.deadQueue, junkCount);
    const processed = reply.ids;
    const unique = new Set(processed);
    const ledger = {
      sent: SENT,
      processed: processed.length,
      deadLettered: letters.length,
      lost: SENT - [...unique].filter((id) => id >= 1 && id <= SENT).length,
      duplicated: processed.length - unique.size,
    };
    expect(ledger).toEqual({ sent: SENT, processed: SENT, deadLettered: junkCount, lost: 0, duplicated: 0 });
    expect(processed).toEqual(Array.from({ length: SENT }, (_, i) => i + 1));
    expect(countBy(letters.map((l) => l.headers['x-arbor-code']))).toEqual({ INVALID_EVENT: ROUNDS * INVALID_BODIES.length, DECODE_ERROR: ROUNDS, MESSAGE_TOO_LARGE: 1 });
    expect(root.getSnapshot()).toMatchObject({ status: 'active' });
  }, 90_000);

  it('fails an ask at once, with the reason, when its request is dead-lettered on the broker', async () => {
    const { cluster, root, target } = await sinkOnB();
    const pending = target.ask({ type: 'hold' }, { timeout: 60_000 }).then(
      () => 'answered',
      (err: { code?: string }) => err.code,
    );
    await waitFor('the hold to arrive', () => (root.getSnapshot() as { context: { holding: string[] } }).context.holding.length === 1);
    const askPath = (root.getSnapshot() as { context: { holding: string[] } }).context.holding[0]!;
    // A request for the same ask whose body the wire check refuses (a reserved type).
    const junk = await junkPublisher(cluster);
    await junk.envelope('b', 'arbor://b/root', { type: 'xstate.stop', replyTo: { $ref: askPath } });
    await junk.close();
    expect(await pending).toBe('INVALID_EVENT');
    expect(root.getSnapshot()).toMatchObject({ status: 'active' });
  }, 90_000);

  it('dead-letters, with the reason, a forward for a path the node does not host, instead of dropping it', async () => {
    const { cluster } = await sinkOnB();
    const topology = new Topology(cluster);
    const junk = await junkPublisher(cluster);
    await junk.raw('b', encodeEnvelope({ id: 'fwd-1', to: 'arbor://a/root/w9', kind: 'user', body: { type: 'work', id: 1 }, sentAt: Date.now(), inc: 7, seq: 1 }));
    await junk.close();
    const letters = await takeLetters(topology.deadQueue, 1);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers).toMatchObject({ 'x-arbor-code': 'NOT_FOUND', 'x-arbor-message-id': 'fwd-1' });
    expect(String(letters[0]!.headers['x-arbor-reason'])).toContain('stale forward: arbor://a/root/w9 is not hosted on node "b"');
  }, 60_000);
});
