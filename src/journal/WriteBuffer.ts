/**
 * The bounded buffer between the runtime's synchronous `append` and a writer working in the
 * background (a file, a RabbitMQ stream).
 *
 * Policy when full: the runtime cannot wait (append is on its hot path) and memory must stay
 * bounded, so the *new* entry is dropped: what is already buffered stays, in order. Dropped
 * entries still take their sequence numbers, and as soon as there is room again a gap record
 * (`{ gap: { dropped, firstSeq, lastSeq, firstAt, lastAt, reason } }`) is written in their place,
 * so a reader sees exactly what is missing; a pino warning marks the start of dropping and the
 * gap record. Entries whose write failed become a gap the same way (reason `'write_failed'`).
 *
 * "Pending" counts everything not yet written: buffered lines and lines taken by a write still
 * in flight. The limits apply to it, so a slow disk or broker bounds memory just the same.
 */
import type { Logger } from 'pino';
import type { JournalEntry } from '../runtime/journal.js';
import { encodeEntry, encodeGap, type GapReason, type JournalGap } from './record.js';

/** How much a writer may hold before it drops entries. */
export interface BufferLimits {
  /** Entries not yet written. */
  maxPendingEntries: number;
  /** Characters of JSON not yet written (about bytes, for ASCII). */
  maxPendingChars: number;
}

interface Line {
  text: string;
  /** The entry's sequence number and time; absent on a gap record. */
  firstSeq?: number;
  at?: number;
}

/** Lines taken for one write. */
export interface Batch {
  /** The lines, each ending in a newline. */
  text: string;
  lines: number;
  chars: number;
  /** The seq range and times of the entries in it (undefined when it holds only gap records). */
  firstSeq?: number;
  lastSeq?: number;
  firstAt?: number;
  lastAt?: number;
}

type Gap = JournalGap['gap'];

export class WriteBuffer {
  private readonly queue: Line[] = [];
  private head = 0;
  private pendingLines = 0;
  private pendingChars = 0;
  private seq: number;
  /** The gap being counted while the buffer is full. */
  private dropping: (Gap & { node: string }) | undefined;
  /** Gaps waiting for room to be written. */
  private readonly gaps: (Gap & { node: string })[] = [];
  /** Total entries dropped so far (for tests and stats). */
  dropped = 0;

  constructor(
    private readonly limits: BufferLimits,
    private readonly logger: () => Logger,
    /** The last sequence number already used (entries continue from it). */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  /** Lines not yet written, buffered or in flight. */
  get pending(): number {
    return this.pendingLines;
  }

  /** Lines buffered and not yet taken. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  /** Encodes and buffers `entry`, or drops it (counting it in a gap). Returns whether it was kept. */
  append(entry: JournalEntry): boolean {
    const seq = ++this.seq;
    if (this.pendingLines >= this.limits.maxPendingEntries || this.pendingChars >= this.limits.maxPendingChars) {
      this.drop(entry.node, seq, entry.at, 'buffer_full');
      return false;
    }
    this.endDropping();
    this.flushGaps();
    this.push({ text: encodeEntry(seq, entry), firstSeq: seq, at: entry.at });
    return true;
  }

  /** Takes up to `maxLines` lines / about `maxChars` characters (at least one line) for a write. */
  take(maxLines: number, maxChars: number): Batch | undefined {
    if (this.buffered === 0) return undefined;
    const batch: Batch = { text: '', lines: 0, chars: 0 };
    const parts: string[] = [];
    while (this.head < this.queue.length && batch.lines < maxLines && (batch.lines === 0 || batch.chars + (this.queue[this.head] as Line).text.length < maxChars)) {
      const line = this.queue[this.head++] as Line;
      parts.push(line.text);
      batch.lines++;
      batch.chars += line.text.length + 1;
      if (line.firstSeq !== undefined) {
        batch.firstSeq ??= line.firstSeq;
        batch.firstAt ??= line.at;
        batch.lastSeq = line.firstSeq;
        batch.lastAt = line.at;
      }
    }
    // Compact now and then, so the array does not keep every line ever written.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    batch.text = parts.join('\n') + '\n';
    return batch;
  }

  /** A taken batch was written. */
  written(batch: Batch): void {
    this.pendingLines -= batch.lines;
    this.pendingChars -= batch.chars;
  }

  /** A taken batch could not be written: its entries become a gap. */
  failed(batch: Batch, node: string, err: unknown): void {
    this.written(batch);
    if (batch.firstSeq === undefined || batch.lastSeq === undefined) return;
    const dropped = batch.lastSeq - batch.firstSeq + 1;
    this.dropped += dropped;
    this.logger().error({ err, entries: dropped, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'journal write failed: entries lost (a gap record will count them)');
    this.addGap({ node, dropped, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, firstAt: batch.firstAt ?? 0, lastAt: batch.lastAt ?? 0, reason: 'write_failed' });
  }

  /** Ends any gap in progress and buffers every gap record (at close: they may exceed the limit by those few lines). */
  sealGaps(): void {
    this.endDropping();
    this.flushGaps();
  }

  private drop(node: string, seq: number, at: number, reason: GapReason): void {
    this.dropped++;
    if (this.dropping) {
      this.dropping.lastSeq = seq;
      this.dropping.lastAt = at;
      this.dropping.dropped++;
      return;
    }
    this.dropping = { node, dropped: 1, firstSeq: seq, lastSeq: seq, firstAt: at, lastAt: at, reason };
    this.logger().warn({ ...this.limits, pending: this.pendingLines, firstSeq: seq }, 'journal buffer full: dropping entries until the writer catches up');
  }

  private endDropping(): void {
    if (!this.dropping) return;
    this.addGap(this.dropping);
    this.dropping = undefined;
  }

  private addGap(gap: Gap & { node: string }): void {
    const last = this.gaps[this.gaps.length - 1];
    if (last && last.node === gap.node && last.reason === gap.reason && last.lastSeq + 1 === gap.firstSeq) {
      last.lastSeq = gap.lastSeq;
      last.lastAt = gap.lastAt;
      last.dropped += gap.dropped;
    } else {
      this.gaps.push({ ...gap });
    }
  }

  private flushGaps(): void {
    for (const { node, ...gap } of this.gaps.splice(0)) {
      this.logger().warn({ ...gap }, `journal gap: ${gap.dropped} entries dropped (${gap.reason})`);
      this.push({ text: encodeGap({ node, gap }) });
    }
  }

  private push(line: Line): void {
    this.queue.push(line);
    this.pendingLines++;
    this.pendingChars += line.text.length + 1;
  }
}
