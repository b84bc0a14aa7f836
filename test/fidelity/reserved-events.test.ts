/**
 * Issue 10, point 1, locally with a ledger: an `xstate.*` event never reaches a machine from
 * outside (rejected at the sender, dead-lettered with `INVALID_EVENT` on arrival), and an XState
 * actor that stops without Arbor asking is an exit its supervisor handles, never a silent state.
 */
import { describe, expect, it } from 'vitest';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem, SimulatedClock, supervisor, type DeadLetter, type SupervisorReport } from '../../src/index.js';

const counter = setup({ types: { context: {} as { n: number }, events: {} as { type: 'work' } | { type: 'get'; replyTo: AnyActorRef } } }).createMachine({
  context: { n: 0 },
  on: {
    work: { actions: assign({ n: ({ context }) => context.n + 1 }) },
    get: { actions: sendTo(({ event }) => (event as { replyTo: AnyActorRef }).replyTo, ({ context }) => ({ type: 'count', n: context.n })) },
  },
});

/** Sends reserved events to whoever it is told, from inside a machine (the route a remote sender's relay takes). */
const meddler = setup({ types: { events: {} as { type: 'meddle'; target: AnyActorRef; as: string } } }).createMachine({
  on: { meddle: { actions: sendTo(({ event }) => event.target, ({ event }) => ({ type: event.as })) } },
});

describe('reserved xstate.* events', () => {
  it('never reach the machine: the ledger of 1,000 messages has nothing lost and every reserved event accounted for', async () => {
    const system = await createSystem({ node: 'ledger', logger: false, clock: new SimulatedClock() });
    const dead: DeadLetter[] = [];
    const reports: SupervisorReport[] = [];
    system.on('deadLetter', (d) => dead.push(d));
    system.on('report', (r) => reports.push(r));
    system.spawn(supervisor({ children: [{ id: 'w', logic: counter }, { id: 'm', logic: meddler }] }), { id: 'root' });
    const w = system.lookup('root/w')!;
    const m = system.lookup('root/m')!;
    const cell = (w as unknown as { _cell: { tell(e: unknown): void } })._cell;
    const ledger = { sent: 0, rejectedAtSender: 0, reservedSent: 0 };
    const reserved = ['xstate.stop', 'xstate.init', 'xstate.error.actor.x', 'xstate.done.actor.y'];
    for (let i = 0; i < 1000; i++) {
      w.send({ type: 'work' });
      ledger.sent++;
      if (i % 100 === 0) {
        const type = reserved[(i / 100) % reserved.length] as string;
        try {
          w.send({ type });
        } catch {
          ledger.rejectedAtSender++;
        }
        m.send({ type: 'meddle', target: w, as: type }); // from a machine: dead-lettered at the sender
        cell.tell({ type }); // as a transport would deliver it: dead-lettered on arrival
        ledger.reservedSent += 2;
      }
    }
    await system.idle();
    const reply = await w.ask<{ n: number }>({ type: 'get' });
    expect(reply.n).toBe(1000);
    expect(ledger.rejectedAtSender).toBe(10);
    expect(dead.filter((d) => d.reason.code === 'INVALID_EVENT')).toHaveLength(ledger.reservedSent);
    expect(dead).toHaveLength(ledger.reservedSent);
    expect(reports.filter((r) => r.kind === 'child_exited')).toEqual([]);
    expect(w.getSnapshot()).toMatchObject({ status: 'active' });
    await system.shutdown();
  });

  it('treat an XState actor that stops without Arbor asking as an exit: the supervisor restarts it and later messages are processed', async () => {
    const system = await createSystem({ node: 'unasked', logger: false, clock: new SimulatedClock() });
    const reports: SupervisorReport[] = [];
    const dead: DeadLetter[] = [];
    system.on('report', (r) => reports.push(r));
    system.on('deadLetter', (d) => dead.push(d));
    system.spawn(supervisor({ children: [{ id: 'w', logic: counter }] }), { id: 'root' });
    const w = system.lookup('root/w')!;
    for (let i = 0; i < 10; i++) w.send({ type: 'work' });
    await system.idle();
    // Reach behind Arbor and stop the XState actor, as a stray `xstate.stop` once could.
    (w as unknown as { _cell: { actor: { _stop(): void } } })._cell.actor._stop();
    for (let i = 0; i < 10; i++) w.send({ type: 'work' });
    await system.idle();
    expect(reports.filter((r) => r.kind === 'child_exited')).toEqual([expect.objectContaining({ child: 'w', reason: expect.objectContaining({ code: 'ACTOR_STOPPED' }) })]);
    expect(reports.filter((r) => r.kind === 'child_restarted')).toHaveLength(1);
    // The new incarnation took all ten later messages; nothing went to dead letters.
    await expect(w.ask({ type: 'get' })).resolves.toEqual({ type: 'count', n: 10 });
    expect(dead).toEqual([]);
    await system.shutdown();
  });

  it('dead-letters on arrival a body that is not an event, and the worker keeps running', async () => {
    // Under inspection too, where a worker remembers who sent each message.
    const system = await createSystem({ node: 'junk', logger: false, clock: new SimulatedClock(), inspect: () => undefined });
    const dead: DeadLetter[] = [];
    system.on('deadLetter', (d) => dead.push(d));
    const w = system.spawn(counter, { id: 'w' });
    const cell = (w as unknown as { _cell: { tell(e: unknown, from?: string): void } })._cell;
    const junk = [null, 42, 'str', [1], { type: 5 }, { id: 1 }];
    for (const body of junk) cell.tell(body, 'arbor://elsewhere/sender'); // as a transport delivers a frame from another node
    w.send({ type: 'work' });
    await system.idle();
    expect(dead.map((d) => d.reason.code)).toEqual(junk.map(() => 'INVALID_EVENT'));
    await expect(w.ask({ type: 'get' })).resolves.toEqual({ type: 'count', n: 1 });
    await system.shutdown();
  });
});
