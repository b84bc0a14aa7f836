/**
 * The acks of one consumer channel, coalesced: deliveries finish in any order, and the broker is
 * told with as few frames as possible. Delivery tags grow per channel, so once every delivery up
 * to tag T is settled, one `basic.ack` with `multiple: true` and tag T settles all of them.
 *
 * What is told when (at each {@link AckWindow.flush}, once per event-loop turn):
 * - the settled prefix (every delivery before the first one still being worked on): one multiple
 *   ack per run of acks, cut by requeues, which are nacked one by one (requeue = true);
 * - a requeue past that prefix: nacked at once, so another consumer gets it without waiting;
 * - acks past that prefix wait for it, unless `spill` or more of them are waiting: then each is
 *   acked alone. A finished-but-unacked delivery still counts against the consumer's prefetch,
 *   so one long job at the head must not starve the consumer of new work (fair dispatch stays
 *   per message: the broker never gives a consumer more than its prefetch unacked).
 *
 * Pure bookkeeping (no I/O), one instance per channel: tags of a closed channel mean nothing on
 * the next one, and the broker requeues whatever that channel left unacked.
 */

/** What to tell the broker about a delivery. */
export type AckVerdict = 'ack' | 'requeue';

/** One frame to send: `basic.ack` (of every unsettled tag up to `tag` when `multiple`) or `basic.nack` with requeue. */
export type AckOp = { op: 'ack'; tag: number; multiple: boolean } | { op: 'requeue'; tag: number };

const WORKING = 0;

/** The deliveries of one channel not yet acked or nacked to the broker. */
export class AckWindow {
  /** Tag → WORKING or its verdict; insertion order is delivery order (tags ascending). */
  private readonly open = new Map<number, typeof WORKING | AckVerdict>();
  /** Of those, how many are settled as `ack` and as `requeue`. */
  private acks = 0;
  private requeues = 0;

  /** @param spill acks waiting behind a working delivery that are sent one by one (at least 1). */
  constructor(private readonly spill: number) {}

  /** Deliveries not yet acked or nacked. */
  get size(): number {
    return this.open.size;
  }

  /** Whether `tag` is delivered and not yet acked or nacked to the broker. */
  has(tag: number): boolean {
    return this.open.has(tag);
  }

  /** Records a delivery (tags must grow). */
  delivered(tag: number): void {
    this.open.set(tag, WORKING);
  }

  /** Records how a delivery ended; unknown or already settled tags are ignored. */
  settle(tag: number, verdict: AckVerdict): void {
    if (this.open.get(tag) !== WORKING) return;
    this.open.set(tag, verdict);
    if (verdict === 'ack') this.acks++;
    else this.requeues++;
  }

  /**
   * Whether the broker should be told now rather than a little later: a requeue waits (another
   * consumer should get it), or `spill` acks do (they hold that much of the prefetch). A few acks
   * can wait to go out with later ones: an ack only frees a prefetch slot, and each costs a frame
   * and a broker wake-up.
   */
  get due(): boolean {
    return this.requeues > 0 || this.acks >= this.spill;
  }

  /** The frames to send now, in order; the deliveries they settle are forgotten. */
  flush(): AckOp[] {
    const ops = this.ops();
    // What stays: acks waiting behind a delivery still worked on (every requeue went out).
    this.acks = 0;
    this.requeues = 0;
    for (const state of this.open.values()) if (state === 'ack') this.acks++;
    return ops;
  }

  private ops(): AckOp[] {
    const ops: AckOp[] = [];
    // The settled prefix: runs of acks, each one multiple ack, cut by requeues.
    let run: number | undefined;
    let runLength = 0;
    for (const [tag, state] of this.open) {
      if (state === WORKING) break;
      if (state === 'ack') {
        run = tag;
        runLength++;
      } else {
        if (run !== undefined) ops.push({ op: 'ack', tag: run, multiple: runLength > 1 });
        run = undefined;
        runLength = 0;
        ops.push({ op: 'requeue', tag });
      }
      this.open.delete(tag);
    }
    if (run !== undefined) ops.push({ op: 'ack', tag: run, multiple: runLength > 1 });
    // Behind the first working delivery: requeues at once, acks only when enough of them wait.
    let behind = 0;
    for (const state of this.open.values()) if (state === 'ack') behind++;
    const spilling = behind >= Math.max(1, this.spill);
    for (const [tag, state] of this.open) {
      if (state === WORKING || (state === 'ack' && !spilling)) continue;
      ops.push(state === 'ack' ? { op: 'ack', tag, multiple: false } : { op: 'requeue', tag });
      this.open.delete(tag);
    }
    return ops;
  }
}
