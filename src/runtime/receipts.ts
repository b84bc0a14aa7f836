/**
 * A cell's receipts: promises that settle once a queued user message is settled (see
 * `Cell.receipt`). Transports, pools and singletons ask for them; most actors never get one, so a
 * cell makes this object on the first receipt asked of it and carries one empty field until then
 * (issue 16: five fields and their counting on every actor cost more than the whole feature).
 *
 * Counting starts when the object is made: `accepted` starts at the messages queued then, so
 * "taken" counts from 0 at that moment. Every comparison here is between two counts taken the
 * same way (a receipt's place in take order against the count settled), so the offset from the
 * cell's lifetime count cancels out.
 *
 * A waiting receipt is found by its message's identity while the message is queued; once taken,
 * by its place in take order (`at`): urgent messages overtake normal ones, so arrival order says
 * nothing about which message left, but take order does.
 */

/** One waiting receipt. */
export interface Receipt {
  resolve: () => void;
  /** Its message's place in take order once taken (counted from this object's making); 0 while queued. */
  at: number;
  /** Whether it waits for the work its message started too (see `Cell.receipt`). */
  work: boolean;
  /** With `work`, once taken: settles when the work its message started is finished. */
  finished?: Promise<void> | undefined;
}

export class Receipts {
  /** User messages queued since (and at) this object's making. */
  accepted: number;
  /** Of those, how many left other than by being taken: displaced, or dead-lettered on retirement. */
  discarded = 0;
  /** Receipts of queued messages, by message identity. */
  private queued: Map<object, Receipt[]> | undefined;
  /** Receipts of taken messages not settled yet, in take order. */
  private taken: Receipt[] | undefined;
  /** Receipts of taken messages put back at the front of the mailbox (a remote child's window), in take order. */
  private requeued: Receipt[] | undefined;

  constructor(queuedNow: number) {
    this.accepted = queuedNow;
  }

  /** How many user messages were taken from the mailbox (to be processed or forwarded) since this object was made. */
  takenCount(queuedNow: number): number {
    return this.accepted - queuedNow - this.discarded;
  }

  /** A receipt for the queued message `event`. */
  forQueued(event: object, work: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const receipt: Receipt = { resolve, at: 0, work };
      const queued = (this.queued ??= new Map());
      const same = queued.get(event);
      if (same) same.push(receipt);
      else queued.set(event, [receipt]);
    });
  }

  /** A receipt that settles once the message taken `at`-th is settled. */
  forTaken(at: number): Promise<void> {
    return new Promise<void>((resolve) => (this.taken ??= []).push({ resolve, at, work: false }));
  }

  /** Whether taken messages have receipts still waiting. */
  get takenWaiting(): boolean {
    return this.taken !== undefined && this.taken.length > 0;
  }

  /** Whether a queued message has a receipt waiting (then the cell takes messages one by one). */
  get queuedWaiting(): boolean {
    return (this.queued !== undefined && this.queued.size > 0) || (this.requeued !== undefined && this.requeued.length > 0);
  }

  /** Resolves the receipts of the first `settled` messages taken; `takenNow` is the count taken now. */
  settle(settled: number, takenNow: number): void {
    const taken = this.taken;
    if (taken === undefined || taken.length === 0) return;
    this.reclaim(takenNow);
    let i = 0;
    for (; i < taken.length && (taken[i] as Receipt).at <= settled; i++) {
      const r = taken[i] as Receipt;
      if (r.finished) void r.finished.then(r.resolve);
      else r.resolve();
    }
    if (i > 0) taken.splice(0, i);
  }

  /** Receipts of messages put back at the front of the mailbox (a remote child re-queues its window) are not taken any more. */
  reclaim(takenNow: number): void {
    const taken = this.taken;
    if (taken === undefined) return;
    while (taken.length > 0 && (taken[taken.length - 1] as Receipt).at > takenNow) (this.requeued ??= []).unshift(taken.pop() as Receipt);
  }

  /** The front message `event` left the mailbox without being taken (displaced, dead-lettered): settled. */
  discardedFront(event: object, takenNow: number): void {
    this.reclaim(takenNow);
    const requeued = this.requeued;
    const front = takenNow + 1;
    this.discarded++;
    if (requeued !== undefined && requeued.length > 0 && (requeued[0] as Receipt).at === front) {
      // The front message was one put back: those behind it will be taken one place earlier.
      (requeued.shift() as Receipt).resolve();
      for (const r of requeued) r.at--;
      return;
    }
    this.takeQueued(event)?.resolve();
  }

  /** The receipt of the front message `event`, about to be taken as the `takenNow + 1`-th, if it has one. */
  next(event: object, takenNow: number): Receipt | undefined {
    const requeued = this.requeued?.[0];
    if (requeued !== undefined && requeued.at === takenNow + 1) return requeued;
    return this.queued?.get(event)?.[0];
  }

  /** `r` (from {@link next}) was taken as the `at`-th message; `finished` is the work it started, if it waits for that. */
  took(r: Receipt, event: object, at: number, finished: Promise<void> | undefined): void {
    if (this.requeued?.[0] === r) this.requeued.shift();
    else this.takeQueued(event);
    r.at = at;
    if (r.work) r.finished = finished;
    (this.taken ??= []).push(r);
  }

  /** Every queued message left the mailbox (`count` of them: dead-lettered, or taken by a caller that answers for them): their receipts settle. */
  discardAll(count: number): void {
    this.discarded += count;
    for (const same of this.queued?.values() ?? []) for (const r of same) r.resolve();
    this.queued?.clear();
    for (const r of this.requeued?.splice(0) ?? []) r.resolve();
  }

  /** Removes and returns the receipt of queued message `event`, if it has one. */
  private takeQueued(event: object): Receipt | undefined {
    const queued = this.queued;
    const same = queued?.get(event);
    if (same === undefined) return undefined;
    const r = same.shift();
    if (same.length === 0) queued?.delete(event);
    return r;
  }
}
