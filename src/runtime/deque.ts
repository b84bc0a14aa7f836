/**
 * A growable ring buffer: O(1) push and shift with no per-operation allocation once warm. The
 * mailbox hot path (one push, one shift per message) runs on this, so it avoids `Array#shift`,
 * which is O(n) once V8 gives up on its fast path.
 *
 * Urgent items (a mailbox's urgent user messages) overtake the others: {@link pushUrgent} puts an
 * item behind the urgent ones at the front, so every reader that shifts from the front takes them
 * first, FIFO among themselves. One class for both uses (not a subclass), so the hot methods see
 * one object shape.
 */
const EMPTY: never[] = [];

export class Deque<T> {
  // Allocated on the first push: most actors' system queues, and many mailboxes, stay empty.
  private buf: (T | undefined)[] = EMPTY;
  private head = 0;
  private count = 0;
  /** `buf.length - 1`; before the first push, the first capacity minus one. */
  private mask: number;
  /** How many items at the front are urgent, or were put back in front (they keep their turn). */
  private urgentAhead = 0;

  constructor(initialCapacity = 16) {
    let cap = 4;
    while (cap < initialCapacity) cap <<= 1;
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Puts an item in front of the oldest one (it becomes the next to shift, ahead of later urgent ones). */
  unshift(item: T): void {
    this.front(item);
    this.urgentAhead++;
  }

  /** Queues `item` behind the urgent items queued and before every other one; O(urgent items queued). */
  pushUrgent(item: T): void {
    const ahead: T[] = [];
    for (let i = this.urgentAhead; i > 0; i--) ahead.push(this.take() as T);
    this.front(item);
    for (let i = ahead.length - 1; i >= 0; i--) this.front(ahead[i] as T);
    this.urgentAhead = ahead.length + 1;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.urgentAhead > 0) this.urgentAhead--;
    return this.take();
  }

  private front(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = item;
    this.count++;
  }

  private take(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  /** The item that would be shifted last, or `undefined` when empty. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.buf[(this.head + this.count - 1) & this.mask];
  }

  /** Removes every item, returning them oldest first. */
  drain(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift() as T);
    return out;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length === 0 ? this.mask + 1 : old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}
