import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { recipientKey } from '../../src/transport/dead-letter.js';
import { MAX_WORD, Topology, decodeKeyWord, encodeKeyWord } from '../../src/transport/topology.js';

describe('routing-key words', () => {
  it('keep ordinary names readable', () => {
    expect(encodeKeyWord('order_created')).toBe('order_created');
  });

  it('percent-encode dots, wildcards and percent signs', () => {
    expect(encodeKeyWord('order.created')).toBe('order%2Ecreated');
    expect(encodeKeyWord('a*b#c%d')).toBe('a%2Ab%23c%25d');
  });

  it('encode a word the same however often and after however many other words (the cache of encoded words)', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { maxLength: 1500 }), (word, others) => {
        const first = encodeKeyWord(word);
        for (const other of others) encodeKeyWord(other);
        expect(encodeKeyWord(word)).toBe(first);
        if (!first.endsWith('%+')) expect(decodeKeyWord(first)).toBe(word);
      }),
      { numRuns: 50 },
    );
  });

  it('encode an empty word as a lone percent sign', () => {
    expect(encodeKeyWord('')).toBe('%');
    expect(decodeKeyWord('%')).toBe('');
  });

  it('decode back to the original for any name that fits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (word) => {
        const encoded = encodeKeyWord(word);
        expect(encoded).not.toMatch(/[.*#]/);
        expect(decodeKeyWord(encoded)).toBe(word);
      }),
    );
  });

  it('cut long names to a bounded length with a marker no whole name can produce', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 60, maxLength: 400 }), (word) => {
        const encoded = encodeKeyWord(word);
        expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_WORD);
        if (encoded.endsWith('%+')) expect(word.startsWith(decodeKeyWord(encoded))).toBe(true);
        else expect(decodeKeyWord(encoded)).toBe(word);
      }),
    );
  });
});

describe('Topology', () => {
  const t = new Topology('demo');

  it('names every resource with the cluster prefix', () => {
    expect([t.exchange, t.retryExchange, t.deadQueue, t.nodeQueue('b'), t.poolQueue('acc'), t.retryQueue(200)]).toEqual([
      'arbor.demo',
      'arbor.demo.retry',
      'arbor.demo.dead',
      'arbor.demo.node.b',
      'arbor.demo.pool.acc',
      'arbor.demo.retry.200',
    ]);
  });

  it('routes user envelopes by node and event type, and system envelopes by node', () => {
    expect(t.envelopeKey('b', 'user', { type: 'order.created' })).toBe('node.b.msg.order%2Ecreated');
    expect(t.envelopeKey('b', 'user', 'no type')).toBe('node.b.msg.%');
    expect(t.envelopeKey('b', 'system', { type: 'spawn' })).toBe('node.b.sys');
    expect(t.nodeBinding('b')).toBe('node.b.#');
  });

  it('routes a singleton’s messages, and its dead letters when redriven, to its own queue whichever node runs it', () => {
    expect([t.singletonQueue('books.v2'), t.singletonKey('books.v2')]).toEqual(['arbor.demo.singleton.books%2Ev2', 'singleton.books%2Ev2']);
    const to = (path: string) => recipientKey(t, { id: 'x', to: path, kind: 'user', body: { type: 'add' }, sentAt: 0 }, 'a');
    expect(to('arbor://$singleton/books.v2/w1')).toBe('singleton.books%2Ev2');
    expect(to('arbor://b/root/w1')).toBe('node.b.msg.add');
  });
});
