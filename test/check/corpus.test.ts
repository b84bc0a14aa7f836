import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, createMachine, fromPromise, setup } from 'xstate';
import { checkMachine, replayEvents } from '../../src/check/index.js';
import type { CheckReport } from '../../src/check/index.js';
import { ticTacToe, tiles } from './corpus/games.js';
import { bookLending, bookLendingOptions, hastyTicTacToe, trivia } from './corpus/planted.js';
import { heartbeat, player, uploader } from './corpus/structure.js';
import { creditCheck, creditCheckOptions, flightBooker, started } from './corpus/workflows.js';

const PLAY = fc.record({ value: fc.integer({ min: 0, max: 8 }) });

function kinds(report: CheckReport): string[] {
  return report.failures.map((f) => `${f.kind} ${f.state ?? ''}`);
}

describe('checkMachine on states reached only through invoked actors', () => {
  it('reaches the states behind a promise outcome of the flight booker and starts no real actor', async () => {
    const report = await checkMachine(flightBooker);
    expect(kinds(report)).toEqual([]);
    expect(started.bookFlight).toBe(0);
  });

  it('does not claim to be exhaustive when actor outputs were guessed, and says which', async () => {
    const report = await checkMachine(flightBooker);
    expect(report.stats.exhaustive).toBe(false);
    expect(report.stats.incomplete).toContain('the output of actor "bookFlight" was guessed');
  });

  it('is exhaustive when every payload and actor outcome is given in full', async () => {
    const report = await checkMachine(flightBooker, {
      events: { SET_TRIP: [{ trip: 'oneWay' }, { trip: 'return' }] },
      actors: { bookFlight: { output: [{ confirmation: 'A1' }], error: [new Error('sold out')] } },
    });
    expect(report).toMatchObject({ ok: true, stats: { exhaustive: true, incomplete: [] } });
  });

  it('gives outputs per actor by src name or invoke id, reaching both sides of a guard on an output', async () => {
    const report = await checkMachine(creditCheck, creditCheckOptions);
    expect(kinds(report)).toEqual([]);
    expect(started.fetchUser).toBe(0);
  });

  it('says "not reached within the bounds" for states behind a guessed output, never "no event sequence"', async () => {
    const report = await checkMachine(creditCheck);
    const unreachable = report.failures.filter((f) => f.kind === 'unreachable');
    expect(unreachable.map((f) => f.state)).toContain('creditCheck.rates');
    for (const failure of unreachable) expect(failure.message).toContain('not reached within the bounds');
    expect(report.stats.exhaustive).toBe(false);
  });

  it('explores the outcomes of spawned actors and an emitting callback actor', async () => {
    expect(kinds(await checkMachine(uploader))).toEqual([]);
    const beat = await checkMachine(heartbeat);
    expect(kinds(beat)).toEqual([]);
    expect(beat.stats.exhaustive).toBe(true);
  });

  it('delivers an actor outcome only while the actor runs, even for an arbitrary given for its event', async () => {
    const machine = setup({ actors: { load: fromPromise(async () => 1) } }).createMachine({
      id: 'ctx',
      initial: 'idle',
      states: {
        idle: { on: { GO: 'loading' } },
        loading: { invoke: { id: 'load', src: 'load', onDone: 'idle' } },
      },
      on: {
        'xstate.error.actor.load': {
          actions: ({ self }) => {
            if (!self.getSnapshot().matches('loading')) throw new Error('an error arrived while nothing was loading');
          },
        },
      },
    });
    const report = await checkMachine(machine, { events: { 'xstate.error.actor.load': fc.record({ error: fc.constant('boom') }) } as never });
    expect(kinds(report)).toEqual([]);
  });

  it('simulates an actor named in an invoke but never provided, instead of failing to start it', async () => {
    const machine = createMachine({ id: 'unprovided', initial: 'a', states: { a: { invoke: { src: 'notProvided', onDone: 'b' } }, b: { type: 'final' } } });
    expect(kinds(await checkMachine(machine))).toEqual([]);
  });

  it('runs an actor for real only when asked to', async () => {
    let runs = 0;
    const machine = setup({ actors: { work: fromPromise(async () => void runs++) } }).createMachine({
      id: 'real',
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { invoke: { src: 'work', onDone: 'a' }, on: { BACK: 'a' } } },
    });
    await checkMachine(machine, { numRuns: 5 });
    expect(runs).toBe(0);
    const report = await checkMachine(machine, { numRuns: 5, actors: { work: { run: true } } });
    expect(runs).toBeGreaterThan(0);
    expect(report.stats.incomplete).toContain('some actors ran for real, and what they do later was not explored');
  });
});

describe('checkMachine on payload-guarded transitions', () => {
  it('reaches the tic-tac-toe draw, nine moves chosen from an enumerated payload domain', async () => {
    const report = await checkMachine(ticTacToe, { events: { PLAY } });
    expect(kinds(report)).toEqual([]);
    expect(report.stats.exhaustive).toBe(false);
  });

  it('does not call a state left only by a guessed payload a deadlock, and notes why', async () => {
    const report = await checkMachine(tiles);
    expect(report.failures.filter((f) => f.kind === 'deadlock')).toEqual([]);
    expect(report.notes).toEqual([expect.stringContaining('ARROW_KEY (reads direction)')]);
    expect(report.stats.incomplete).toContain('payloads of ARROW_KEY were guessed (no events.ARROW_KEY given, and the machine reads its fields)');
  });

  it('checks the same state fully once the payload is described', async () => {
    const report = await checkMachine(tiles, { events: { ARROW_KEY: fc.record({ direction: fc.constantFrom('up' as const, 'down' as const, 'left' as const, 'right' as const) }) } });
    expect(kinds(report)).toEqual([]);
    expect(report.notes).toEqual([]);
  });

  it('reports a sampled payload domain as a reason the search was not exhaustive', async () => {
    const machine = setup({ types: { context: {} as { n: number }, events: {} as { type: 'set'; n: number } } }).createMachine({
      id: 'sampled',
      context: { n: 0 },
      on: { set: { actions: assign({ n: ({ event }) => event.n }) } },
    });
    const report = await checkMachine(machine, { events: { set: fc.record({ n: fc.integer() }) } });
    expect(report.stats.incomplete).toContain('payloads of set were sampled, not enumerated');
    expect(report.stats.exhaustive).toBe(false);
  });
});

describe('checkMachine on history, parallel states and stateIn', () => {
  it('passes the media player exhaustively: history inside a parallel state, a stateIn guard, a delay', async () => {
    const report = await checkMachine(player);
    expect(kinds(report)).toEqual([]);
    expect(report.stats.exhaustive).toBe(true);
  });
});

describe('checkMachine finds the planted bugs with shortest counterexamples', () => {
  it('finds the action that throws on one output of the lookup actor', async () => {
    const report = await checkMachine(bookLending, bookLendingOptions);
    expect(report.failures).toEqual([
      expect.objectContaining({ kind: 'error', events: [{ type: 'REQUEST' }, { type: 'xstate.done.actor.lookup', output: { available: false } }] }),
    ]);
    const failure = report.failures[0];
    expect(replayEvents(bookLending, failure?.events ?? []).status).toBe('error');
  });

  it('finds the deadlock behind the failure of the questions actor', async () => {
    const report = await checkMachine(trivia);
    expect(report.failures).toEqual([expect.objectContaining({ kind: 'deadlock', state: 'broken' })]);
    expect(report.failures[0]?.events.map((e) => e.type)).toEqual(['START', 'xstate.error.actor.questions']);
  });

  it('finds the draw declared after eight moves, with eight moves', async () => {
    const report = await checkMachine(hastyTicTacToe, {
      events: { PLAY },
      invariants: { 'a draw has a full board': (s) => !s.matches('draw') || s.context.board.every((cell) => cell !== null) },
    });
    const failure = report.failures.find((f) => f.kind === 'invariant');
    expect(failure?.events).toHaveLength(8);
    const last = replayEvents(hastyTicTacToe, failure?.events ?? []);
    expect(last.value).toBe('draw');
    expect(last.context.board.filter((cell: unknown) => cell === null)).toHaveLength(1);
  });
});

describe('checkMachine reports', () => {
  it('marks an error that a guessed payload caused, naming the event and the fields read', async () => {
    const machine = setup({ types: { events: {} as { type: 'price'; amount: { cents: number } } } }).createMachine({
      id: 'pricing',
      on: { price: { actions: ({ event }) => void event.amount.cents.toFixed(2) } },
    });
    const report = await checkMachine(machine);
    expect(report.failures).toEqual([expect.objectContaining({ kind: 'error', events: [{ type: 'price' }] })]);
    expect(report.failures[0]?.message).toContain('(with a guessed payload: price was sent without fields, and the machine read amount; give events.price)');
    const described = await checkMachine(machine, { events: { price: [{ amount: { cents: 150 } }] } });
    expect(described.failures).toEqual([]);
  });

  it('does not claim states unreachable "by any sequence" when the machine fails before any event', async () => {
    const machine = setup({ types: { input: {} as { limit: number } } }).createMachine({
      id: 'needsInput',
      context: ({ input }) => ({ limit: input.limit }),
      initial: 'a',
      states: { a: { on: { go: 'b' } }, b: {} },
    });
    const report = await checkMachine(machine);
    expect(report.stats.exhaustive).toBe(false);
    expect(report.failures.find((f) => f.kind === 'unreachable')?.message).toContain('the machine fails at start');
  });

  it('names the state of a failure in a machine without states by the machine id', async () => {
    const machine = setup({ types: { context: {} as { n: number } } }).createMachine({
      id: 'flat',
      context: { n: 0 },
      on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    });
    const report = await checkMachine(machine, { invariants: { small: (s) => s.context.n < 2 } });
    expect(report.failures).toEqual([expect.objectContaining({ kind: 'invariant', state: 'flat' })]);
  });
});
