import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { assertMachine, checkMachine, CheckOptionsError, MachineCheckError } from '../../src/check/index.js';
import { ArborError } from '../../src/runtime/errors.js';
import { buggyChecks, buggyMachine } from '../../examples/machines/buggy.js';
import { checks, machines } from '../../examples/machines/index.js';

describe('checkMachine on correct machines', () => {
  it('passes the order workflow, whose final review step is only ever entered in passing', async () => {
    expect((await checkMachine(machines.order, checks.order)).failures).toEqual([]);
  });

  it('passes the traffic light, whose parallel regions move only by delays', async () => {
    const report = await checkMachine(machines.trafficLight);
    expect(report.failures).toEqual([]);
    expect(report.stats.exhaustive).toBe(true);
  });

  it('never calls a final state a deadlock, nor a parallel state whose regions are all final', async () => {
    const machine = createMachine({
      id: 'p',
      initial: 'both',
      states: {
        both: {
          type: 'parallel',
          states: {
            left: { initial: 'l', states: { l: { on: { L: 'lDone' } }, lDone: { type: 'final' } } },
            right: { initial: 'r', states: { r: { on: { R: 'rDone' } }, rDone: { type: 'final' } } },
          },
        },
      },
    });
    expect((await checkMachine(machine)).failures).toEqual([]);
  });
});

describe('checkMachine edge cases', () => {
  it('reports an entry action that throws with an empty counterexample', async () => {
    const machine = createMachine({ id: 'e', initial: 'a', states: { a: { entry: () => { throw new Error('at once'); } } } });
    const report = await checkMachine(machine);
    expect(report.failures).toContainEqual(expect.objectContaining({ kind: 'error', events: [], message: 'at once' }));
  });

  it('reports an invariant that throws as broken, with the reason', async () => {
    const report = await checkMachine(buggyMachine, { invariants: { 'reads a missing field': (s) => (s.context as unknown as { a: { b: number } }).a.b > 0 } });
    expect(report.failures).toContainEqual(expect.objectContaining({ kind: 'invariant', name: 'reads a missing field', events: [] }));
    expect(report.failures.find((f) => f.kind === 'invariant')?.message).toMatch(/threw: /);
  });

  it('rejects invalid options with an INVALID_OPTIONS error naming the field', async () => {
    await expect(checkMachine(buggyMachine, { numRuns: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('numRuns') });
  });
});

describe('assertMachine', () => {
  it('resolves with the report when the machine passes', async () => {
    await expect(assertMachine(machines.counter, checks.counter)).resolves.toMatchObject({ ok: true, name: 'counter' });
  });

  it('throws a MachineCheckError whose message lists each failure with its events', async () => {
    const error = await assertMachine(buggyMachine, buggyChecks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MachineCheckError);
    expect(error).toMatchObject({ code: 'CHECK_FAILED' });
    const message = (error as Error).message;
    expect(message).toContain('machine "buggy" failed its check');
    expect(message).toContain('events: arm → fire');
    expect(message).toContain('events: inc → inc → inc');
    expect(message.split('\n').length).toBeGreaterThan(8);
  });
});

describe('checkMachine options', () => {
  it('rejects an actor option it does not know, naming the field, with an ArborError', async () => {
    const error = await checkMachine(buggyMachine, { actors: { fetch: { outptu: [] } as never } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArborError);
    expect(error).toBeInstanceOf(CheckOptionsError);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', details: { field: 'actors.fetch.outptu', value: [] } });
  });

  it('rejects a payload source that is neither an arbitrary nor a list', async () => {
    await expect(checkMachine(buggyMachine, { events: { inc: 3 } as never })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', details: { field: 'events.inc', value: 3 } });
  });

  it('makes MachineCheckError an ArborError carrying the report', async () => {
    const error = await assertMachine(buggyMachine, buggyChecks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArborError);
    expect((error as MachineCheckError).details).toMatchObject({ machine: 'buggy' });
  });
});
