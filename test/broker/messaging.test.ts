import { afterAll, afterEach, expect, it } from 'vitest';
import type { TappedMessage } from '../../src/transport/index.js';
import { cleanupClusters, describeBroker, envelope, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

describeBroker('rabbitmq transport: messaging between nodes', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('delivers messages from one node to another in the order they were sent', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b } = await startNode('b', cluster);
    const sent = Array.from({ length: 500 }, (_, i) => envelope('arbor://b/root/w1', { type: i % 3 === 0 ? 'ping' : 'work', i }));
    for (const e of sent) a.send('b', e);
    await waitFor('500 deliveries', () => b.delivered.length >= 500);
    expect(b.delivered.map((e) => e.id)).toEqual(sent.map((e) => e.id));
    expect(b.delivered[0]).toEqual({ ...sent[0], attempt: 0 });
  });

  it('keeps order and content when coalescing is turned off', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster, { coalesce: false });
    const { host: b } = await startNode('b', cluster);
    const sent = Array.from({ length: 50 }, (_, i) => envelope('arbor://b/x', { type: 'work', i }, { correlationId: `c${i}` }));
    for (const e of sent) a.send('b', e);
    await waitFor('50 deliveries', () => b.delivered.length >= 50);
    expect(b.delivered.map((e) => e.correlationId)).toEqual(sent.map((e) => e.correlationId));
  });

  it('hands a message id to the host once even when it arrives twice', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b } = await startNode('b', cluster);
    const once = envelope('arbor://b/x', { type: 'work' });
    a.send('b', once);
    a.send('b', { ...once });
    const marker = envelope('arbor://b/x', { type: 'marker' });
    setTimeout(() => a.send('b', marker), 50);
    await waitFor('the marker', () => b.delivered.some((e) => e.id === marker.id));
    expect(b.delivered.filter((e) => e.id === once.id)).toHaveLength(1);
  });

  it('reports a message to a node without a queue as UNROUTABLE to the sender', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster);
    const lost = envelope('arbor://nowhere/x', { type: 'work' });
    a.send('nowhere', lost);
    await waitFor('an undeliverable report', () => host.undeliverables.length > 0);
    expect(host.undeliverables).toHaveLength(1);
    expect(host.undeliverables[0]!.envelope.id).toBe(lost.id);
    expect(host.undeliverables[0]!.error.code).toBe('UNROUTABLE');
  });

  it('resolves confirmed() only once every earlier send is settled: the unroutable ones have been reported', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster);
    await startNode('b', cluster);
    for (let i = 0; i < 10; i++) a.send('nowhere', envelope('arbor://nowhere/x', { type: 'work', i }));
    for (let i = 0; i < 10; i++) a.send('b', envelope('arbor://b/x', { type: 'work', i }));
    await a.confirmed();
    expect(host.undeliverables.map((u) => u.error.code)).toEqual(Array(10).fill('UNROUTABLE'));
    // A later send is covered by a later barrier.
    a.send('nowhere', envelope('arbor://nowhere/x', { type: 'work', i: 10 }));
    await a.confirmed();
    expect(host.undeliverables).toHaveLength(11);
  });

  it('reports every envelope of an unroutable batch', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster);
    for (let i = 0; i < 10; i++) a.send('nowhere', envelope('arbor://nowhere/x', { type: 'work', i }));
    await waitFor('ten undeliverable reports', () => host.undeliverables.length >= 10);
    expect(host.undeliverables.every((u) => u.error.code === 'UNROUTABLE')).toBe(true);
  });

  it('refuses an envelope over maxMessageBytes with MESSAGE_TOO_LARGE before publishing it', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster, { maxMessageBytes: 1024 });
    const { host: b } = await startNode('b', cluster);
    const big = envelope('arbor://b/x', { type: 'big', data: 'x'.repeat(2000) });
    const small = envelope('arbor://b/x', { type: 'small' });
    a.send('b', big);
    a.send('b', small);
    expect(host.undeliverables.map((u) => [u.envelope.id, u.error.code])).toEqual([[big.id, 'MESSAGE_TOO_LARGE']]);
    await waitFor('the small one', () => b.delivered.length === 1);
    expect(b.delivered[0]!.id).toBe(small.id);
  });

  it('reports an envelope whose body cannot be encoded as ENCODE_ERROR', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster);
    a.send('b', envelope('arbor://b/x', { type: 'bad', n: 2n ** 80n }));
    expect(host.undeliverables[0]?.error.code).toBe('ENCODE_ERROR');
  });

  it('lets observers tap traffic by event type across nodes, batches unwrapped', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b } = await startNode('b', cluster);
    await startNode('c', cluster);
    const seen: TappedMessage[] = [];
    const unsubscribe = await a.subscribe('node.*.msg.order%2Ecreated', (m) => seen.push(m));
    for (let i = 0; i < 3; i++) a.send('b', envelope('arbor://b/x', { type: 'order.created', i }));
    a.send('c', envelope('arbor://c/x', { type: 'order.created', i: 3 }));
    a.send('b', envelope('arbor://b/x', { type: 'other' }));
    await waitFor('four tapped envelopes', () => seen.length >= 4);
    await waitFor('b got its four', () => b.delivered.length >= 4);
    expect(seen.map((m) => (m.type === 'envelope' ? (m.envelope.body as { i: number }).i : -1)).sort()).toEqual([0, 1, 2, 3]);
    await unsubscribe();
  });

  it('shares pool work among competing nodes, each envelope taken once', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { transport: b, host: hb } = await startNode('b', cluster, {}, { kinds: ['acc'] });
    const { transport: c, host: hc } = await startNode('c', cluster, {}, { kinds: ['acc'] });
    await b.consumePool('acc');
    await c.consumePool('acc');
    const slow = () => new Promise<{ ok: true }>((resolve) => setTimeout(() => resolve({ ok: true }), 2));
    hb.respond = slow;
    hc.respond = slow;
    const sent = Array.from({ length: 200 }, (_, i) => envelope('arbor://pool/acc', { type: 'job', i }));
    for (const e of sent) a.sendToPool('acc', e);
    await waitFor('200 pool deliveries', () => hb.delivered.length + hc.delivered.length >= 200);
    const ids = [...hb.delivered, ...hc.delivered].map((e) => e.id).sort();
    expect(ids).toEqual(sent.map((e) => e.id).sort());
    expect(hb.delivered.length).toBeGreaterThan(0);
    expect(hc.delivered.length).toBeGreaterThan(0);
  });

  it('reports a send to a pool nobody ever consumed as UNROUTABLE', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster);
    a.sendToPool('ghost', envelope('arbor://pool/ghost', { type: 'job' }));
    await waitFor('an undeliverable report', () => host.undeliverables.length > 0);
    expect(host.undeliverables[0]!.error.code).toBe('UNROUTABLE');
  });

  it('reports sends after stop to the host instead of dropping them', async () => {
    const cluster = uniqueCluster();
    const { transport: a, host } = await startNode('a', cluster);
    await a.stop();
    a.send('b', envelope('arbor://b/x', { type: 'late' }));
    expect(host.undeliverables.map((u) => u.error.code)).toEqual(['TRANSPORT_ERROR']);
  });
});
