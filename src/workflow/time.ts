/**
 * Simulated time shared by every simulated node. Each node gets its own {@link NodeClock} over
 * one {@link SimTime}, so the timers of a node that goes down die with it (a dead process fires
 * nothing) while the others keep theirs. Time moves only when the schedule fires a timer: then it
 * jumps to that timer's due time. Timers due at the same instant fire in the order they were set.
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';

interface SimTimer {
  id: number;
  at: number;
  owner: string;
  fn: () => void;
}

/** The timer queue of one simulation. */
export class SimTime {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, SimTimer>();

  now(): number {
    return this.time;
  }

  set(owner: string, fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, Number.isFinite(ms) ? ms : 0), owner, fn });
    return id;
  }

  clear(id: number): void {
    this.timers.delete(id);
  }

  /** Forgets every timer of `owner` (its node went down). */
  clearOwner(owner: string): void {
    for (const t of [...this.timers.values()]) if (t.owner === owner) this.timers.delete(t.id);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** The next timer to fire: earliest due, ties in the order set. */
  next(): { at: number; owner: string } | undefined {
    let best: SimTimer | undefined;
    for (const t of this.timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best && { at: best.at, owner: best.owner };
  }

  /** Moves time to the next timer's due time and fires it; returns when it was due, or undefined. */
  fireNext(): { at: number; owner: string } | undefined {
    let best: SimTimer | undefined;
    for (const t of this.timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    if (!best) return undefined;
    this.timers.delete(best.id);
    if (best.at > this.time) this.time = best.at;
    best.fn();
    return { at: best.at, owner: best.owner };
  }
}

/** One node's view of {@link SimTime}: a {@link Clock} whose timers are dropped when the node is down. */
export class NodeClock implements Clock {
  down = false;

  constructor(
    private readonly time: SimTime,
    readonly owner: string,
  ) {}

  now(): number {
    return this.time.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (this.down) return 0;
    return this.time.set(this.owner, fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.time.clear(handle);
  }
}
