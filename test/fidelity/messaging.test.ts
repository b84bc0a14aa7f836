/**
 * Differential: sendTo, sendParent, raise, `self` as a reply address, `system.get` / `systemId`,
 * and events Arbor cannot carry.
 */
import { describe, expect, it } from 'vitest';
import { assign, createMachine, raise, sendParent, sendTo, setup, spawnChild, type AnyActorRef } from 'xstate';
import { createSystem, SimulatedClock, supervisor, type DeadLetter } from '../../src/index.js';
import { differential } from './harness.js';

/** Logs every event it gets; answers `ping` to `event.replyTo`. */
const receiver = (log: unknown[]) =>
  setup({ types: { events: {} as { type: string; replyTo?: AnyActorRef } } }).createMachine({
    on: {
      '*': { actions: ({ event }) => log.push(`receiver got ${event.type}`) },
      ping: { actions: [({ event }) => log.push(`receiver got ${event.type}`), sendTo(({ event }) => event.replyTo as AnyActorRef, { type: 'pong' })] },
    },
  });

describe('sendTo, sendParent and raise inside a worker', () => {
  it('delivers between a machine and the child it invokes in the same order', async () => {
    const child = setup({}).createMachine({
      initial: 'a',
      states: { a: { on: { hello: { actions: [sendParent({ type: 'from-child' }), raise({ type: 'self-raised' })] }, 'self-raised': 'b' } }, b: { entry: sendParent({ type: 'child-in-b' }) } },
    });
    const { xstate, arbor } = await differential(
      (log) =>
        setup({ actors: { child } }).createMachine({
          invoke: { id: 'c', src: 'child' },
          on: {
            go: { actions: sendTo('c', { type: 'hello' }) },
            '*': { actions: ({ event }) => log.push(event.type) },
          },
        }),
      async (run, log) => {
        run.send({ type: 'go' });
        await run.settle();
        return [...log];
      },
    );
    expect(xstate).toEqual(['from-child', 'child-in-b']);
    expect(arbor).toEqual(xstate);
  });
});

describe('system.get and systemId', () => {
  it('finds an actor registered by another worker, where createActor finds it in the one system', async () => {
    // Under XState: one system with a receiver and a sender. Under Arbor: two workers on one node.
    const sender = setup({}).createMachine({
      on: { go: { actions: sendTo(({ system }) => system.get('receiver') as AnyActorRef, { type: 'HELLO' }) }, HELLO: { actions: () => undefined } },
    });
    const xlog: unknown[] = [];
    const { createActor } = await import('xstate');
    const parent = createActor(
      setup({ actors: { receiver: receiver(xlog), sender } }).createMachine({
        entry: [spawnChild('receiver', { systemId: 'receiver' }), spawnChild('sender', { id: 's' })],
        on: { go: { actions: sendTo('s', { type: 'go' }) } },
      }),
    ).start();
    parent.send({ type: 'go' });

    const alog: unknown[] = [];
    const system = await createSystem({ node: 'sid', logger: false, clock: new SimulatedClock() });
    system.spawn(receiver(alog), { id: 'r', systemId: 'receiver' });
    const s = system.spawn(sender, { id: 's' });
    s.send({ type: 'go' });
    await system.idle();
    expect(xlog).toEqual(['receiver got HELLO']);
    expect(alog).toEqual(xlog);
    expect(() => system.spawn(sender, { id: 's2', systemId: 'receiver' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
    await system.shutdown();
  });

  it('finds a child a worker spawned with a systemId, and forgets it when that worker crashes', async () => {
    const log: unknown[] = [];
    const holder = createMachine({
      entry: spawnChild(receiver(log), { systemId: 'inner' }),
      on: {
        crash: {
          actions: () => {
            throw new Error('down');
          },
        },
      },
    });
    const asker = setup({}).createMachine({
      on: {
        go: { actions: sendTo(({ system }) => system.get('inner') as AnyActorRef, { type: 'HELLO' }) },
        probe: { actions: ({ system }) => log.push(`inner known: ${system.get('inner') !== undefined}`) },
      },
    });
    const system = await createSystem({ node: 'sid2', logger: false, clock: new SimulatedClock() });
    const h = system.spawn(holder, { id: 'h' });
    const a = system.spawn(asker, { id: 'a' });
    a.send({ type: 'go' });
    await system.idle();
    h.send({ type: 'crash' });
    await system.idle();
    a.send({ type: 'probe' });
    await system.idle();
    expect(log).toEqual(['receiver got HELLO', 'inner known: false']);
    await system.shutdown();
  });
  it('crashes a worker that spawns a child under a systemId another worker holds, as XState crashes on a duplicate in one system', async () => {
    const system = await createSystem({ node: 'sid3', logger: false, clock: new SimulatedClock() });
    system.spawn(receiver([]), { id: 'r', systemId: 'taken' });
    const dup = system.spawn(createMachine({ on: { go: { actions: spawnChild(createMachine({}), { systemId: 'taken' }) } } }), { id: 'dup' });
    dup.send({ type: 'go' });
    await expect(dup.result()).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'systemId', value: 'taken' } });
    await system.shutdown();
  });
});

describe('self as a reply address', () => {
  it('routes replies to a worker through its Arbor ref, so they reach the incarnation after a restart', async () => {
    const clock = new SimulatedClock();
    const system = await createSystem({ node: 'self', logger: false, clock });
    const dead: DeadLetter[] = [];
    system.on('deadLetter', (d) => dead.push(d));
    const replies: number[] = [];
    // The answerer replies 1 s later, by which time the asker has crashed and been restarted.
    const answerer = setup({ types: { events: {} as { type: 'req'; replyTo: AnyActorRef } } }).createMachine({
      on: { req: { actions: sendTo(({ event }) => event.replyTo, { type: 'res' }, { delay: 1000 }) } },
    });
    const asker = setup({}).createMachine({
      context: ({ self }) => ({ incarnation: replies.length, self }),
      on: {
        go: { actions: sendTo(({ system: s }) => s.get('answerer') as AnyActorRef, ({ self }) => ({ type: 'req', replyTo: self })) },
        res: { actions: () => replies.push(1) },
        crash: {
          actions: () => {
            throw new Error('restart me');
          },
        },
      },
    });
    system.spawn(answerer, { id: 'answerer', systemId: 'answerer' });
    system.spawn(supervisor({ intensity: 3, children: [{ id: 'asker', logic: asker }] }), { id: 'root' });
    const a = system.lookup('root/asker')!;
    a.send({ type: 'go' });
    await system.idle();
    a.send({ type: 'crash' });
    await system.idle();
    clock.increment(1000);
    await system.idle();
    expect(replies).toEqual([1]);
    expect(dead.filter((d) => d.event && (d.event as { type: string }).type === 'res')).toEqual([]);
    await system.shutdown();
  });
});

describe('sendParent from a supervised worker', () => {
  it('does not crash the worker: the event reaches the supervisor, which dead-letters it as a supervisor takes no user events', async () => {
    const system = await createSystem({ node: 'sp', logger: false, clock: new SimulatedClock() });
    const dead: DeadLetter[] = [];
    system.on('deadLetter', (d) => dead.push(d));
    const child = setup({}).createMachine({
      context: { n: 0 },
      on: { tell: { actions: [sendParent({ type: 'progress' }), assign({ n: ({ context }) => context.n + 1 })] } },
    });
    system.spawn(supervisor({ children: [{ id: 'w', logic: child }] }), { id: 'root' });
    const w = system.lookup('root/w')!;
    w.send({ type: 'tell' });
    w.send({ type: 'tell' });
    await system.idle();
    expect(w.getSnapshot()).toMatchObject({ status: 'active', context: { n: 2 } });
    expect(dead.map((d) => [d.recipient, (d.event as { type: string }).type, d.reason.code])).toEqual([
      ['arbor://sp/root', 'progress', 'UNHANDLED_MESSAGE'],
      ['arbor://sp/root', 'progress', 'UNHANDLED_MESSAGE'],
    ]);
    await system.shutdown();
  });
});

describe('events Arbor cannot carry', () => {
  class Hello {
    readonly type = 'hello';
  }

  it('dead-letters a class-instance event sent with sendTo(arborRef, ...) with INVALID_EVENT and keeps the sender running', async () => {
    const system = await createSystem({ node: 'cls', logger: false, clock: new SimulatedClock() });
    const dead: DeadLetter[] = [];
    system.on('deadLetter', (d) => dead.push(d));
    const log: unknown[] = [];
    const target = system.spawn(receiver(log), { id: 'target' });
    const sender = system.spawn(
      setup({ types: { context: {} as { sent: number } } }).createMachine({
        context: { sent: 0 },
        on: { go: { actions: [sendTo(() => target as unknown as AnyActorRef, () => new Hello() as never), assign({ sent: ({ context }) => context.sent + 1 })] } },
      }),
      { id: 'sender' },
    );
    sender.send({ type: 'go' });
    await system.idle();
    expect(sender.getSnapshot()).toMatchObject({ status: 'active', context: { sent: 1 } });
    expect(dead).toEqual([expect.objectContaining({ recipient: target.path, reason: expect.objectContaining({ code: 'INVALID_EVENT' }) })]);
    expect(log).toEqual([]);
    await system.shutdown();
  });

  it('throws INVALID_EVENT at the sender for a reserved xstate.* type', async () => {
    const system = await createSystem({ node: 'rsv', logger: false });
    const ref = system.spawn(receiver([]), { id: 'r' });
    for (const type of ['xstate.stop', 'xstate.init', 'xstate.done.actor.x']) {
      expect(() => ref.send({ type })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
      expect(() => ref.ask({ type })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    }
    await system.shutdown();
  });
});
