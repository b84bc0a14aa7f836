import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock.js';
import { PhiAccrualDetector, defaultPhiOptions, phi } from '../../src/transport/FailureDetector.js';
import { Membership } from '../../src/transport/Membership.js';

describe('phi accrual failure detector', () => {
  it('phi grows with the silence: never lower for a longer silence', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 20_000, noNaN: true }), fc.double({ min: 0, max: 20_000, noNaN: true }), fc.double({ min: 100, max: 5000, noNaN: true }), fc.double({ min: 1, max: 1000, noNaN: true }), (a, b, mean, std) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        expect(phi(long, mean, std)).toBeGreaterThanOrEqual(phi(short, mean, std) - 1e-9);
      }),
    );
  });

  it('the silence limit is where phi reaches the threshold, whatever the intervals it has seen', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 50, max: 3000 }), { minLength: 1, maxLength: 60 }), fc.constantFrom(1, 3, 8, 12), (intervals, threshold) => {
        const detector = new PhiAccrualDetector({ heartbeat: 1000, threshold });
        let now = 0;
        detector.heartbeat(now);
        for (const dt of intervals) detector.heartbeat((now += dt));
        const limit = detector.silenceLimit();
        expect(detector.phi(limit - 1)).toBeLessThan(threshold);
        expect(detector.phi(limit + 1)).toBeGreaterThanOrEqual(threshold);
      }),
    );
  });

  it('with the defaults and steady beats, tolerates a 2 s stall at a 1 s heartbeat and gives up within 4 periods', () => {
    const detector = new PhiAccrualDetector({ heartbeat: 1000 });
    for (let t = 0; t <= 60_000; t += 1000) detector.heartbeat(t);
    // A stall of 2 s right before a beat was due: 3 s of silence since the last one.
    expect(detector.phi(3000)).toBeLessThan(defaultPhiOptions(1000).threshold);
    expect(detector.silenceLimit()).toBeGreaterThan(3000);
    expect(detector.silenceLimit()).toBeLessThan(4000);
  });

  it('widens its tolerance for a peer whose beats arrive irregularly', () => {
    const steady = new PhiAccrualDetector({ heartbeat: 1000 });
    const jittery = new PhiAccrualDetector({ heartbeat: 1000 });
    let t = 0;
    for (let i = 0; i < 100; i++) {
      steady.heartbeat(i * 1000);
      jittery.heartbeat((t += i % 2 === 0 ? 400 : 1600));
    }
    expect(jittery.silenceLimit()).toBeGreaterThan(steady.silenceLimit());
  });
});

describe('Membership with the phi accrual detector (the default)', () => {
  function setup(heartbeat = 1000) {
    const clock = new SimulatedClock(0);
    const events: string[] = [];
    const membership = new Membership({ self: 'a', clock, heartbeat, onUp: (i) => events.push(`up:${i.node}`), onDown: (n, r) => events.push(`down:${n}:${r}`) });
    return { clock, events, membership };
  }
  const beat = (node: string, incarnation = 'i1') => ({ node, kinds: [], startedAt: 0, incarnation });

  it('keeps a peer whose event loop stalls for 2 s (its beats resume late) up, for stalls at any phase of the beat', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 5, max: 50 }), (phase, beatsBefore) => {
        const { clock, events, membership } = setup();
        for (let i = 0; i < beatsBefore; i++) {
          membership.heard(beat('b'));
          clock.increment(1000);
        }
        // The stall starts `phase` ms after the last beat, before the next was due, and lasts 2 s:
        // the overdue beat goes out when it ends, `phase + 2000` ms after the last one.
        membership.heard(beat('b'));
        clock.increment(phase + 2000);
        membership.heard(beat('b'));
        clock.increment(1000);
        membership.heard(beat('b'));
        expect(events).toEqual(['up:b']);
      }),
    );
  });

  it('declares a peer that stopped beating down after its silence limit, and not before', () => {
    const { clock, events, membership } = setup();
    for (let i = 0; i < 20; i++) {
      membership.heard(beat('b'));
      clock.increment(1000);
    }
    clock.increment(2400); // 3.4 s since the last beat
    expect(events).toEqual(['up:b']);
    clock.increment(600); // 4 s
    expect(events).toEqual(['up:b', 'down:b:silent']);
  });

  it('declares a peer down at once when its connection closed, ignoring a closing of an older incarnation', () => {
    const { events, membership } = setup();
    membership.heard(beat('b', 'new'));
    membership.closed('b', 'old');
    expect(membership.isUp('b')).toBe(true);
    membership.closed('b', 'new');
    expect(events).toEqual(['up:b', 'down:b:closed']);
  });
});
