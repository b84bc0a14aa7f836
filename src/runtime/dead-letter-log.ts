/**
 * The recent dead letters of one node, for `system.deadLetters()`: a ring of fixed capacity, so a
 * storm of dead letters costs bounded memory (the oldest are forgotten; the cluster's dead-letter
 * queue on the broker keeps them all).
 */
import { InvalidSpecError } from './errors.js';
import type { DeadLetter } from './system-events.js';

/** Which dead letters `system.deadLetters()` lists. Every field given must match. */
export interface DeadLetterFilter {
  /** The reason's code, e.g. `ACTOR_CRASHED`, `MAILBOX_FULL`. */
  code?: string;
  /** A recipient path (full, or relative to this node): dead letters to it and to actors below it. */
  path?: string;
  /** The event's correlation id. */
  correlationId?: string;
  /** At most this many, newest first. */
  limit?: number;
}

/** How many dead letters a node keeps for `system.deadLetters()`. */
export const DEFAULT_DEAD_LETTER_CAPACITY = 1000;

/**
 * A bounded ring of dead letters, listed newest first. It grows to its capacity as letters come
 * instead of being made full size: most nodes see few dead letters, and a simulated run makes a
 * node per run.
 */
export class DeadLetterLog {
  private readonly ring: DeadLetter[] = [];
  private next = 0;
  /** How many were ever added (the ring keeps the last `capacity`). */
  total = 0;

  constructor(readonly capacity: number = DEFAULT_DEAD_LETTER_CAPACITY) {
    if (!(Number.isInteger(capacity) && capacity >= 0)) throw new InvalidSpecError('deadLetterCapacity', capacity, 'must be a non-negative integer');
  }

  add(letter: DeadLetter): void {
    this.total++;
    if (this.capacity === 0) return;
    // Until the ring is full, `next` is its length: the letter goes at its end.
    if (this.ring.length < this.capacity) this.ring.push(letter);
    else this.ring[this.next] = letter;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The kept dead letters matching `filter`, newest first. */
  list(filter: DeadLetterFilter = {}): DeadLetter[] {
    const limit = filter.limit ?? Infinity;
    const out: DeadLetter[] = [];
    const kept = Math.min(this.total, this.capacity);
    for (let i = 1; i <= kept && out.length < limit; i++) {
      const letter = this.ring[(this.next - i + this.capacity) % this.capacity] as DeadLetter;
      if (matches(letter, filter)) out.push(letter);
    }
    return out;
  }
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.code !== undefined && letter.reason.code !== filter.code) return false;
  if (filter.correlationId !== undefined && letter.correlationId !== filter.correlationId) return false;
  if (filter.path !== undefined && letter.recipient !== filter.path && !letter.recipient.startsWith(filter.path + '/')) return false;
  return true;
}
