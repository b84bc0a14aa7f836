/**
 * Receipts follow message identity (issues 15/20, the pool path): an urgent message that overtakes
 * a normal one settles its own receipt, never the normal one's. The transport acks a broker
 * message on its receipt, so a receipt settled early is a message acked before it was processed.
 *
 * The cell here is the runtime's `Cell` with a window like a remote child's: taken messages stay
 * unsettled until acknowledged (`ack`), and can be put back at the front of the mailbox
 * (`requeue`, as when a host dies), possibly as a different object (a durable remote child adds a
 * message id). The rule, after any sequence of operations: a receipt has settled exactly when its
 * message was acknowledged out of the window or dead-lettered.
 */
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Cell, type CellContext } from '../../src/runtime/cell.js';
import { realClock } from '../../src/runtime/clock.js';
import { DEFAULT_MAILBOX_OPTIONS, type OverflowPolicy } from '../../src/runtime/mailbox.js';
import { LocalActorRef, type ActorRef } from '../../src/runtime/ref.js';
import type { ArborEvent } from '../../src/runtime/event.js';

type Msg = ArborEvent & { id: number };

class WindowCell extends Cell {
  /** Taken, not yet acknowledged, oldest first. */
  readonly window: Msg[] = [];
  readonly acked: number[] = [];
  protected createRef(): ActorRef {
    return new LocalActorRef(this);
  }
  protected startIncarnation(): void {
    this.incarnation++;
    this.status = 'running';
  }
  protected stopIncarnation(): Promise<void> {
    return Promise.resolve();
  }
  protected killIncarnation(): void {}
  getSnapshot(): unknown {
    return undefined;
  }
  protected processUser(budget: number): number {
    let n = 0;
    while (n < budget) {
      const m = this.mailbox.user.shift() as Msg | undefined;
      if (m === undefined) break;
      this.window.push(m);
      n++;
    }
    return n;
  }
  override get unfinished(): number {
    return this.window.length;
  }
  ack(k: number): void {
    for (const m of this.window.splice(0, k)) this.acked.push(m.id);
    this.settleReceipts();
  }
  requeue(copy: boolean): void {
    const all = this.window.splice(0);
    for (let i = all.length - 1; i >= 0; i--) {
      const m = all[i] as Msg;
      this.mailbox.unshiftUser(copy ? { ...m } : m);
    }
  }
}

function context(dead: number[]): CellContext {
  return {
    node: 'n',
    clock: realClock,
    logger: pino({ level: 'silent' }),
    dispatcher: { schedule: () => undefined },
    inspect: undefined,
    kinds: {},
    random: Math.random,
    mailboxDefaults: DEFAULT_MAILBOX_OPTIONS,
    journal: undefined,
    meter: undefined,
    tracer: undefined,
    schemas: undefined,
    urgentTypes: undefined,
    _sender: undefined,
    deadLetter: (_recipient, event) => void dead.push((event as Msg).id),
    report: () => undefined,
    ask: () => Promise.reject(new Error('no asks here')),
    childCell: () => {
      throw new Error('no children here');
    },
    unregister: () => undefined,
    _rootExited: () => undefined,
    lookup: () => undefined,
    publish: () => undefined,
    forgetState: () => undefined,
    _pendingAsk: () => undefined,
    unhandledEvents: 'asks',
  };
}

function makeCell(capacity: number, overflow: OverflowPolicy): { cell: WindowCell; dead: number[] } {
  const dead: number[] = [];
  const cell = new WindowCell({ system: context(dead), path: 'arbor://n/w', id: 'w', parent: undefined, logic: undefined, input: undefined, mailbox: { capacity, overflow } });
  cell.start();
  return { cell, dead };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await Promise.resolve();
};

type Op = { op: 'tell'; urgent: boolean } | { op: 'run'; k: number } | { op: 'ack'; k: number } | { op: 'requeue'; copy: boolean };

describe('receipts', () => {
  it('an urgent message processed first does not settle the receipt of the normal message it overtook', async () => {
    const { cell } = makeCell(100, 'reject');
    const settled: string[] = [];
    cell.tell({ type: 'job', id: 1 } as Msg);
    void cell.receipt().then(() => settled.push('normal'));
    cell.tell({ type: 'job', id: 2 } as Msg, undefined, true);
    void cell.receipt().then(() => settled.push('urgent'));
    cell.run(1);
    cell.ack(1);
    await flush();
    expect(cell.acked).toEqual([2]);
    expect(settled).toEqual(['urgent']);
    cell.run(1);
    cell.ack(1);
    await flush();
    expect(settled).toEqual(['urgent', 'normal']);
  });

  it('a receipt settles exactly when its message was acknowledged or dead-lettered, under any mix of priorities, overflow and re-queues (property)', async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('tell' as const), urgent: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('run' as const), k: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('ack' as const), k: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('requeue' as const), copy: fc.boolean() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.constantFrom<OverflowPolicy>('reject', 'drop_oldest'), fc.array(op, { maxLength: 60 }), async (capacity, overflow, ops) => {
        const { cell, dead } = makeCell(capacity, overflow);
        const settled = new Set<number>();
        let next = 0;
        for (const o of ops) {
          if (o.op === 'tell') {
            const id = ++next;
            cell.tell({ type: 'job', id } as Msg, undefined, o.urgent);
            void cell.receipt().then(() => settled.add(id));
          } else if (o.op === 'run') cell.run(o.k);
          else if (o.op === 'ack') cell.ack(o.k);
          else cell.requeue(o.copy);
          await flush();
          const expected = new Set([...cell.acked, ...dead]);
          expect([...settled].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        }
        // Retiring dead-letters what is queued; acknowledging the window settles the rest.
        cell.ack(Infinity);
        cell.retire();
        await flush();
        expect(settled.size).toBe(next);
      }),
      { numRuns: 400 },
    );
  });
});
