import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { checkMachine } from '../../src/index.js';

describe('checkMachine on a machine that is done as soon as it starts', () => {
  it('reports it without crashing (eventless transition to a final state during start)', async () => {
    const machine = createMachine({ id: 'instant', initial: 'a', states: { a: { always: 'done' }, b: { on: { go: 'done' } }, done: { type: 'final' } } });
    const report = await checkMachine(machine, { numRuns: 20, seed: 1 });
    expect(report.failures.map((f) => f.kind)).toEqual(['unreachable']);
    expect(report.failures[0]?.state).toBe('instant.b');
  });
});
