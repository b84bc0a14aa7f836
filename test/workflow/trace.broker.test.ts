/**
 * The simulator's order model against the real broker: what RabbitMQ delivers in a run of real
 * nodes is a schedule the simulated broker can generate. Nodes a and c each send a numbered
 * stream to an actor on b; the order b received them in is replayed on a `SimNetwork` holding the
 * same two streams, picking at each step the channel whose oldest message is the one b received
 * next. That succeeds exactly when the real delivery kept each sender's order, the one guarantee
 * the simulator assumes of the transport.
 */
import pino from 'pino';
import { afterAll, afterEach, expect, it } from 'vitest';
import { setup } from 'xstate';
import type { Envelope, TransportHost } from '../../src/runtime/transport.js';
import { SimNetwork } from '../../src/workflow/network.js';
import { NodeClock, SimTime } from '../../src/workflow/time.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';

interface Mark {
  type: 'mark';
  from: string;
  n: number;
}

const N = 200;

describeBroker('the simulated broker’s order model against RabbitMQ', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('generates the order in which real nodes delivered two senders’ streams to a third', async () => {
    const cluster = uniqueCluster();
    const received: Mark[] = [];
    const sink = setup({ types: { events: {} as Mark } }).createMachine({ on: { mark: { actions: ({ event }) => received.push({ type: 'mark', from: event.from, n: event.n }) } } });
    const b = await startSystem('b', cluster);
    b.spawn(sink, { id: 'sink' });
    const a = await startSystem('a', cluster);
    const c = await startSystem('c', cluster);
    await waitFor('a and c to see b', () => [a, c].every((s) => s.nodes().some((n) => n.node === 'b')));
    const toA = a.lookup('arbor://b/sink');
    const toC = c.lookup('arbor://b/sink');
    for (let n = 1; n <= N; n++) {
      toA?.send({ type: 'mark', from: 'a', n });
      if (n % 3 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the streams interleave
      toC?.send({ type: 'mark', from: 'c', n });
    }
    await waitFor(`${2 * N} deliveries on b`, () => received.length >= 2 * N, 20_000);

    // The same two streams on the simulated broker, then b's real order as a schedule.
    const time = new SimTime();
    const network = new SimNetwork(time);
    const got: Envelope[] = [];
    const host = (node: string): TransportHost => ({
      node,
      kinds: [],
      logger: pino({ enabled: false }),
      clock: new NodeClock(time, node),
      deliver: (e) => (node === 'b' && got.push(e), { ok: true }),
      undeliverable: () => undefined,
      nodeUp: () => undefined,
      nodeDown: () => undefined,
    });
    for (const n of ['a', 'b', 'c']) network.attach(host(n));
    for (const from of ['a', 'c']) {
      for (let n = 1; n <= N; n++) network.send(from, 'b', { id: `${from}-${n}`, to: 'arbor://b/sink', kind: 'user', body: { type: 'mark', from, n }, sentAt: 0 });
    }
    let interleavings = 0;
    let last = '';
    for (const m of received) {
      const channel = network.channelList.find((ch) => ch.from === m.from && network.deliverable(ch));
      expect(channel, `nothing left of ${m.from}'s stream for ${m.from}#${m.n}`).toBeDefined();
      network.deliver(channel!);
      expect((got.at(-1)?.body as Mark).n, `b received ${m.from}#${m.n}, which is not the oldest of ${m.from}'s stream`).toBe(m.n);
      if (m.from !== last) interleavings++;
      last = m.from;
    }
    expect(got).toHaveLength(2 * N);
    expect(interleavings).toBeGreaterThan(1);
  });
});
