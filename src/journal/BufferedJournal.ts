/**
 * A {@link JournalSink} over a {@link WriteBuffer} and a batch writer: `append` only encodes and
 * buffers; a pump started once per event-loop turn hands batches to the writer, at most
 * `maxInFlight` at a time (1 for a file, so writes land in order; more for a broker, where
 * publishes on one channel keep their order and their confirms are pipelined).
 */
import type { Logger } from 'pino';
import type { JournalEntry, JournalSink } from '../runtime/journal.js';
import type { BufferLimits } from './WriteBuffer.js';
import { WriteBuffer } from './WriteBuffer.js';

/** Where a buffered journal's batches go. */
export interface BatchWriter {
  /** Writes one batch of JSON lines (each ending in a newline); rejects if it was not written. */
  write(text: string): Promise<void>;
  /** Releases the file or connection (after every write settled, or after `abandon`). */
  close(): Promise<void>;
}

export interface BufferedJournalOptions extends BufferLimits {
  maxInFlight: number;
  batchLines: number;
  batchChars: number;
  logger: () => Logger;
  /** The last sequence number already in the journal. @default 0 */
  lastSeq?: number;
  /** How long `close()` waits for the backlog; unset: as long as it takes. */
  closeTimeout?: number;
}

/** What a journal writer has done so far. */
export interface JournalStats {
  /** Entries accepted from the runtime (kept or dropped). */
  appended: number;
  /** Entries dropped into gap records (buffer full, or a failed write). */
  dropped: number;
  /** Lines (entries and gap records) not yet written. */
  pending: number;
}

export class BufferedJournal implements JournalSink {
  private readonly buffer: WriteBuffer;
  private inFlight = 0;
  private scheduled = false;
  private appended = 0;
  private node = '';
  private closing: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private droppedAfterClose = 0;

  constructor(
    private readonly writer: BatchWriter,
    private readonly options: BufferedJournalOptions,
  ) {
    this.buffer = new WriteBuffer(options, options.logger, options.lastSeq ?? 0);
  }

  /** Called by the runtime for every accepted user event; never throws, never waits. */
  append(entry: JournalEntry): void {
    if (this.closing) {
      if (this.droppedAfterClose++ === 0) this.options.logger().warn({ to: entry.to }, 'journal is closed: entries appended after close are not journalled');
      return;
    }
    this.appended++;
    this.node = entry.node;
    this.buffer.append(entry);
    if (!this.scheduled) {
      this.scheduled = true;
      // One pump per event-loop turn: everything appended in the turn leaves in few writes.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** Counters for tests and tools. */
  stats(): JournalStats {
    return { appended: this.appended, dropped: this.buffer.dropped, pending: this.buffer.pending };
  }

  /** Resolves once every line buffered so far (and any appended meanwhile) is written or counted lost. */
  flush(): Promise<void> {
    this.pump();
    if (this.buffer.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes any gap record still open, flushes (within `closeTimeout`, when set) and closes the writer. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.buffer.sealGaps();
      const { closeTimeout } = this.options;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        this.flush().then(() => false),
        ...(closeTimeout === undefined ? [] : [new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), closeTimeout)))]),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.options.logger().error({ unwritten: this.buffer.pending, timeoutMs: closeTimeout }, 'journal close timed out: the unwritten entries are lost');
      }
      await this.writer.close();
    })();
    return this.closing;
  }

  private pump(): void {
    const { maxInFlight, batchLines, batchChars } = this.options;
    while (this.inFlight < maxInFlight) {
      const batch = this.buffer.take(batchLines, batchChars);
      if (!batch) break;
      this.inFlight++;
      this.writer.write(batch.text).then(
        () => this.buffer.written(batch),
        (err: unknown) => this.buffer.failed(batch, this.node, err),
      ).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.buffer.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }
}
