import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/transport.js';
import { decodeFrame, encodeEnvelope, envelopesOf } from '../../src/transport/codec.js';
import { Coalescer } from '../../src/transport/Coalescer.js';
import type { OutFrame, OutItem } from '../../src/transport/Coalescer.js';

function item(group: string, routingKey: string, id: string, padding = 0): OutItem {
  const envelope: Envelope = { id, to: `arbor://${group}/x`, kind: 'user', body: { type: routingKey, pad: 'x'.repeat(padding) }, sentAt: 0 };
  return { group, routingKey, bytes: encodeEnvelope(envelope), envelope };
}

function collect(options: { enabled?: boolean; maxBatchBytes?: number; maxBatchCount?: number } = {}) {
  const frames: OutFrame[] = [];
  const c = new Coalescer({ enabled: true, maxBatchBytes: 65_536, maxBatchCount: 100, ...options }, (f) => frames.push(f));
  const ids = () => frames.map((f) => f.envelopes.map((e) => e.id));
  return { c, frames, ids };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('sends everything of one tick to one destination and key as one batch frame', async () => {
    const { c, frames, ids } = collect();
    for (let i = 0; i < 5; i++) c.push(item('b', 'k', `m${i}`));
    expect(frames).toEqual([]);
    await tick();
    expect(ids()).toEqual([['m0', 'm1', 'm2', 'm3', 'm4']]);
    const decoded = decodeFrame(frames[0]!.body);
    expect(decoded.ok && envelopesOf(decoded.frame).map((e) => e.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it("cuts a pool's batches at its own limit (poolBatch), below maxBatchCount", async () => {
    const { c, ids } = collect();
    for (let i = 0; i < 10; i++) c.push({ ...item('pool:jobs', 'pool.jobs', `m${i}`), limit: 4 });
    await tick();
    expect(ids()).toEqual([['m0', 'm1', 'm2', 'm3'], ['m4', 'm5', 'm6', 'm7'], ['m8', 'm9']]);
  });

  it('sends a lone envelope as a plain envelope frame', async () => {
    const { c, frames } = collect();
    const one = item('b', 'k', 'm0');
    c.push(one);
    await tick();
    expect(frames[0]!.body).toBe(one.bytes);
  });

  it('keeps per-destination order while cutting runs at routing-key changes', async () => {
    const { c, frames, ids } = collect();
    c.push(item('b', 'x', '1'));
    c.push(item('c', 'y', '2'));
    c.push(item('b', 'x', '3'));
    c.push(item('b', 'z', '4'));
    c.push(item('b', 'x', '5'));
    await tick();
    expect(ids()).toEqual([['1', '3'], ['4'], ['5'], ['2']]);
    expect(frames.map((f) => f.routingKey)).toEqual(['x', 'z', 'x', 'y']);
  });

  it('respects the count and byte limits of a batch', async () => {
    const { c, ids } = collect({ maxBatchCount: 2 });
    for (let i = 0; i < 5; i++) c.push(item('b', 'k', `${i}`));
    await tick();
    expect(ids()).toEqual([['0', '1'], ['2', '3'], ['4']]);

    const small = collect({ maxBatchBytes: 300 });
    for (let i = 0; i < 4; i++) small.c.push(item('b', 'k', `${i}`, 100));
    await tick();
    expect(small.ids().every((batch) => batch.length <= 2)).toBe(true);
    expect(small.frames.every((f) => f.body.length <= 300)).toBe(true);
    expect(small.ids().flat()).toEqual(['0', '1', '2', '3']);
  });

  it('sends each envelope on its own at once when disabled', () => {
    const { c, ids } = collect({ enabled: false });
    c.push(item('b', 'k', '1'));
    c.push(item('b', 'k', '2'));
    expect(ids()).toEqual([['1'], ['2']]);
  });

  it('flushes on demand without waiting for the tick', () => {
    const { c, ids } = collect();
    c.push(item('b', 'k', '1'));
    c.flush();
    expect(ids()).toEqual([['1']]);
    expect(c.size).toBe(0);
  });
});

describe('Coalescer: the first send of a turn', () => {
  const ids = (frames: OutFrame[]) => frames.map((f) => f.envelopes.map((e) => e.id));

  it('leaves with what its synchronous burst sent once the microtasks are done, and the rest of the turn gathers for the tick', async () => {
    const frames: OutFrame[] = [];
    const c = new Coalescer({ enabled: true, maxBatchBytes: 65_536, maxBatchCount: 100 }, (f) => frames.push(f));
    c.push(item('b', 'k', 'm0'));
    c.push(item('b', 'k', 'm1'));
    expect(frames).toEqual([]);
    await Promise.resolve();
    expect(ids(frames)).toEqual([['m0', 'm1']]);
    c.push(item('b', 'k', 'm2'));
    await Promise.resolve();
    c.push(item('b', 'k', 'm3'));
    expect(frames).toHaveLength(1);
    await tick();
    expect(ids(frames)).toEqual([['m0', 'm1'], ['m2', 'm3']]);
    // A new turn: its first send is early again.
    c.push(item('b', 'k', 'm4'));
    await Promise.resolve();
    expect(ids(frames)).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
  });

  it('keeps send order whatever mix of early, tick and explicit flushes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('push', 'microtask', 'tick', 'flush'), { maxLength: 40 }), async (steps) => {
        const frames: OutFrame[] = [];
        const c = new Coalescer({ enabled: true, maxBatchBytes: 65_536, maxBatchCount: 3 }, (f) => frames.push(f));
        let n = 0;
        for (const step of steps) {
          if (step === 'push') c.push(item('b', 'k', `m${n++}`));
          else if (step === 'microtask') await Promise.resolve();
          else if (step === 'tick') await tick();
          else c.flush();
        }
        await tick();
        expect(ids(frames).flat()).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
      }),
      { numRuns: 100 },
    );
  });
});
