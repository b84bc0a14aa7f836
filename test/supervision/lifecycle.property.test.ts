/**
 * A supervisor nobody inspects steps its lifecycle phase through a table read off the lifecycle
 * machine instead of running it as an XState actor: the two must agree on every sequence of events.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { nextPhase, supervisorLifecycle, type LifecycleEvent, type LifecyclePhase } from '../../src/supervision/lifecycle.js';

const eventArb = fc.constantFrom<LifecycleEvent['type']>('start', 'finish', 'give_up', 'terminate', 'stopped');

describe('supervisor lifecycle table', () => {
  it('reaches the same phase as the lifecycle machine after any sequence of events', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        const actor = createActor(supervisorLifecycle).start();
        let phase: LifecyclePhase = 'idle';
        for (const type of events) {
          actor.send({ type });
          phase = nextPhase(phase, type);
          expect(phase).toBe(actor.getSnapshot().value);
        }
      }),
    );
  });

  it('leaves the phase as it is for an event the phase does not take', () => {
    expect(nextPhase('idle', 'stopped')).toBe('idle');
    expect(nextPhase('running', 'start')).toBe('running');
    expect(nextPhase('running', 'give_up')).toBe('failing');
  });
});
