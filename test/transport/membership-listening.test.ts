import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock.js';
import { FixedSilenceDetector } from '../../src/transport/FailureDetector.js';
import { Membership } from '../../src/transport/Membership.js';

function setup() {
  const clock = new SimulatedClock(0);
  const events: string[] = [];
  let listening = true;
  const membership = new Membership({
    self: 'a',
    clock,
    heartbeat: 100,
    // The fixed three-period rule: these tests are about membership, not about the detector's statistics.
    detector: () => new FixedSilenceDetector(100, 3),
    listening: () => listening,
    onUp: (info) => events.push(`up:${info.node}`),
    onDown: (node, reason) => events.push(`down:${node}:${reason}`),
  });
  membership.heard({ node: 'b', kinds: [], startedAt: 0, incarnation: 'i1' });
  return { clock, events, membership, setListening: (value: boolean) => (listening = value) };
}

describe('Membership while this node cannot hear (broker connection down)', () => {
  it('declares no peer down however long the silence lasts', () => {
    const { clock, events, membership, setListening } = setup();
    setListening(false);
    clock.increment(10_000);
    expect(events).toEqual(['up:b']);
    expect(membership.isUp('b')).toBe(true);
  });

  it('after a refresh on reconnection, gives each peer three fresh periods, then declares a silent one down', () => {
    const { clock, events, membership, setListening } = setup();
    setListening(false);
    clock.increment(1000);
    setListening(true);
    membership.refresh();
    clock.increment(299);
    expect(membership.isUp('b')).toBe(true);
    clock.increment(1);
    expect(events).toEqual(['up:b', 'down:b:silent']);
  });

  it('a peer heard again after the reconnection stays up', () => {
    const { clock, events, membership, setListening } = setup();
    setListening(false);
    clock.increment(1000);
    setListening(true);
    membership.refresh();
    clock.increment(250);
    membership.heard({ node: 'b', kinds: [], startedAt: 0, incarnation: 'i1' });
    clock.increment(250);
    expect(events).toEqual(['up:b']);
  });
});
