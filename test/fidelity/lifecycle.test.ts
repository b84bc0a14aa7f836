/**
 * Differential: input and output, final states, errors, stop, persistence, `waitFor` /
 * `toPromise`, and `emit` heard through `ref.on`, under `createActor` and as an Arbor worker.
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor, createMachine, emit, fromCallback, fromObservable, fromPromise, fromTransition, setup, toPromise, waitFor, type AnyActorRef } from 'xstate';
import { asXStateRef, createSystem, SimulatedClock, type ActorRef } from '../../src/index.js';
import { arborRun, differential, essentials } from './harness.js';

const counter = setup({
  types: { context: {} as { n: number }, input: {} as { start: number }, events: {} as { type: 'inc' } | { type: 'done' } },
}).createMachine({
  context: ({ input }) => ({ n: input.start }),
  initial: 'counting',
  states: {
    counting: { on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) }, done: 'finished' } },
    finished: { type: 'final' },
  },
  output: ({ context }) => ({ total: context.n }),
});

describe('input, output and final states', () => {
  it('gives the machine its input and ends with the same output and status', async () => {
    const { xstate, arbor } = await differential(
      () => counter,
      async (run) => {
        run.send({ type: 'inc' });
        run.send({ type: 'inc' });
        await run.settle();
        const mid = essentials(run.snapshot());
        run.send({ type: 'done' });
        await run.settle();
        return { mid, end: essentials(run.snapshot()) };
      },
      { input: { start: 40 } },
    );
    expect(xstate.end).toEqual({ status: 'done', value: 'finished', context: { n: 42 }, output: { total: 42 } });
    expect(arbor).toEqual(xstate);
  });

  it('runs promise, callback, observable and transition logic to the same result', async () => {
    const logics = {
      promise: () => fromPromise(async ({ input }: { input: number }) => input * 2),
      transition: () => fromTransition((s: number, e: { type: string }) => (e.type === 'add' ? s + 1 : s), 5),
      observable: () =>
        fromObservable(() => ({
          subscribe: ((o: { next?: (v: number) => void; complete?: () => void }) => {
            o.next?.(1);
            o.next?.(2);
            o.complete?.();
            return { unsubscribe: () => undefined };
          }) as never,
        })),
      callback: (log: unknown[]) =>
        fromCallback(({ receive }) => {
          receive((e) => log.push(e.type));
          return () => log.push('disposed');
        }),
    };
    for (const [name, make] of Object.entries(logics)) {
      const { xstate, arbor } = await differential(
        (log) => make(log),
        async (run, log) => {
          run.send({ type: 'add' });
          await run.settle();
          const s = run.snapshot();
          return { status: s.status, context: s.context, output: s.output, log: [...log] };
        },
        { input: 21 },
      );
      expect({ name, ...arbor }).toEqual({ name, ...xstate });
    }
  });
});

describe('errors', () => {
  it('ends in status error with the thrown error when an action throws', async () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    const machine = createMachine({ initial: 'a', states: { a: { on: { go: { actions: boom } } } } });
    const { xstate, arbor } = await differential(
      () => machine,
      async (run) => {
        run.send({ type: 'go' });
        await run.settle();
        const s = run.snapshot();
        return { status: s.status, error: (s.error as Error).message };
      },
    );
    expect(xstate).toEqual({ status: 'error', error: 'boom' });
    expect(arbor).toEqual(xstate);
  });

  it('ends in status error when a guard throws or an invoked promise rejects without onError', async () => {
    const guarded = createMachine({
      initial: 'a',
      states: {
        a: {
          on: {
            go: {
              guard: () => {
                throw new Error('bad guard');
              },
              target: 'b',
            },
          },
        },
        b: {},
      },
    });
    const invoking = createMachine({ initial: 'a', states: { a: { invoke: { src: fromPromise(() => Promise.reject(new Error('model down'))) } } } });
    for (const machine of [guarded, invoking]) {
      const { xstate, arbor } = await differential(
        () => machine,
        async (run) => {
          run.send({ type: 'go' });
          await run.settle();
          const s = run.snapshot();
          return { status: s.status, error: String((s.error as Error).message) };
        },
      );
      expect(xstate.status).toBe('error');
      expect(arbor).toEqual(xstate);
    }
  });
});

describe('stop', () => {
  it('reports status stopped after a stop, as XState does', async () => {
    const { xstate, arbor } = await differential(
      () => counter,
      async (run) => {
        await run.stop();
        return run.snapshot().status;
      },
      { input: { start: 0 } },
    );
    expect(xstate).toBe('stopped');
    expect(arbor).toBe('stopped');
  });
});

describe('persistence', () => {
  const entries: string[] = [];
  const persisted = setup({ types: { context: {} as { n: number } } }).createMachine({
    context: { n: 0 },
    initial: 'a',
    states: {
      a: { entry: () => entries.push('a'), on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) }, end: 'z' } },
      z: { type: 'final' },
    },
    output: ({ context }) => context.n,
  });

  it('restores spawn(logic, { snapshot }) from a persisted snapshot without running entry actions again', async () => {
    const x = createActor(persisted).start();
    x.send({ type: 'inc' });
    const xSaved = x.getPersistedSnapshot();
    entries.length = 0;
    const xRestored = createActor(persisted, { snapshot: xSaved }).start();

    const system = await createSystem({ node: 'p', logger: false, clock: new SimulatedClock() });
    const ref = system.spawn(persisted, { id: 'w' });
    ref.send({ type: 'inc' });
    await system.idle();
    const saved = ref.getPersistedSnapshot();
    expect(saved).toEqual(xSaved);
    entries.length = 0;
    const restored = system.spawn(persisted, { id: 'w2', snapshot: saved });
    await system.idle();
    expect(entries).toEqual([]);
    expect(essentials(restored.getSnapshot() as never)).toEqual(essentials(xRestored.getSnapshot() as never));
    await system.shutdown();
  });

  it('ends at once, with its output, when restored from a persisted final state', async () => {
    const x = createActor(persisted).start();
    x.send({ type: 'inc' });
    x.send({ type: 'end' });
    const final = x.getPersistedSnapshot();
    const xOutput = await toPromise(createActor(persisted, { snapshot: final }).start());
    const run = await arborRun(persisted);
    await run.stop();
    const system = await createSystem({ node: 'p2', logger: false, clock: new SimulatedClock() });
    const restored = system.spawn(persisted, { id: 'w', snapshot: final });
    await expect(restored.result()).resolves.toBe(xOutput);
    expect(xOutput).toBe(1);
    await system.shutdown();
  });

  it('rejects unknown spawn options, a snapshot that is not an object, and a snapshot for a supervisor with INVALID_SPEC', async () => {
    const system = await createSystem({ node: 'p3', logger: false });
    expect(() => system.spawn(persisted, { id: 'a', state: {} } as never)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: expect.objectContaining({ field: 'state' }) }));
    expect(() => system.spawn(persisted, { id: 'b', snapshot: 42 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: expect.objectContaining({ field: 'snapshot' }) }));
    const { supervisor } = await import('../../src/index.js');
    expect(() => system.spawn(supervisor({ children: [] }), { id: 'c', snapshot: {} })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: expect.objectContaining({ field: 'snapshot' }) }));
    expect(system.lookup('c')).toBeUndefined();
    await system.shutdown();
  });
});

describe('waitFor, toPromise and subscribe on refs', () => {
  it('waits for a snapshot and resolves toPromise with the output, as on an XState actor', async () => {
    const { xstate, arbor } = await differential(
      () => counter,
      async (run) => {
        const ref = run.kind === 'arbor' ? asXStateRef(run.ref as ActorRef) : (run.ref as AnyActorRef);
        const reached = waitFor(ref, (s: { context: { n: number } }) => s.context.n >= 2);
        const done = toPromise(ref);
        run.send({ type: 'inc' });
        run.send({ type: 'inc' });
        await run.settle();
        const at = ((await reached) as { context: { n: number } }).context.n;
        run.send({ type: 'done' });
        await run.settle();
        return { at, output: await done };
      },
      { input: { start: 0 } },
    );
    expect(xstate).toEqual({ at: 2, output: { total: 2 } });
    expect(arbor).toEqual(xstate);
  });

  it('rejects toPromise with the error of a root that crashes', async () => {
    const machine = createMachine({
      initial: 'a',
      states: {
        a: {
          on: {
            go: {
              actions: () => {
                throw new Error('kaput');
              },
            },
          },
        },
      },
    });
    const { xstate, arbor } = await differential(
      () => machine,
      async (run) => {
        const outcome = toPromise(run.ref as AnyActorRef).then(
          () => 'resolved',
          (err: Error) => `rejected: ${err.message}`,
        );
        run.send({ type: 'go' });
        await run.settle();
        return outcome;
      },
    );
    expect(xstate).toBe('rejected: kaput');
    expect(arbor).toBe(xstate);
  });

  it('keeps observing a supervised worker across a restart and completes when it ends for good', async () => {
    const { supervisor } = await import('../../src/index.js');
    const system = await createSystem({ node: 'obs', logger: false, clock: new SimulatedClock() });
    const crashy = createMachine({
      context: { n: 0 },
      initial: 'a',
      states: {
        a: {
          on: {
            inc: { actions: assign({ n: ({ context }: { context: { n: number } }) => context.n + 1 }) },
            crash: {
              actions: () => {
                throw new Error('x');
              },
            },
            end: 'z',
          },
        },
        z: { type: 'final' },
      },
    });
    system.spawn(supervisor({ intensity: 5, children: [{ id: 'w', logic: crashy, restart: 'transient' }] }), { id: 'root' });
    const w = system.lookup('root/w')!;
    const seen: number[] = [];
    let completed = 0;
    let errors = 0;
    w.subscribe({ next: (s) => seen.push((s as { context: { n: number } }).context.n), complete: () => completed++, error: () => errors++ });
    w.send({ type: 'inc' });
    await system.idle();
    w.send({ type: 'crash' });
    await system.idle();
    w.send({ type: 'inc' });
    await system.idle();
    expect(completed).toBe(0);
    w.send({ type: 'end' });
    await system.idle();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1, 0, 1, 1]); // inc, the restarted incarnation, inc, the final state
    expect({ completed, errors }).toEqual({ completed: 1, errors: 0 });
    await system.shutdown();
  });
});

describe('emit and ref.on', () => {
  const emitter = setup({ types: { events: {} as { type: 'ping'; n: number }, emitted: {} as { type: 'pong'; n: number } | { type: 'other' } } }).createMachine({
    on: { ping: { actions: [emit(({ event }) => ({ type: 'pong' as const, n: event.n })), emit({ type: 'other' as const })] } },
  });

  it('hands emitted events to on(type) and on("*") listeners in the same order', async () => {
    const { xstate, arbor } = await differential(
      () => emitter,
      async (run) => {
        const heard: string[] = [];
        run.ref.on('pong', (e: { type: string; n?: number }) => heard.push(`pong ${e.n}`));
        const all = run.ref.on('*', (e: { type: string }) => heard.push(`* ${e.type}`));
        run.send({ type: 'ping', n: 1 });
        await run.settle();
        all.unsubscribe();
        run.send({ type: 'ping', n: 2 });
        await run.settle();
        return heard;
      },
    );
    expect(xstate).toEqual(['pong 1', '* pong', '* other', 'pong 2']);
    expect(arbor).toEqual(xstate);
  });
});

describe('ref features on supervisors and remote refs', () => {
  it("completes the observers of a supervisor's ref when it ends, and refuses getPersistedSnapshot with NOT_SUPPORTED", async () => {
    const { supervisor } = await import('../../src/index.js');
    const system = await createSystem({ node: 'supobs', logger: false });
    const finisher = createMachine({ initial: 'a', states: { a: { on: { end: 'z' } }, z: { type: 'final' } }, output: () => 'ok' });
    const root = system.spawn(supervisor({ autoShutdown: 'any_significant', children: [{ id: 'w', logic: finisher, restart: 'transient', significant: true }] }), { id: 'root' });
    const completed = new Promise<string>((resolve, reject) => root.subscribe({ complete: () => resolve('complete'), error: reject }));
    system.lookup('root/w')!.send({ type: 'end' });
    await expect(completed).resolves.toBe('complete');
    await expect(root.result()).resolves.toEqual({ w: 'ok' });
    expect(() => root.getPersistedSnapshot()).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
    await system.shutdown();
  });

  it('refuses subscribe, on and getPersistedSnapshot on a remote ref with NOT_SUPPORTED instead of doing nothing', async () => {
    const { RemoteActorRef } = await import('../../src/index.js');
    const ref = new RemoteActorRef('arbor://elsewhere/root/w', {
      route: () => undefined,
      ask: () => Promise.reject(new Error('unused')),
      remoteResult: () => Promise.reject(new Error('unused')),
    });
    expect(() => ref.subscribe(() => undefined)).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED', details: { feature: 'subscribe', path: ref.path } }));
    expect(() => ref.on('x', () => undefined)).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
    expect(() => ref.getPersistedSnapshot()).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
  });
});
