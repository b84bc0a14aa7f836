import { afterAll, afterEach, expect, it } from 'vitest';
import { ArborError } from '../../src/runtime/errors.js';
import { decodeFrame, encodeEnvelope, envelopesOf } from '../../src/transport/codec.js';
import type { TappedMessage } from '../../src/transport/index.js';
import { cleanupClusters, describeBroker, envelope, publishRaw, readQueue, startNode, stopAll, uniqueCluster, waitFor } from './broker.js';

describeBroker('rabbitmq transport: retries and dead letters', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('retries a message the host asks to retry, with growing delays, then dead-letters it with headers after maxAttempts', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b, transport: tb } = await startNode('b', cluster, { maxAttempts: 4, retryBackoff: { min: 50, max: 400, factor: 2 } });
    const attemptsAt: number[] = [];
    b.respond = () => {
      attemptsAt.push(Date.now());
      return { ok: false, retry: true, error: new ArborError('MAILBOX_FULL', 'mailbox of w1 is full') };
    };
    const dead: TappedMessage[] = [];
    await tb.subscribe('dead.#', (m) => dead.push(m));
    const e = envelope('arbor://b/root/w1', { type: 'work' }, { correlationId: 'corr-1' });
    a.send('b', e);
    await waitFor('a dead letter', () => dead.length > 0);
    expect(b.delivered.map((d) => d.attempt)).toEqual([0, 1, 2, 3]);
    expect(b.delivered.every((d) => d.id === e.id)).toBe(true);
    // Each wait is at least its tier's delay (broker TTLs never fire early); not a speed check.
    const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);

    const [letter] = await readQueue(tb.topology.deadQueue);
    expect(letter?.headers).toMatchObject({
      'x-arbor-code': 'MAILBOX_FULL',
      'x-arbor-reason': 'mailbox of w1 is full',
      'x-arbor-attempts': 4,
      'x-arbor-routing-key': 'node.b.msg.work',
      'x-arbor-node': 'b',
      'x-arbor-message-id': e.id,
    });
    // The letter carries the bytes as first sent; the attempts are in the headers.
    expect(Buffer.from(letter!.body).equals(encodeEnvelope(e))).toBe(true);
    expect(letter?.headers).toMatchObject({ 'x-arbor-attempt': 4 });
    const decoded = decodeFrame(letter!.body);
    expect(decoded.ok && envelopesOf(decoded.frame)[0]).toMatchObject({ id: e.id, correlationId: 'corr-1' });
  });

  it('dead-letters at once, with the reason, what the host refuses without retry', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b, transport: tb } = await startNode('b', cluster);
    b.respond = () => ({ ok: false, retry: false, error: new ArborError('NOT_FOUND', 'no actor at arbor://b/root/gone') });
    const dead: TappedMessage[] = [];
    await tb.subscribe('dead.#', (m) => dead.push(m));
    const e = envelope('arbor://b/root/gone', { type: 'work' });
    a.send('b', e);
    await waitFor('the dead letter', () => dead.length === 1);
    const letters = await readQueue(tb.topology.deadQueue);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers).toMatchObject({ 'x-arbor-code': 'NOT_FOUND', 'x-arbor-reason': 'no actor at arbor://b/root/gone', 'x-arbor-attempts': 1 });
    expect(b.delivered).toHaveLength(1);
  });

  it('treats a host that throws as a failed attempt to retry', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b } = await startNode('b', cluster);
    let calls = 0;
    b.respond = () => {
      if (++calls === 1) throw new Error('boom');
      return { ok: true };
    };
    a.send('b', envelope('arbor://b/x', { type: 'work' }));
    await waitFor('the second attempt', () => b.delivered.length === 2);
    expect(b.delivered.map((d) => d.attempt)).toEqual([0, 1]);
  });

  it('dead-letters garbage bytes published straight to the exchange with a decode reason, and keeps consuming', async () => {
    const cluster = uniqueCluster();
    const { transport: a } = await startNode('a', cluster);
    const { host: b, transport: tb } = await startNode('b', cluster);
    const dead: TappedMessage[] = [];
    await tb.subscribe('dead.#', (m) => dead.push(m));
    const garbage = Buffer.from([0xc1, 0xff, 0x00, 0x13, 0x37]);
    await publishRaw(tb.topology.exchange, 'node.b.msg.work', garbage);
    a.send('b', envelope('arbor://b/x', { type: 'after' }));
    await waitFor('the dead letter and the next message', () => dead.length > 0 && b.delivered.length === 1);
    const letters = await readQueue(tb.topology.deadQueue);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.body.equals(garbage)).toBe(true);
    expect(letters[0]!.headers['x-arbor-code']).toBe('DECODE_ERROR');
    expect(String(letters[0]!.headers['x-arbor-reason'])).toMatch(/undecodable/);
    expect(dead[0]).toMatchObject({ type: 'undecodable', routingKey: 'dead.b' });
  });
});
