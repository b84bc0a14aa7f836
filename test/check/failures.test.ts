import { describe, expect, it } from 'vitest';
import { checkMachine } from '../../src/check/index.js';
import type { CheckFailure } from '../../src/check/index.js';
import { buggyChecks, buggyMachine } from '../../examples/machines/buggy.js';
import { replayOnFreshActor } from './replay-helpers.js';

const report = await checkMachine(buggyMachine, { ...buggyChecks, seed: 7 });

function find(kind: CheckFailure['kind'], match: (f: CheckFailure) => boolean = () => true): CheckFailure {
  const failure = report.failures.find((f) => f.kind === kind && match(f));
  if (!failure) throw new Error(`no ${kind} failure in ${JSON.stringify(report.failures)}`);
  return failure;
}

describe('checkMachine on a machine with every kind of bug', () => {
  it('reports the machine id as the report name and is not ok', () => {
    expect(report.name).toBe('buggy');
    expect(report.ok).toBe(false);
  });

  it('finds the throwing action with the shortest sequence, and replaying it ends in status error', () => {
    const failure = find('error', (f) => f.message === 'the launcher exploded');
    expect(failure.events).toEqual([{ type: 'arm' }, { type: 'fire' }]);
    expect(failure.state).toBe('armed');
    const last = replayOnFreshActor(buggyMachine, failure.events).at(-1);
    expect(last?.status).toBe('error');
    expect((last?.error as Error).message).toBe('the launcher exploded');
  });

  it('finds the throwing guard as an error too', () => {
    const failure = find('error', (f) => (f.message ?? '').includes('sensor offline'));
    expect(failure.events).toEqual([{ type: 'arm' }, { type: 'check' }]);
    expect(replayOnFreshActor(buggyMachine, failure.events).at(-1)?.status).toBe('error');
  });

  it('finds the broken invariant with the shortest sequence, and replaying it breaks the invariant', () => {
    const failure = find('invariant');
    expect(failure.name).toBe('count stays below 3');
    expect(failure.events).toEqual([{ type: 'inc' }, { type: 'inc' }, { type: 'inc' }]);
    const last = replayOnFreshActor(buggyMachine, failure.events).at(-1);
    expect(last && buggyChecks.invariants['count stays below 3'](last as never)).toBe(false);
  });

  it('finds the deadlock, and after replaying it no event leaves the state', () => {
    const failure = find('deadlock');
    expect(failure).toMatchObject({ state: 'stuck', events: [{ type: 'jam' }] });
    const reached = replayOnFreshActor(buggyMachine, failure.events).at(-1);
    expect(reached?.value).toBe('stuck');
    for (const type of ['inc', 'arm', 'fire', 'check', 'disarm', 'jam']) {
      expect(replayOnFreshActor(buggyMachine, [...failure.events, { type }]).at(-1)?.value).toBe('stuck');
    }
  });

  it('finds the unreachable state and names it by its state node id', () => {
    expect(find('unreachable')).toMatchObject({ state: 'buggy.orphan', events: [] });
  });

  it('reports nothing else: no final or reachable state is flagged', () => {
    expect(report.failures.map((f) => f.kind).sort()).toEqual(['deadlock', 'error', 'error', 'invariant', 'unreachable']);
  });
});

describe('unreachable states the config alone proves unreachable', () => {
  it('says no transition enters the orphan, though the search itself was bounded', () => {
    expect(report.stats.exhaustive).toBe(false);
    expect(find('unreachable').message).toBe('state "buggy.orphan" is unreachable: no transition enters it or a state inside it');
  });
});
