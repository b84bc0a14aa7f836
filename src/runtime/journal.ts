/**
 * The journal seam: when a system is created with a `journal`, every user event an actor's mailbox
 * accepts is appended to it, in acceptance order per node. The runtime only calls `append`
 * (synchronously, on the hot path, so a sink must buffer and write in the background with bounded
 * memory) and `close` at shutdown; file and RabbitMQ stream journals live in `src/journal`.
 */
import type { ArborEvent } from './event.js';

/** One journalled delivery. */
export interface JournalEntry {
  /** The node that accepted it. */
  node: string;
  /** The recipient's path. */
  to: string;
  /** When it was accepted (system clock, ms). */
  at: number;
  /** The event as sent (it may hold refs, e.g. `replyTo`; sinks serialise them by path). */
  event: ArborEvent;
  /**
   * The actor that sent it, when an actor did (on this node or another); absent for events from
   * outside the actors (a `send` from application code). Replay re-sends only those by default:
   * the others are sent again by the replayed actors themselves.
   */
  from?: string;
}

/** Where a system writes its journal. */
export interface JournalSink {
  append(entry: JournalEntry): void;
  /** Flushes and closes; called by `system.shutdown()` after the actors have stopped. */
  close?(): Promise<void>;
}
