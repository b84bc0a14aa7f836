/**
 * Differential, table-driven: machines in the manner of XState's own tests (parallel and history
 * states, eventless and guarded transitions, named delays, enqueueActions, forwardTo, assign with
 * spawn, nested final states, invoke input from context, ...), each driven by the same steps under
 * `createActor` and as an Arbor worker; the snapshots and logs must be the same.
 */
import { describe, expect, it } from 'vitest';
import {
  and,
  assign,
  createMachine,
  enqueueActions,
  forwardTo,
  fromPromise,
  log as logAction,
  not,
  raise,
  sendTo,
  setup,
  stateIn,
  type AnyActorLogic,
} from 'xstate';
import { differential, essentials } from './harness.js';

type Step = { send: string; [k: string]: unknown } | { advance: number };

interface Case {
  name: string;
  make: (log: unknown[]) => AnyActorLogic;
  steps: Step[];
  input?: unknown;
}

const note = (log: unknown[], what: string) => () => log.push(what);

const cases: Case[] = [
  {
    name: 'parallel regions each take the same event',
    make: (log) =>
      createMachine({
        type: 'parallel',
        states: {
          left: { initial: 'a', states: { a: { on: { go: { target: 'b', actions: note(log, 'left') } } }, b: {} } },
          right: { initial: 'x', states: { x: { on: { go: { target: 'y', actions: note(log, 'right') } } }, y: {} } },
        },
      }),
    steps: [{ send: 'go' }],
  },
  {
    name: 'shallow and deep history states restore the last child',
    make: () =>
      createMachine({
        initial: 'on',
        states: {
          on: {
            initial: 'one',
            states: { one: { on: { next: 'two' } }, two: { initial: 'p', states: { p: { on: { deeper: 'q' } }, q: {} } }, hist: { type: 'history', history: 'deep' } },
            on: { off: 'off' },
          },
          off: { on: { back: 'on.hist' } },
        },
      }),
    steps: [{ send: 'next' }, { send: 'deeper' }, { send: 'off' }, { send: 'back' }],
  },
  {
    name: 'eventless transitions with guards settle before the next event',
    make: () =>
      setup({ types: { context: {} as { n: number } } }).createMachine({
        context: { n: 0 },
        initial: 'counting',
        states: {
          counting: { always: { guard: ({ context }) => context.n >= 3, target: 'enough' }, on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } } },
          enough: { type: 'final' },
        },
      }),
    steps: [{ send: 'inc' }, { send: 'inc' }, { send: 'inc' }, { send: 'inc' }],
  },
  {
    name: 'combined guards (and, not, stateIn) pick the first enabled transition',
    make: (log) =>
      setup({ guards: { big: ({ event }) => (event as { n?: number }).n! > 5 } }).createMachine({
        type: 'parallel',
        states: {
          mode: { initial: 'armed', states: { armed: { on: { disarm: 'safe' } }, safe: {} } },
          act: {
            on: {
              fire: [
                { guard: and(['big', stateIn('#m.mode.armed')]), actions: note(log, 'boom') },
                { guard: not('big'), actions: note(log, 'small') },
                { actions: note(log, 'fallback') },
              ],
            },
          },
        },
        id: 'm',
      }),
    steps: [{ send: 'fire', n: 9 }, { send: 'fire', n: 1 }, { send: 'disarm' }, { send: 'fire', n: 9 }],
  },
  {
    name: 'named delays from setup and a delay computed from context',
    make: (log) =>
      setup({ types: { context: {} as { wait: number } }, delays: { short: 50, fromContext: ({ context }) => context.wait } }).createMachine({
        context: { wait: 120 },
        initial: 'a',
        states: {
          a: { after: { short: { target: 'b', actions: note(log, 'short') } } },
          b: { after: { fromContext: { target: 'c', actions: note(log, 'fromContext') } } },
          c: {},
        },
      }),
    steps: [{ advance: 40 }, { advance: 20 }, { advance: 100 }, { advance: 100 }],
  },
  {
    name: 'enqueueActions runs conditional actions in order',
    make: (log) =>
      setup({ types: { context: {} as { n: number } } }).createMachine({
        context: { n: 0 },
        on: {
          go: {
            actions: enqueueActions(({ context, enqueue, check }) => {
              enqueue.assign({ n: context.n + 10 });
              if (check(() => context.n === 0)) enqueue(note(log, 'first time'));
              enqueue.raise({ type: 'after-go' });
            }),
          },
          'after-go': { actions: note(log, 'raised') },
        },
      }),
    steps: [{ send: 'go' }, { send: 'go' }],
  },
  {
    name: 'forwardTo hands an event to an invoked child, which answers its parent',
    make: (log) =>
      setup({
        actors: {
          echo: createMachine({ on: { shout: { actions: [note(log, 'child heard'), sendTo(({ self }) => self._parent!, { type: 'echoed' })] } } }),
        },
      }).createMachine({
        invoke: { id: 'echo', src: 'echo' },
        on: { shout: { actions: forwardTo('echo') }, echoed: { actions: note(log, 'parent heard') } },
      }),
    steps: [{ send: 'shout' }],
  },
  {
    name: 'assign with spawn keeps child refs in context and talks to them',
    make: (log) => {
      const child = createMachine({ on: { hi: { actions: ({ self }) => log.push(`${self.id} hi`) } } });
      return setup({ types: { context: {} as { kids: string[] } } }).createMachine({
        context: { kids: [] },
        on: {
          add: { actions: assign({ kids: ({ context, spawn }) => [...context.kids, spawn(child as never, { id: `kid${context.kids.length}` } as never).id as string] }) },
          greet: { actions: enqueueActions(({ context, enqueue }) => context.kids.forEach((id) => enqueue.sendTo(id, { type: 'hi' }))) },
        },
      });
    },
    steps: [{ send: 'add' }, { send: 'add' }, { send: 'greet' }],
  },
  {
    name: 'a nested final state raises onDone of its parent state, and the machine ends with its output',
    make: () =>
      setup({ types: { context: {} as { steps: string[] } } }).createMachine({
        context: { steps: [] },
        initial: 'work',
        states: {
          work: {
            initial: 'one',
            states: { one: { on: { next: 'two' } }, two: { type: 'final' } },
            onDone: { target: 'done', actions: assign({ steps: ({ context }) => [...context.steps, 'work done'] }) },
          },
          done: { type: 'final' },
        },
        output: ({ context }) => context.steps,
      }),
    steps: [{ send: 'next' }],
  },
  {
    name: 'invoke input computed from context and event reaches the invoked promise',
    make: () =>
      setup({
        types: { context: {} as { q: string; a?: string } },
        actors: { answer: fromPromise(async ({ input }: { input: { q: string } }) => input.q.toUpperCase()) },
      }).createMachine({
        context: ({ input }) => ({ q: (input as { q: string }).q }),
        initial: 'idle',
        states: {
          idle: { on: { ask: 'asking' } },
          asking: { invoke: { src: 'answer', input: ({ context }) => ({ q: context.q }), onDone: { target: 'answered', actions: assign({ a: ({ event }) => event.output }) } } },
          answered: {},
        },
      }),
    steps: [{ send: 'ask' }],
    input: { q: 'why' },
  },
  {
    name: 'raise is processed before the next external event, delayed raise after its delay',
    make: (log) =>
      createMachine({
        on: {
          go: { actions: [raise({ type: 'inner' }), raise({ type: 'later' }, { delay: 10 }), note(log, 'go')] },
          inner: { actions: note(log, 'inner') },
          later: { actions: note(log, 'later') },
          next: { actions: note(log, 'next') },
        },
      }),
    steps: [{ send: 'go' }, { send: 'next' }, { advance: 10 }],
  },
  {
    name: 'reentering a state restarts its delays and invocations',
    make: (log) =>
      createMachine({
        initial: 'a',
        states: { a: { entry: note(log, 'enter a'), exit: note(log, 'exit a'), after: { 100: { actions: note(log, 'timeout') } }, on: { again: { target: 'a', reenter: true } } } },
      }),
    steps: [{ advance: 60 }, { send: 'again' }, { advance: 60 }, { advance: 60 }],
  },
  {
    name: 'the log action and wildcard transitions see every event type',
    make: (log) => createMachine({ on: { '*': { actions: [({ event }) => log.push(event.type), logAction('seen')] } } }),
    steps: [{ send: 'a' }, { send: 'b.c' }, { send: 'd' }],
  },
  {
    name: 'partial wildcard descriptors match by dotted prefix',
    make: (log) =>
      createMachine({ on: { 'order.*': { actions: ({ event }) => log.push(`order: ${event.type}`) }, 'order.placed': { actions: ({ event }) => log.push(`exact: ${event.type}`) } } }),
    steps: [{ send: 'order.placed' }, { send: 'order.paid' }, { send: 'order' }, { send: 'orders' }],
  },
];

describe('XState behaviours, differential', () => {
  for (const c of cases) {
    it(`${c.name}: the same under createActor and as an Arbor worker`, async () => {
      const { xstate, arbor } = await differential(
        c.make,
        async (run, log) => {
          const seen: unknown[] = [];
          const first = essentials(run.snapshot());
          const start = { ...first, context: JSON.parse(JSON.stringify(first.context ?? null)) as unknown };
          for (const step of c.steps) {
            if ('advance' in step) await run.advance(step.advance as number);
            else {
              const { send, ...rest } = step;
              run.send({ type: send, ...rest });
              await run.settle();
            }
            const s = essentials(run.snapshot());
            seen.push({ ...s, context: JSON.parse(JSON.stringify(s.context ?? null)) as unknown });
          }
          const end = essentials(run.snapshot());
          return { start, seen, log: [...log], end: { ...end, context: JSON.parse(JSON.stringify(end.context ?? null)) as unknown } };
        },
        c.input === undefined ? {} : { input: c.input },
      );
      expect(arbor).toEqual(xstate);
      // Each case moves the machine: its last observation is not the state it started in.
      expect(xstate.log.length > 0 || JSON.stringify(xstate.end) !== JSON.stringify(xstate.start)).toBe(true);
    });
  }
});
