/**
 * Issue 10, point 2: a cell's receipt for a queued message settles only once that message is
 * settled (processed, or dead-lettered with a reason), never when the mailbox merely took it. A
 * transport acks the broker message on it, so a node killed with work queued loses nothing.
 */
import { expect, it } from 'vitest';
import { createSystem, supervisor } from '../../src/index.js';
import type { Cell } from '../../src/runtime/cell.js';
import { acc } from '../support/acc.js';

type WithCells = { _cellAt(path: string): Cell | undefined };
const settledFlag = (p: Promise<void>) => {
  const state = { settled: false };
  void p.then(() => (state.settled = true));
  return state;
};
const turns = (n: number) => new Promise<void>((resolve) => {
  const step = (left: number) => (left === 0 ? resolve() : setImmediate(() => step(left - 1)));
  step(n);
});

it('a receipt settles after the message is processed, not when the mailbox takes it', async () => {
  const system = await createSystem({ logger: false });
  const ref = system.spawn(acc, { id: 'acc' });
  const cell = (system as unknown as WithCells)._cellAt(ref.path)!;
  cell.tell({ type: 'work', id: 1 });
  const first = settledFlag(cell.receipt());
  cell.tell({ type: 'work', id: 2 });
  const second = settledFlag(cell.receipt());
  await Promise.resolve();
  expect([first.settled, second.settled]).toEqual([false, false]);
  await turns(3);
  expect([first.settled, second.settled]).toEqual([true, true]);
  expect((ref.getSnapshot() as { context: { seen: number[] } }).context.seen).toEqual([1, 2]);
  await system.shutdown();
});

it('a receipt for a message held by a child in restart backoff waits, and settles when the message is dead-lettered at shutdown', async () => {
  const system = await createSystem({ logger: false });
  const dead: unknown[] = [];
  system.on('deadLetter', (d) => dead.push(d.event));
  system.spawn(supervisor({ intensity: 5, period: 1000, backoff: { min: 60_000, max: 60_000 }, children: [{ id: 'w', logic: acc }] }), { id: 'root' });
  await turns(3);
  const cell = (system as unknown as WithCells)._cellAt(`${system.lookup('root')!.path}/w`)!;
  cell.tell({ type: 'crash' });
  await turns(5);
  expect(cell.status).toBe('suspended');
  cell.tell({ type: 'work', id: 7 });
  const held = settledFlag(cell.receipt());
  await turns(5);
  expect(held.settled).toBe(false);
  await system.shutdown();
  await turns(2);
  expect(held.settled).toBe(true);
  expect(dead).toContainEqual({ type: 'work', id: 7 });
});
