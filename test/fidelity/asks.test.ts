/**
 * The agent shape (issue 12): an ask whose reply a crashed incarnation owed fails at once with
 * `ACTOR_CRASHED`, wherever in the actor the crash came from; an ask no state handles fails at
 * once with `UNHANDLED_EVENT`. The clock never moves in these tests, so no ask can time out.
 */
import { describe, expect, it } from 'vitest';
import { assign, createMachine, fromPromise, sendTo, setup, spawnChild, type AnyActorRef } from 'xstate';
import { createSystem, SimulatedClock, supervisor, type DeadLetter, type SystemOptions } from '../../src/index.js';

async function testSystem(options: SystemOptions = {}) {
  const clock = new SimulatedClock();
  const system = await createSystem({ node: 'asks', logger: false, clock, ...options });
  const dead: DeadLetter[] = [];
  system.on('deadLetter', (d) => dead.push(d));
  return { system, clock, dead };
}

type Ask = { type: 'ask'; replyTo: AnyActorRef };

/** An agent that, on `ask`, calls a model (a promise it controls) and replies with the answer. */
function agent(shape: 'no-onError' | 'throwing-onError' | 'spawned' | 'guard', control: { fail?: (e: Error) => void }) {
  const model = fromPromise<string>(() => new Promise((_resolve, reject) => (control.fail = reject)));
  const boom = (): never => {
    throw new Error('onError handler threw');
  };
  return setup({ actors: { model }, types: { context: {} as { replyTo?: AnyActorRef }, events: {} as Ask } }).createMachine({
    context: {},
    initial: 'idle',
    states: {
      idle: {
        on: {
          ask:
            shape === 'guard'
              ? {
                  guard: () => {
                    throw new Error('guard threw');
                  },
                  target: 'calling',
                }
              : { target: 'calling', actions: assign({ replyTo: ({ event }) => event.replyTo }) },
        },
      },
      calling: {
        ...(shape === 'spawned' ? { entry: spawnChild('model') } : {}),
        ...(shape !== 'spawned'
          ? {
              invoke: {
                src: 'model',
                onDone: { target: 'idle', actions: sendTo(({ context }) => context.replyTo as AnyActorRef, ({ event }) => ({ type: 'answer', text: event.output })) },
                ...(shape === 'throwing-onError' ? { onError: { actions: boom } } : {}),
              },
            }
          : {}),
      },
    },
  });
}

describe('asks owed by a crashed incarnation', () => {
  for (const shape of ['no-onError', 'throwing-onError', 'spawned'] as const) {
    it(`fail at once with ACTOR_CRASHED when the model call fails (${shape})`, async () => {
      const { system, dead } = await testSystem();
      const control: { fail?: (e: Error) => void } = {};
      system.spawn(supervisor({ intensity: 5, children: [{ id: 'agent', logic: agent(shape, control) }] }), { id: 'root' });
      const ref = system.lookup('root/agent')!;
      const pending = ref.ask({ type: 'ask' }, { timeout: 5000 });
      pending.catch(() => undefined);
      await system.idle();
      control.fail?.(new Error('model down'));
      await new Promise((r) => setImmediate(r));
      await system.idle();
      await expect(pending).rejects.toMatchObject({ code: 'ACTOR_CRASHED' });
      expect(dead.map((d) => d.reason.code)).toEqual(['ACTOR_CRASHED']);
      // The restarted agent answers the next ask as usual.
      const next = ref.ask({ type: 'ask' }, { timeout: 5000 });
      await system.idle();
      expect((ref.getSnapshot() as { value: string }).value).toBe('calling');
      await system.shutdown();
      await expect(next).rejects.toMatchObject({ code: 'SYSTEM_SHUTDOWN' });
    });
  }

  it('fail at once with ACTOR_CRASHED when a guard throws on the ask itself', async () => {
    const { system } = await testSystem();
    system.spawn(supervisor({ intensity: 5, children: [{ id: 'agent', logic: agent('guard', {}) }] }), { id: 'root' });
    await expect(system.lookup('root/agent')!.ask({ type: 'ask' }, { timeout: 5000 })).rejects.toMatchObject({ code: 'ACTOR_CRASHED' });
    await system.shutdown();
  });

  it('leave an ask alone that was answered before the crash', async () => {
    const { system, dead } = await testSystem();
    const machine = setup({ types: { events: {} as Ask | { type: 'crash' } } }).createMachine({
      on: {
        ask: { actions: sendTo(({ event }) => (event as Ask).replyTo, { type: 'answer' }) },
        crash: {
          actions: () => {
            throw new Error('later crash');
          },
        },
      },
    });
    system.spawn(supervisor({ intensity: 5, children: [{ id: 'w', logic: machine }] }), { id: 'root' });
    const w = system.lookup('root/w')!;
    const answered = w.ask({ type: 'ask' });
    await system.idle();
    w.send({ type: 'crash' });
    await system.idle();
    await expect(answered).resolves.toEqual({ type: 'answer' });
    expect(dead.map((d) => (d.event as { type: string }).type)).toEqual(['crash']);
    await system.shutdown();
  });
});

describe('unhandled events', () => {
  const picky = createMachine({ initial: 'closed', states: { closed: { on: { open: 'open' } }, open: { on: { get: { actions: sendTo(({ event }) => (event as unknown as Ask).replyTo, { type: 'ok' }) } } } } });

  it('fail an ask no state handles at once with UNHANDLED_EVENT naming the state', async () => {
    const { system, dead } = await testSystem();
    const ref = system.spawn(picky, { id: 'p' });
    await expect(ref.ask({ type: 'get' }, { timeout: 5000 })).rejects.toMatchObject({ code: 'UNHANDLED_EVENT', details: { eventType: 'get', state: 'closed' } });
    ref.send({ type: 'open' });
    await expect(ref.ask({ type: 'get' })).resolves.toEqual({ type: 'ok' });
    expect(dead.map((d) => d.reason.code)).toEqual(['UNHANDLED_EVENT']);
    await system.shutdown();
  });

  it("ignore an unhandled event without replyTo by default, as XState does, and dead-letter it with unhandledEvents: 'all'", async () => {
    for (const unhandledEvents of [undefined, 'all'] as const) {
      const { system, dead } = await testSystem(unhandledEvents ? { unhandledEvents } : {});
      const ref = system.spawn(picky, { id: 'p' });
      ref.send({ type: 'get' });
      ref.send({ type: 'nonsense' });
      await system.idle();
      expect(dead.map((d) => [(d.event as { type: string }).type, d.reason.code])).toEqual(
        unhandledEvents === 'all' ? [['get', 'UNHANDLED_EVENT'], ['nonsense', 'UNHANDLED_EVENT']] : [],
      );
      await system.shutdown();
    }
  });

  it('count an event whose every guard fails as handled (guards are not run twice), so such an ask waits for its timeout', async () => {
    const { system, clock } = await testSystem();
    const guarded = createMachine({ on: { get: { guard: () => false, actions: () => undefined } } });
    const ref = system.spawn(guarded, { id: 'g' });
    const pending = ref.ask({ type: 'get' }, { timeout: 100 });
    await system.idle();
    clock.increment(100);
    await expect(pending).rejects.toMatchObject({ code: 'ASK_TIMEOUT' });
    await system.shutdown();
  });

  it("rejects a bad unhandledEvents option with INVALID_SPEC", async () => {
    await expect(createSystem({ logger: false, unhandledEvents: 'some' as never })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
  });
});

describe('asks owed by an incarnation that exits normally', () => {
  it('fail at once with ACTOR_STOPPED when the machine reaches a final state without replying', async () => {
    const { system } = await testSystem();
    const quitter = createMachine({ initial: 'a', states: { a: { on: { ask: 'working' } }, working: { on: { quit: 'done' } }, done: { type: 'final' } } });
    system.spawn(supervisor({ intensity: 5, children: [{ id: 'q', logic: quitter, restart: 'transient' }] }), { id: 'root' });
    const q = system.lookup('root/q')!;
    const pending = q.ask({ type: 'ask' }, { timeout: 5000 });
    await system.idle();
    q.send({ type: 'quit' });
    await expect(pending).rejects.toMatchObject({ code: 'ACTOR_STOPPED' });
    await system.shutdown();
  });
});
