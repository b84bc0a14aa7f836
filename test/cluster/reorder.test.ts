/**
 * Forwards to a remote child can arrive out of order: the RabbitMQ transport retries a publish
 * whose confirm was lost with the connection, and the retry overtakes publishes made after it
 * (seen in the broker-restart ledger test, where such late forwards were dropped as duplicates
 * and their ids lost). Two nodes over a small in-process transport that holds envelopes back on
 * demand; no broker needed.
 */
import { describe, expect, it } from 'vitest';
import { createSystem, supervisor, type DeadLetter, type System } from '../../src/index.js';
import { acc } from '../support/acc.js';
import { Link } from '../support/link-transport.js';

async function pair(link: Link): Promise<{ a: System; b: System; dead: DeadLetter[] }> {
  const b = await createSystem({ node: 'b', logger: false, kinds: { acc }, transport: link.transport() });
  const a = await createSystem({ node: 'a', logger: false, transport: link.transport() });
  const dead: DeadLetter[] = [];
  a.on('deadLetter', (d) => dead.push(d));
  a.spawn(supervisor({ children: [{ id: 'w1', kind: 'acc', node: 'b' }] }), { id: 'root' });
  await waitUntil(() => b.describe().hosted.length === 1);
  return { a, b, dead };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  if (!condition()) throw new Error('condition not met');
}

const seen = async (system: System) => ((await system.lookup('root/w1')?.ask({ type: 'dump' }, { timeout: 2000 })) as { seen: number[] }).seen;

describe('forwards to a remote child out of order', () => {
  it('a forward that arrives after later ones is processed late, not dropped as a duplicate', async () => {
    const link = new Link();
    const { a, b } = await pair(link);
    const w1 = a.lookup('root/w1');
    link.hold = (e) => e.seq === 3 || e.seq === 4;
    for (let id = 1; id <= 10; id++) w1?.send({ type: 'work', id });
    await waitUntil(() => (b.describe().hosted[0] ? true : false));
    await new Promise((resolve) => setTimeout(resolve, 20));
    link.hold = () => false;
    link.release();
    const ids = await seen(a);
    expect([...ids].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ids.slice(-2)).toEqual([3, 4]); // late, but there
    await a.shutdown();
    await b.shutdown();
  });

  it('a message that can never be sent is dead-lettered and skipped: the window keeps moving', async () => {
    const link = new Link();
    const { a, b, dead } = await pair(link);
    const w1 = a.lookup('root/w1');
    w1?.send({ type: 'work', id: 1 });
    w1?.send({ type: 'huge' } as never);
    // more than the outstanding window (1000): they only all go if reports pass over the gap
    for (let id = 2; id <= 1500; id++) w1?.send({ type: 'work', id });
    const ids = await seen(a);
    expect(ids).toHaveLength(1500);
    expect(dead.map((d) => d.reason.code)).toEqual(['MESSAGE_TOO_LARGE']);
    await a.shutdown();
    await b.shutdown();
  });
});
