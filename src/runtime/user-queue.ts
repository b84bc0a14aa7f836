/**
 * A mailbox's user messages: a {@link Deque} in which urgent messages overtake normal ones. Urgent
 * messages sit at the front, in the order they came (FIFO among themselves), so every reader that
 * shifts from the front takes them first with no change; `urgentAhead` counts them. Putting an
 * urgent message behind the `k` urgent ones already queued costs O(k), usually nothing.
 */
import { Deque } from './deque.js';

export class UserQueue<T> extends Deque<T> {
  /** How many items at the front are urgent (or were put back in front: they keep their place). */
  private urgentAhead = 0;

  /** Queues `item` after the urgent items already queued, before every normal one. */
  pushUrgent(item: T): void {
    const ahead: T[] = [];
    while (ahead.length < this.urgentAhead) ahead.push(super.shift() as T);
    super.unshift(item);
    for (let i = ahead.length - 1; i >= 0; i--) super.unshift(ahead[i] as T);
    this.urgentAhead++;
  }

  /** Puts an item back in front of everything (a message taken and not processed keeps its turn). */
  override unshift(item: T): void {
    super.unshift(item);
    this.urgentAhead++;
  }

  override shift(): T | undefined {
    if (this.urgentAhead > 0) this.urgentAhead--;
    return super.shift();
  }
}
