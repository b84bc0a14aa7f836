/**
 * The per-incarnation sequence ledger of a hosted child. The host keeps the sequence numbers it
 * accepted in mailbox order and reports back the highest one below which *every* number was
 * processed, so the owner can release its outstanding window; everything unprocessed when an
 * incarnation ends is re-queued by the owner for the next one. Forwards can arrive out of order
 * (a publish retried after a lost connection overtakes later ones), so a number below the highest
 * seen is not taken for a duplicate: it is accepted late, and the report waits for it. A number
 * the owner could never send (`MESSAGE_TOO_LARGE`) it gives up with `skip`.
 */
import { Deque } from '../runtime/deque.js';

export class SequenceLedger {
  /** Sequence numbers accepted into the mailbox and not yet processed, oldest first. */
  private readonly accepted = new Deque<number>();
  /** Accepted above `processed` (processed or not): a repeat of one is a duplicate. */
  private readonly taken = new Set<number>();
  /** Processed (or skipped) above `processed`, waiting for a gap below them to fill. */
  private readonly done = new Set<number>();
  /** Every sequence number up to this one was processed: what the owner may release. */
  processed = 0;
  /** The last `processed` reported to the owner. */
  reported = 0;

  /** Takes `seq` into the mailbox; false for a duplicate (already taken or processed). */
  accept(seq: number): boolean {
    if (this.isKnown(seq)) return false;
    this.taken.add(seq);
    this.accepted.push(seq);
    return true;
  }

  /** The owner will never send `seq`; false when it was known already. */
  skip(seq: number): boolean {
    if (this.isKnown(seq)) return false;
    this.taken.add(seq);
    this.markDone(seq);
    return true;
  }

  /** The mailbox holds `queued` of the accepted messages: the ones before them were processed. */
  settle(queued: number): void {
    while (this.accepted.size > queued) this.markDone(this.accepted.shift() as number);
  }

  /** Accepted messages not yet settled as processed. */
  get pending(): number {
    return this.accepted.size;
  }

  private isKnown(seq: number): boolean {
    return seq <= this.processed || this.taken.has(seq);
  }

  /** `seq` was processed (or skipped): `processed` moves up over every number now done below it. */
  private markDone(seq: number): void {
    this.done.add(seq);
    while (this.done.has(this.processed + 1)) {
      this.processed++;
      this.done.delete(this.processed);
      this.taken.delete(this.processed);
    }
  }
}
