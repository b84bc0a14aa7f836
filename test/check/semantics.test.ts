import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { assertMachine, checkMachine, MachineCheckError } from '../../src/check/index.js';
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
