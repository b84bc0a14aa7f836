import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock.js';
import type { NodeInfo } from '../../src/runtime/transport.js';
import { FixedSilenceDetector } from '../../src/transport/FailureDetector.js';
import { Membership } from '../../src/transport/Membership.js';

function setup() {
  const clock = new SimulatedClock(1000);
  const events: string[] = [];
  const ups: NodeInfo[] = [];
  const membership = new Membership({
    self: 'a',
    clock,
    heartbeat: 100,
    // The fixed three-period rule: these tests are about membership, not about the detector's statistics.
    detector: () => new FixedSilenceDetector(100, 3),
    onUp: (info) => {
      ups.push(info);
      events.push(`up:${info.node}`);
    },
    onDown: (node, reason) => events.push(`down:${node}:${reason}`),
  });
  return { clock, events, ups, membership };
}

const beat = (node: string, incarnation = 'i1') => ({ node, kinds: ['acc'], startedAt: 0, incarnation });

describe('Membership', () => {
  it('reports a peer up on its first heartbeat only', () => {
    const { membership, events, ups, clock } = setup();
    membership.heard(beat('b'));
    clock.increment(100);
    membership.heard(beat('b'));
    expect(events).toEqual(['up:b']);
    expect(ups[0]).toEqual({ node: 'b', kinds: ['acc'], lastSeen: 1000 });
    expect(membership.nodes()).toEqual([{ node: 'b', kinds: ['acc'], lastSeen: 1100 }]);
  });

  it('tells the smallest prefetch of the live peers serving a pool, from their latest heartbeats', () => {
    const { membership, clock } = setup();
    expect(membership.poolPrefetch('jobs')).toBeUndefined();
    membership.heard({ ...beat('b'), pools: { jobs: 8, mail: 2 } });
    membership.heard({ ...beat('c'), pools: { jobs: 3 } });
    expect(membership.poolPrefetch('jobs')).toBe(3);
    expect(membership.poolPrefetch('mail')).toBe(2);
    // c stops serving jobs: its next beat says so.
    membership.heard(beat('c'));
    expect(membership.poolPrefetch('jobs')).toBe(8);
    // b goes silent and down: nobody is known to serve jobs.
    clock.increment(250);
    membership.heard(beat('c'));
    clock.increment(100);
    expect(membership.isUp('b')).toBe(false);
    expect(membership.poolPrefetch('jobs')).toBeUndefined();
  });

  it("keeps the singleton ids of a peer's latest heartbeat", () => {
    const { membership, ups } = setup();
    membership.heard(beat('b'));
    expect(ups[0]).not.toHaveProperty('singletons');
    membership.heard({ ...beat('b'), singletons: ['tally'] });
    expect(membership.nodes()).toEqual([{ node: 'b', kinds: ['acc'], lastSeen: 1000, singletons: ['tally'] }]);
    membership.heard(beat('b'));
    expect(membership.nodes()[0]).not.toHaveProperty('singletons');
  });

  it('remembers a singleton a peer told of after that peer goes down, until it is forgotten (the singleton ended)', () => {
    const { membership, clock, events } = setup();
    expect(membership.heardOfSingleton('tally')).toBe(false);
    membership.heard({ ...beat('b'), singletons: ['tally'] });
    membership.bye('b', 'i1');
    clock.increment(1000);
    expect(events).toEqual(['up:b', 'down:b:bye']);
    expect(membership.nodes()).toEqual([]);
    // Its queue waits for the next owner: a lookup by its id still reaches it.
    expect(membership.heardOfSingleton('tally')).toBe(true);
    membership.forgetSingleton('tally');
    expect(membership.heardOfSingleton('tally')).toBe(false);
  });

  it('ignores its own heartbeats', () => {
    const { membership, events } = setup();
    membership.heard(beat('a'));
    expect(events).toEqual([]);
    expect(membership.nodes()).toEqual([]);
  });

  it('keeps a peer that beats on time up indefinitely', () => {
    const { membership, events, clock } = setup();
    for (let i = 0; i < 50; i++) {
      membership.heard(beat('b'));
      clock.increment(100);
    }
    expect(events).toEqual(['up:b']);
  });

  it('tolerates two missed heartbeats', () => {
    const { membership, events, clock } = setup();
    membership.heard(beat('b'));
    clock.increment(299);
    membership.heard(beat('b'));
    clock.increment(299);
    expect(events).toEqual(['up:b']);
  });

  it('reports a peer down once three heartbeat periods pass in silence', () => {
    const { membership, events, clock } = setup();
    membership.heard(beat('b'));
    clock.increment(299);
    expect(events).toEqual(['up:b']);
    clock.increment(1);
    expect(events).toEqual(['up:b', 'down:b:silent']);
    expect(membership.isUp('b')).toBe(false);
  });

  it('reports a peer down at once when it says goodbye, and ignores a goodbye from an older incarnation', () => {
    const { membership, events } = setup();
    membership.heard(beat('b', 'new'));
    membership.bye('b', 'old');
    expect(membership.isUp('b')).toBe(true);
    membership.bye('b', 'new');
    expect(events).toEqual(['up:b', 'down:b:bye']);
  });

  it('reports a restarted peer down and up again', () => {
    const { membership, events } = setup();
    membership.heard(beat('b', 'one'));
    membership.heard(beat('b', 'two'));
    expect(events).toEqual(['up:b', 'down:b:restarted', 'up:b']);
  });

  it('beats at once and then every period until stopped', () => {
    const { membership, clock } = setup();
    let beats = 0;
    membership.startBeating(() => beats++);
    expect(beats).toBe(1);
    clock.increment(350);
    expect(beats).toBe(4);
    membership.stopBeating();
    clock.increment(1000);
    expect(beats).toBe(4);
  });

  it('sees a silent peer down while two other nodes keep beating', () => {
    const { membership, events, clock } = setup();
    for (let t = 0; t < 10; t++) {
      membership.heard(beat('b'));
      if (t < 3) membership.heard(beat('c'));
      clock.increment(100);
    }
    expect(events).toEqual(['up:b', 'up:c', 'down:c:silent']);
    expect(membership.nodes().map((n) => n.node)).toEqual(['b']);
  });

  it('forgets every peer on stop without reporting them down and leaves no timers behind', () => {
    const { membership, events, clock } = setup();
    membership.heard(beat('b'));
    membership.startBeating(() => undefined);
    membership.stop();
    expect(clock.pending).toBe(0);
    clock.increment(10_000);
    expect(events).toEqual(['up:b']);
  });
});
