/**
 * The prefetch of a pool consumer counted in pool messages, not AMQP deliveries. With `poolBatch`
 * one delivery can carry several pool messages, and the broker's prefetch only counts deliveries;
 * this sets the broker's limit (a channel-wide `basic.qos`) from what the consumer holds, and
 * says which deliveries it must give back, so that it never holds more than `prefetch` pool
 * messages.
 *
 * The consumer holds `held` messages in `open` deliveries (delivered, not yet acked or nacked to
 * the broker). The broker may still send `limit - open` deliveries, some possibly on the wire
 * already. Expecting each to carry at most `estimate` messages:
 *
 *   limit = open + floor((prefetch - held) / estimate)     (and at least 1)
 *
 * `estimate` is the largest delivery seen lately (at once when a larger one arrives; back down to
 * the largest of a window of {@link WINDOW} deliveries when that window ends; 1 before any): under a backlog of batches the limit leaves room for full
 * batches, and with lone messages (low load, long jobs) it lets the consumer take `prefetch` of
 * them. A delivery heavier than the estimate that does not fit ({@link fits}) is not taken: the
 * consumer gives it back whole (nack, requeue) for another member or for later, once the broker
 * has been told the lower limit. So the bound holds exactly; only a change from lone messages to
 * batches costs give-backs (at most the deliveries that were on their way).
 *
 * The limit must be told to the broker after the acks it counts (the same flush, the same channel,
 * after them) and computed when it is sent (one `basic.qos` at a time). With nothing held the
 * limit is 1 (AMQP's 0 means "no limit") and any delivery fits, so a batch larger than the
 * prefetch is not passed around forever; senders keep batches within every known member's
 * prefetch (heartbeats), so that happens only with a member that joined within a heartbeat.
 *
 * Pure bookkeeping, one instance per channel (delivery tags are per channel).
 */

/** Deliveries after which the estimate is the largest of them (it falls back once batches stop). */
export const WINDOW = 16;

export class PoolCredit {
  /** Tag → pool messages it carries, for deliveries taken and not yet acked or nacked. */
  private readonly weights = new Map<number, number>();
  private heldCount = 0;
  private guess = 1;
  private windowMax = 0;
  private windowSeen = 0;

  /** @param prefetch most pool messages held at once (at least 1). */
  constructor(readonly prefetch: number) {}

  /** Pool messages in deliveries taken and not yet acked or nacked. */
  get held(): number {
    return this.heldCount;
  }

  /** Deliveries taken and not yet acked or nacked. */
  get open(): number {
    return this.weights.size;
  }

  /** Pool messages expected in each delivery still to come. */
  get estimate(): number {
    return this.guess;
  }

  /** Learns from a delivery's weight (every delivery, taken or not). */
  observe(weight: number): void {
    const w = Math.max(1, Math.floor(weight));
    if (w > this.guess) this.guess = w;
    this.windowMax = Math.max(this.windowMax, w);
    if (++this.windowSeen < WINDOW) return;
    this.guess = this.windowMax;
    this.windowMax = 0;
    this.windowSeen = 0;
  }

  /** Whether a delivery of `weight` can be taken without holding more than `prefetch` (always, with nothing held). */
  fits(weight: number): boolean {
    return this.weights.size === 0 || this.heldCount + Math.max(1, Math.floor(weight)) <= this.prefetch;
  }

  /** Records a delivery taken, carrying `weight` pool messages (a delivery counts at least 1: it holds a slot whatever it carries). */
  taken(tag: number, weight: number): void {
    const w = Math.max(1, Math.floor(weight));
    this.heldCount += w - (this.weights.get(tag) ?? 0);
    this.weights.set(tag, w);
  }

  /** Forgets the deliveries `stillOpen` says are acked or nacked now. */
  release(stillOpen: (tag: number) => boolean): void {
    for (const [tag, w] of this.weights) {
      if (stillOpen(tag)) continue;
      this.weights.delete(tag);
      this.heldCount -= w;
    }
  }

  /** The broker's delivery limit now (see the rule above). */
  limit(): number {
    const room = Math.max(0, this.prefetch - this.heldCount);
    return Math.max(1, this.weights.size + Math.floor(room / this.guess));
  }
}
