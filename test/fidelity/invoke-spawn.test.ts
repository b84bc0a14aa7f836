/**
 * Differential: invoked promise, callback and machine actors, spawned children, and what is left
 * running after crashes and after shutdown (nothing, under Arbor).
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor, createMachine, fromCallback, fromPromise, sendTo, setup, spawnChild, stopChild, type AnyActorRef } from 'xstate';
import { createSystem, SimulatedClock, supervisor, type Clock } from '../../src/index.js';
import { differential, essentials } from './harness.js';

describe('invoke', () => {
  it('takes onDone of an invoked promise and onError of a rejected one', async () => {
    const { xstate, arbor } = await differential(
      () =>
        setup({
          actors: {
            model: fromPromise(async ({ input }: { input: { q: string } }) => {
              if (input.q === 'bad') throw new Error('refused');
              return `answer to ${input.q}`;
            }),
          },
          types: { context: {} as { answers: string[]; errors: string[] } },
        }).createMachine({
          context: { answers: [], errors: [] },
          initial: 'first',
          states: {
            first: {
              invoke: {
                src: 'model',
                input: { q: 'life' },
                onDone: { target: 'second', actions: assign({ answers: ({ context, event }) => [...context.answers, event.output as string] }) },
              },
            },
            second: {
              invoke: {
                src: 'model',
                input: { q: 'bad' },
                onError: { target: 'end', actions: assign({ errors: ({ context, event }) => [...context.errors, (event.error as Error).message] }) },
              },
            },
            end: { type: 'final' },
          },
          output: ({ context }) => context,
        }),
      async (run) => {
        await run.settle();
        return essentials(run.snapshot());
      },
    );
    expect(xstate).toMatchObject({ status: 'done', output: { answers: ['answer to life'], errors: ['refused'] } });
    expect(arbor).toEqual(xstate);
  });

  it('exchanges events with an invoked callback and disposes it on leaving the state', async () => {
    const { xstate, arbor } = await differential(
      (log) =>
        createMachine({
          initial: 'on',
          states: {
            on: {
              invoke: {
                id: 'cb',
                src: fromCallback(({ sendBack, receive }) => {
                  receive((e) => {
                    log.push(`cb got ${e.type}`);
                    sendBack({ type: 'echo' });
                  });
                  return () => log.push('cb disposed');
                }),
              },
              on: { poke: { actions: sendTo('cb', { type: 'poke' }) }, echo: { actions: () => log.push('echo') }, off: 'off' },
            },
            off: {},
          },
        }),
      async (run, log) => {
        run.send({ type: 'poke' });
        await run.settle();
        run.send({ type: 'off' });
        await run.settle();
        return { log: [...log], value: run.snapshot().value };
      },
    );
    expect(xstate).toEqual({ log: ['cb got poke', 'echo', 'cb disposed'], value: 'off' });
    expect(arbor).toEqual(xstate);
  });

  it('takes the output of an invoked machine as onDone', async () => {
    const child = createMachine({ initial: 'a', states: { a: { on: { finish: 'b' } }, b: { type: 'final' } }, output: () => 7 });
    const { xstate, arbor } = await differential(
      () =>
        setup({ actors: { child } }).createMachine({
          context: { got: 0 },
          initial: 'waiting',
          states: {
            waiting: {
              invoke: { id: 'child', src: 'child', onDone: { target: 'done', actions: assign({ got: ({ event }) => event.output as number }) } },
              on: { go: { actions: sendTo('child', { type: 'finish' }) } },
            },
            done: { type: 'final' },
          },
          output: ({ context }) => context.got,
        }),
      async (run) => {
        run.send({ type: 'go' });
        await run.settle();
        return essentials(run.snapshot());
      },
    );
    expect(xstate).toMatchObject({ status: 'done', output: 7 });
    expect(arbor).toEqual(xstate);
  });
});

describe('spawn', () => {
  it('spawns, talks to and stops children the same way', async () => {
    const kid = (log: unknown[]) => createMachine({ on: { hi: { actions: ({ self }) => log.push(`${self.id} hi`) } } });
    const { xstate, arbor } = await differential(
      (log) =>
        setup({ actors: { kid: kid(log) } }).createMachine({
          entry: [spawnChild('kid', { id: 'k1' }), spawnChild('kid', { id: 'k2' })],
          on: { hi: { actions: [sendTo('k1', { type: 'hi' }), sendTo('k2', { type: 'hi' })] }, drop: { actions: stopChild('k1') } },
        }),
      async (run, log) => {
        run.send({ type: 'hi' });
        await run.settle();
        run.send({ type: 'drop' });
        await run.settle();
        return { log: [...log], children: Object.keys(run.snapshot().children ?? {}) };
      },
    );
    expect(xstate).toEqual({ log: ['k1 hi', 'k2 hi'], children: ['k2'] });
    expect(arbor).toEqual(xstate);
  });
});

/** A callback that ticks on `clock` every 100 ms and counts itself live until disposed. */
function ticker(clock: Clock, live: { n: number; ticks: number }) {
  return fromCallback(() => {
    live.n++;
    let timer: unknown;
    const tick = (): void => {
      live.ticks++;
      timer = clock.setTimeout(tick, 100);
    };
    timer = clock.setTimeout(tick, 100);
    return () => {
      live.n--;
      clock.clearTimeout(timer);
    };
  });
}

function crashingTickerMachine(clock: Clock, live: { n: number; ticks: number }) {
  return setup({ actors: { ticker: ticker(clock, live) } }).createMachine({
    invoke: { src: 'ticker' },
    entry: spawnChild('ticker'),
    after: { 10_000: { actions: () => undefined } },
    on: {
      crash: {
        actions: () => {
          throw new Error('crash');
        },
      },
    },
  });
}

describe('nothing of a crashed or stopped incarnation keeps running', () => {
  it('leaves one live callback after three crashes, and no callback and no timer after shutdown', async () => {
    const clock = new SimulatedClock();
    const live = { n: 0, ticks: 0 };
    const system = await createSystem({ node: 'leak', logger: false, clock });
    system.spawn(supervisor({ intensity: 10, children: [{ id: 'w', logic: crashingTickerMachine(clock, live) }] }), { id: 'root' });
    const w = system.lookup('root/w')!;
    await system.idle();
    expect(live.n).toBe(2); // the invoked and the spawned ticker
    for (let i = 0; i < 3; i++) {
      w.send({ type: 'crash' });
      await system.idle();
    }
    expect(live.n).toBe(2);
    // Only the current incarnation's two tickers (and its `after` timer) are pending.
    expect(clock.pending).toBe(3);
    live.ticks = 0;
    clock.increment(100);
    expect(live.ticks).toBe(2);
    await system.shutdown();
    expect(live.n).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('differs from createActor on purpose: XState leaves the children of an errored actor running, Arbor stops them', async () => {
    const xclock = new SimulatedClock();
    const xlive = { n: 0, ticks: 0 };
    const actor = createActor(crashingTickerMachine(xclock, xlive), { clock: xclock });
    actor.subscribe({ error: () => undefined });
    actor.start();
    actor.send({ type: 'crash' });
    expect(actor.getSnapshot().status).toBe('error');
    expect(xlive.n).toBe(2); // XState's own behaviour: orphaned children keep ticking

    const clock = new SimulatedClock();
    const live = { n: 0, ticks: 0 };
    const system = await createSystem({ node: 'leak2', logger: false, clock });
    const ref = system.spawn(crashingTickerMachine(clock, live), { id: 'w' });
    ref.result().catch(() => undefined);
    await system.idle();
    ref.send({ type: 'crash' });
    await system.idle();
    expect((ref.getSnapshot() as { status: string }).status).toBe('error');
    expect({ live: live.n, timers: clock.pending }).toEqual({ live: 0, timers: 0 });
    await system.shutdown();
  });

  it('stops the children of a worker whose invoked child fails without onError', async () => {
    const clock = new SimulatedClock();
    const live = { n: 0, ticks: 0 };
    const system = await createSystem({ node: 'leak3', logger: false, clock });
    let reject: (e: Error) => void = () => undefined;
    const machine = setup({ actors: { ticker: ticker(clock, live), model: fromPromise(() => new Promise((_r, rej) => (reject = rej))) } }).createMachine({
      invoke: [{ src: 'ticker' }, { src: 'model' }],
    });
    const ref = system.spawn(machine, { id: 'w' });
    ref.result().catch(() => undefined);
    await system.idle();
    expect(live.n).toBe(1);
    reject(new Error('model down'));
    await new Promise((r) => setImmediate(r));
    await system.idle();
    await expect(ref.result()).rejects.toThrow('model down');
    expect({ live: live.n, timers: clock.pending }).toEqual({ live: 0, timers: 0 });
    await system.shutdown();
  });

  it('counts the same live children as createActor while nothing fails', async () => {
    const { xstate, arbor } = await differential(
      () => {
        const children = (ids: string[]) => ids.map((id) => spawnChild(createMachine({}), { id }));
        return createMachine({ entry: children(['a', 'b', 'c']), on: { drop: { actions: stopChild('b') } } });
      },
      async (run) => {
        const before = Object.keys(run.snapshot().children ?? {}).length;
        run.send({ type: 'drop' });
        await run.settle();
        const after = Object.values(run.snapshot().children ?? {}).filter((c) => (c as AnyActorRef).getSnapshot().status === 'active').length;
        return { before, after };
      },
    );
    expect(xstate).toEqual({ before: 3, after: 2 });
    expect(arbor).toEqual(xstate);
  });
});
