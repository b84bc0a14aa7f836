/**
 * The dead-letter stream of one node, this node's side of it: each dead letter is logged, kept in
 * the ring `system.deadLetters()` lists (`dead-letter-log.ts`), noted in brief among the recent
 * ones `describe()` shows (the inspector of another node reads them there), and told to the
 * `'deadLetter'` listeners. `ActorSystem.deadLetter` puts a letter here after the parts that reach
 * beyond the node: the tracer, an ask waiting for it, the cluster's dead-letter queue.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { DeadLetterLog, type DeadLetterFilter } from './dead-letter-log.js';
import { describe, type ArborError } from './errors.js';
import { correlationOf } from './event.js';
import { RECENT_DEAD_LETTERS, type DeadLetterNote } from './node-status.js';
import { resolvePath } from './paths.js';
import type { DeadLetter } from './system-events.js';

/** What a stream needs of its node. */
export interface DeadLetterStreamOptions {
  /** The node, to resolve the relative paths of a filter. */
  node: string;
  /** How many dead letters the ring keeps (`INVALID_SPEC` unless a non-negative integer). @default 1000 */
  capacity: number | undefined;
  logger: Logger;
  clock: Clock;
  /** Tells the `'deadLetter'` listeners. */
  emit: (letter: DeadLetter) => void;
}

export class DeadLetterStream {
  private readonly log: DeadLetterLog;
  /** The last few dead letters in brief, oldest first (at most {@link RECENT_DEAD_LETTERS}). */
  private readonly recentNotes: DeadLetterNote[] = [];

  constructor(private readonly options: DeadLetterStreamOptions) {
    this.log = new DeadLetterLog(options.capacity);
  }

  /** Logs the dead letter, keeps it in the ring and the recent list, and tells the listeners. */
  add(recipient: string, event: unknown, reason: ArborError): void {
    const type = (event as { type?: unknown } | null)?.type;
    const eventType = typeof type === 'string' ? type : describe(event);
    const correlationId = correlationOf(event);
    this.options.logger.warn({ recipient, eventType, code: reason.code, correlationId }, `dead letter: ${reason.message}`);
    const letter: DeadLetter = { recipient, event, reason, at: this.options.clock.now() };
    if (correlationId !== undefined) letter.correlationId = correlationId;
    this.log.add(letter);
    this.recentNotes.push({ at: letter.at, recipient, type: eventType, code: reason.code, reason: reason.message });
    if (this.recentNotes.length > RECENT_DEAD_LETTERS) this.recentNotes.shift();
    this.options.emit(letter);
  }

  /** The kept dead letters matching `filter` (its path full or relative to the node), newest first. */
  list(filter: DeadLetterFilter = {}): DeadLetter[] {
    return this.log.list(filter.path === undefined ? filter : { ...filter, path: resolvePath(this.options.node, filter.path) });
  }

  /** How many dead letters there were since the node started. */
  get total(): number {
    return this.log.total;
  }

  /** A copy of the recent list, oldest first; `undefined` when there was none. */
  recent(): DeadLetterNote[] | undefined {
    return this.recentNotes.length > 0 ? [...this.recentNotes] : undefined;
  }
}
