import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, createMachine, setup } from 'xstate';
import { checkMachine } from '../../src/check/index.js';
import { counterMachine } from '../../examples/machines/counter.js';
import { replayOnFreshActor } from './replay-helpers.js';

describe('checkMachine search', () => {
  it('checks a counter whose context grows without bound, within its bounds and without hanging', async () => {
    const started = performance.now();
    const report = await checkMachine(counterMachine, { invariants: { 'count is never negative': (s) => s.context.count >= 0 }, maxSteps: 30 });
    expect(report.ok).toBe(true);
    expect(report.stats.exhaustive).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('gives the same report for the same seed', async () => {
    const options = { invariants: { 'below five': (s: { context: { count: number } }) => s.context.count < 5 }, seed: 1234, maxStates: 3 };
    const first = await checkMachine(counterMachine, options);
    const second = await checkMachine(counterMachine, options);
    expect(second).toEqual(first);
  });

  it('shrinks a counterexample found only by random walks to the shortest sequence', async () => {
    // maxStates 2 keeps the breadth-first search shallow: only a random walk gets 8 incs deep.
    const machine = setup({ types: { context: {} as { n: number } } }).createMachine({
      id: 'deep',
      context: { n: 0 },
      on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) }, noise: {}, other: { actions: () => undefined } },
    });
    const report = await checkMachine(machine, { invariants: { 'n below 8': (s) => s.context.n < 8 }, maxStates: 2, maxSteps: 40, numRuns: 300 });
    const failure = report.failures.find((f) => f.kind === 'invariant');
    expect(failure?.events).toEqual(Array.from({ length: 8 }, () => ({ type: 'inc' })));
  });

  it('draws payloads from the given arbitraries and puts them in the counterexample', async () => {
    const machine = setup({ types: { context: {} as { total: number }, events: {} as { type: 'add'; qty: number } } }).createMachine({
      id: 'cart',
      context: { total: 0 },
      on: { add: { actions: assign({ total: ({ context, event }) => context.total + event.qty }) } },
    });
    const report = await checkMachine(machine, {
      invariants: { 'total stays small': (s) => s.context.total < 100 },
      events: { add: fc.record({ qty: fc.integer({ min: 0, max: 1000 }) }) },
    });
    const failure = report.failures.find((f) => f.kind === 'invariant');
    expect(failure?.events).toHaveLength(1);
    expect((failure?.events[0] as unknown as { qty: number }).qty).toBeGreaterThanOrEqual(100);
    expect(replayOnFreshActor(machine, failure?.events ?? []).at(-1)?.context.total).toBeGreaterThanOrEqual(100);
  });

  it('passes guards that depend on context, because snapshots are told apart by context', async () => {
    const machine = setup({ types: { context: {} as { n: number } } }).createMachine({
      id: 'gate',
      context: { n: 0 },
      initial: 'closed',
      states: {
        closed: { on: { knock: [{ guard: ({ context }) => context.n >= 2, target: 'open' }, { actions: assign({ n: ({ context }) => context.n + 1 }) }] } },
        open: { type: 'final' },
      },
    });
    const report = await checkMachine(machine);
    expect(report.failures).toEqual([]);
  });
});

describe('checkMachine and time', () => {
  const timed = createMachine({
    id: 'timed',
    initial: 'waiting',
    states: {
      waiting: { after: { 5000: 'expired' }, on: { ok: 'done' } },
      expired: {},
      done: { type: 'final' },
    },
  });

  it('fires delayed transitions and finds the deadlock behind one', async () => {
    const report = await checkMachine(timed);
    expect(report.failures).toEqual([expect.objectContaining({ kind: 'deadlock', state: 'expired', events: [{ type: 'xstate.after.5000.timed.waiting' }] })]);
  });

  it('produces a delay counterexample that replays on createActor(machine) without waiting', () => {
    expect(replayOnFreshActor(timed, [{ type: 'xstate.after.5000.timed.waiting' }]).at(-1)?.value).toBe('expired');
  });

  it('does not count a state as a deadlock when a delay leaves it', async () => {
    const machine = createMachine({ id: 'm', initial: 'a', states: { a: { after: { 10: 'b' } }, b: { type: 'final' } } });
    expect((await checkMachine(machine)).ok).toBe(true);
  });
});
