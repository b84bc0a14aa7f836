/**
 * Mailbox properties, on `Mailbox` and `Deque` directly and through a real system: order per
 * sender, system messages first, and no message ever lost (under each overflow policy, and
 * across crashes and restarts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSystem, SimulatedClock, supervisor } from '../../src/index.js';
import type { ActorRef, OverflowPolicy, Strategy, System } from '../../src/index.js';
import { Deque } from '../../src/runtime/deque.js';
import { Mailbox } from '../../src/runtime/mailbox.js';
import type { LocalActorRef } from '../../src/runtime/ref.js';
import { recordingWorker, type WorkEvent } from '../support/machines.js';

const policyArb = fc.constantFrom<OverflowPolicy>('reject', 'drop_oldest', 'throw');

let systems: System[] = [];
afterEach(async () => {
  await Promise.all(systems.map((s) => s.shutdown()));
  systems = [];
});

async function newSystem(): Promise<System> {
  const system = await createSystem({ clock: new SimulatedClock(), logger: false });
  systems.push(system);
  return system;
}

/** What a recording worker processed, as `sender:seq` keys, and the input that records it. */
function recorder() {
  const processed: string[] = [];
  let incarnations = 0;
  const input = {
    onWork: (e: WorkEvent) => processed.push(`${e.sender}:${e.seq}`),
    nextIncarnation: () => ++incarnations,
  };
  return { processed, input, incarnations: () => incarnations };
}

/** `sender:seq` keys of `keys` from one sender, in the order they appear. */
const seqsOf = (keys: readonly string[], sender: number) => keys.filter((k) => k.startsWith(`${sender}:`)).map((k) => Number(k.split(':')[1]));

/** Numbers each sender's messages 0, 1, 2, ... in the order they are sent. */
function numbered(senders: readonly number[]): WorkEvent[] {
  const next = new Map<number, number>();
  return senders.map((sender) => {
    const seq = next.get(sender) ?? 0;
    next.set(sender, seq + 1);
    return { type: 'work', sender, seq };
  });
}

describe('Mailbox', () => {
  type Op = { op: 'system' | 'user' | 'take' };
  const opsArb = fc.array(fc.record({ op: fc.constantFrom<Op['op']>('system', 'user', 'take') }), { maxLength: 60 });

  it('takes every queued system message before any user message, each queue in FIFO order', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const mailbox = new Mailbox<number, number>({ capacity: Infinity, overflow: 'reject' });
        const system: number[] = [];
        const user: number[] = [];
        ops.forEach(({ op }, n) => {
          if (op === 'system') {
            mailbox.pushSystem(n);
            system.push(n);
          } else if (op === 'user') {
            expect(mailbox.offerUser(n)).toBeUndefined();
            user.push(n);
          } else if (system.length > 0) expect(mailbox.take()).toEqual({ system: true, message: system.shift() });
          else if (user.length > 0) expect(mailbox.take()).toEqual({ system: false, message: user.shift() });
          else expect(mailbox.take()).toBeUndefined();
          expect(mailbox.size).toBe(system.length + user.length);
        });
      }),
    );
  });

  it('accounts for every user message under each overflow policy: offered = taken + handed back + refused + queued', () => {
    const offerOrTake = fc.array(fc.boolean(), { maxLength: 80 }); // true: offer, false: take
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), policyArb, offerOrTake, (capacity, overflow, ops) => {
        const mailbox = new Mailbox<never, number>({ capacity, overflow });
        const queue: number[] = []; // reference model
        const offered: number[] = [];
        const out: number[] = []; // taken, handed back to be dead-lettered, or refused by a throw
        ops.forEach((offer, n) => {
          if (!offer) {
            const taken = mailbox.take();
            expect(taken?.message).toBe(queue.shift());
            if (taken) out.push(taken.message);
            return;
          }
          offered.push(n);
          const full = queue.length === capacity;
          if (full && overflow === 'throw') {
            expect(() => mailbox.offerUser(n)).toThrow(expect.objectContaining({ code: 'MAILBOX_FULL' }));
            out.push(n);
            return;
          }
          const displaced = mailbox.offerUser(n);
          if (!full) expect(displaced).toBeUndefined();
          else if (overflow === 'reject') expect(displaced).toBe(n);
          else expect(displaced).toBe(queue[0]);
          if (displaced !== undefined) out.push(displaced);
          if (!full || overflow === 'drop_oldest') queue.push(n);
          if (full && overflow === 'drop_oldest') queue.shift();
          expect(mailbox.user.size).toBeLessThanOrEqual(capacity);
        });
        const remaining: number[] = [];
        for (let m = mailbox.take(); m; m = mailbox.take()) remaining.push(m.message);
        expect(remaining).toEqual(queue);
        expect([...out, ...remaining].sort((a, b) => a - b)).toEqual(offered);
      }),
    );
  });
});

describe('Deque', () => {
  type Op = { op: 'push'; value: number } | { op: 'shift' } | { op: 'peek' } | { op: 'drain' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.integer().map((value) => ({ op: 'push' as const, value })) },
    { weight: 3, arbitrary: fc.constant({ op: 'shift' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'peek' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'drain' as const }) },
  );

  it('behaves like an array used as a queue, through growth and wrap-around, from any initial capacity', () => {
    fc.assert(
      fc.property(fc.nat({ max: 40 }), fc.array(opArb, { maxLength: 200 }), (initialCapacity, ops) => {
        const deque = new Deque<number>(initialCapacity);
        const model: number[] = [];
        for (const op of ops) {
          if (op.op === 'push') {
            deque.push(op.value);
            model.push(op.value);
          } else if (op.op === 'shift') expect(deque.shift()).toBe(model.shift());
          else if (op.op === 'peek') expect(deque.peek()).toBe(model[0]);
          else expect(deque.drain()).toEqual(model.splice(0));
          expect(deque.size).toBe(model.length);
        }
      }),
    );
  });
});

describe('mailboxes in a running system', () => {
  /** A burst of sends from several senders: their messages are sent synchronously, then the system runs. */
  const burstsArb = fc.array(fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 15 }), { minLength: 1, maxLength: 6 });

  it('processes the interleaved messages of several senders in each sender’s order, none lost or repeated', async () => {
    await fc.assert(
      fc.asyncProperty(burstsArb, fc.array(fc.constantFrom('idle', 'microtask', 'none'), { maxLength: 6 }), async (bursts, pauses) => {
        const system = await newSystem();
        const { processed, input } = recorder();
        const ref = system.spawn(recordingWorker, { id: 'w', input });
        const events = numbered(bursts.flat());
        let next = 0;
        for (const [b, burst] of bursts.entries()) {
          for (let k = 0; k < burst.length; k++) ref.send(events[next++] as WorkEvent);
          const pause = pauses[b] ?? 'idle';
          if (pause === 'idle') await system.idle();
          else if (pause === 'microtask') await Promise.resolve();
        }
        await system.idle();
        for (let sender = 0; sender <= 3; sender++) {
          const sent = events.filter((e) => e.sender === sender).map((e) => e.seq);
          expect(seqsOf(processed, sender)).toEqual(sent);
        }
        expect(processed).toHaveLength(events.length);
      }),
      { numRuns: 60 },
    );
  });

  it('runs every control operation queued with user messages before any of those user messages', async () => {
    // Each burst: user messages and control operations queued synchronously, then the system runs.
    const opsArb = fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }); // true: control
    await fc.assert(
      fc.asyncProperty(opsArb, async (bursts) => {
        const system = await newSystem();
        const { processed, input } = recorder();
        const ref = system.spawn(recordingWorker, { id: 'w', input });
        await system.idle();
        const cell = (ref as LocalActorRef)._cell;
        let seq = 0;
        for (const burst of bursts) {
          const from = processed.length;
          const controls: Promise<void>[] = [];
          for (const control of burst) {
            if (control) controls.push(cell.control('probe', () => void processed.push('control')));
            else ref.send({ type: 'work', sender: 0, seq: seq++ });
          }
          await system.idle();
          await Promise.all(controls);
          const log = processed.slice(from);
          const firstUser = log.findIndex((k) => k !== 'control');
          const lastControl = log.lastIndexOf('control');
          if (firstUser >= 0) expect(lastControl).toBeLessThan(firstUser);
          expect(log).toHaveLength(burst.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('accounts for every message sent to a small mailbox under each overflow policy: processed, dead-lettered or refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), policyArb, fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 5 }), async (capacity, overflow, bursts) => {
        const system = await newSystem();
        const dead: string[] = []; // `sender:seq code`, checked after (a throwing listener would be swallowed)
        system.on('deadLetter', (d) => dead.push(`${(d.event as WorkEvent).sender}:${(d.event as WorkEvent).seq} ${d.reason.code}`));
        const { processed, input } = recorder();
        const ref = system.spawn(recordingWorker, { id: 'w', input, mailbox: { capacity, overflow } });
        await system.idle();
        let seq = 0;
        for (const size of bursts) {
          const keys = Array.from({ length: size }, () => `0:${seq++}`);
          const refused: string[] = [];
          const [from, deadFrom] = [processed.length, dead.length];
          for (const key of keys) {
            try {
              ref.send({ type: 'work', sender: 0, seq: Number(key.slice(2)) });
            } catch (err) {
              expect(err).toMatchObject({ code: 'MAILBOX_FULL' });
              refused.push(key);
            }
          }
          await system.idle();
          // The burst lands in an empty mailbox before the worker runs: which ones are kept follows from the policy.
          const kept = overflow === 'drop_oldest' ? keys.slice(-capacity) : keys.slice(0, capacity);
          expect(processed.slice(from)).toEqual(kept);
          const lost = keys.filter((k) => !kept.includes(k));
          if (overflow === 'throw') expect(refused).toEqual(lost);
          else expect(dead.slice(deadFrom).sort()).toEqual(lost.map((k) => `${k} MAILBOX_FULL`).sort());
          if (overflow === 'throw') expect(dead.length).toBe(deadFrom);
          else expect(refused).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('delivers every message to some incarnation exactly once across crashes and restarts, and dead-letters each crashing message with ACTOR_CRASHED', async () => {
    const messageArb = fc.record({ worker: fc.nat({ max: 1 }), sender: fc.nat({ max: 2 }), crash: fc.boolean() }, { noNullPrototype: true });
    const burstsArb2 = fc.array(fc.array(messageArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'), burstsArb2, async (strategy, bursts) => {
        const system = await newSystem();
        const crashed: string[] = []; // `worker/sender:seq code`
        system.on('deadLetter', (d) => {
          const e = d.event as WorkEvent;
          crashed.push(`${d.recipient.split('/').at(-1)}/${e.sender}:${e.seq} ${d.reason.code}`);
        });
        const workers = [recorder(), recorder()];
        const children = workers.map((w, i) => ({ id: `w${i}`, logic: recordingWorker, input: w.input }));
        system.spawn(supervisor({ strategy, intensity: 1000, period: 1, children }), { id: 'root' });
        await system.idle();
        const refs = [0, 1].map((i) => system.lookup(`root/w${i}`) as ActorRef);
        const sent: { worker: number; event: WorkEvent }[] = [];
        const seqs = new Map<string, number>();
        for (const burst of bursts) {
          for (const m of burst) {
            const key = `${m.worker}/${m.sender}`;
            const seq = seqs.get(key) ?? 0;
            seqs.set(key, seq + 1);
            const event: WorkEvent = { type: 'work', sender: m.sender, seq, ...(m.crash ? { crash: true } : {}) };
            sent.push({ worker: m.worker, event });
            (refs[m.worker] as ActorRef).send(event);
          }
          await system.idle();
        }
        for (const [i, w] of workers.entries()) {
          const mine = sent.filter((s) => s.worker === i);
          for (let sender = 0; sender <= 2; sender++) {
            const expected = mine.filter((s) => s.event.sender === sender && !s.event.crash).map((s) => s.event.seq);
            expect(seqsOf(w.processed, sender)).toEqual(expected);
          }
          expect(w.processed).toHaveLength(mine.filter((s) => !s.event.crash).length);
        }
        const expectedCrashed = sent.filter((s) => s.event.crash).map((s) => `w${s.worker}/${s.event.sender}:${s.event.seq} ACTOR_CRASHED`);
        expect([...crashed].sort()).toEqual(expectedCrashed.sort());
      }),
      { numRuns: 60 },
    );
  });
});
