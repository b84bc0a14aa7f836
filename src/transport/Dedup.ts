/**
 * Receiver-side duplicate filter. At-least-once delivery means the same message id can arrive
 * twice (a redelivery after a lost ack, a publish retried after a lost confirm); the receiver
 * remembers the last `capacity` ids it handed on and drops repeats. Memory is bounded by
 * `capacity`: the oldest id is forgotten first, so a duplicate arriving after `capacity` newer ids
 * gets through (the runtime's own per-id check is the second line of defence).
 */
export class Dedup {
  // A Set iterates in insertion order, which makes it a FIFO window for free.
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Dedup capacity must be a positive integer, got ${capacity}`);
  }

  /** How many ids are remembered (never more than `capacity`). */
  get size(): number {
    return this.ids.size;
  }

  /** True when `id` is within the window. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Remembers `id`, forgetting the oldest one when full. */
  remember(id: string): void {
    if (this.ids.has(id)) return;
    if (this.ids.size >= this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    this.ids.add(id);
  }

  /** True the first time `id` is seen within the window (and remembers it); false for a repeat. */
  accept(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.remember(id);
    return true;
  }
}
