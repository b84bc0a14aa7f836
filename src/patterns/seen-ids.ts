/**
 * A bounded set of recently seen ids, least recently seen evicted first. A `Map` keeps insertion
 * order, so re-inserting on a hit makes the first key the eviction candidate: O(1) per operation.
 */
import { integer } from './validate.js';

export class SeenIds {
  private readonly ids = new Map<string, true>();
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = integer(capacity, 'capacity', 1);
  }

  /** Records `id`; returns true when it was seen already (and refreshes it). */
  check(id: string): boolean {
    const seen = this.ids.delete(id);
    this.ids.set(id, true);
    if (!seen && this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
    return seen;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
