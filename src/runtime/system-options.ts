/** The options of `createSystem` and `system.spawn`, and the cell factories a system is built with. */
import type { Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { Cell, CellInit, Shutdown } from './cell.js';
import type { Clock } from './clock.js';
import type { DispatcherOptions } from './dispatcher.js';
import type { JournalSink } from './journal.js';
import type { MailboxOptions } from './mailbox.js';
import type { Transport } from './transport.js';

/** Makes cells for one family of logic (XState logic, supervisors, ...). */
export interface CellFactory {
  readonly name: string;
  accepts(logic: unknown): boolean;
  create(init: CellInit): Cell;
}

/** Options of `createSystem`. */
export interface SystemOptions {
  /**
   * This node's id; it is the host part of every local path.
   * @default a generated id, `node-<8 hex digits>`
   */
  node?: string;
  /**
   * How this node reaches others.
   * @default the embedded in-memory transport (one process)
   */
  transport?: Transport;
  /**
   * A pino logger, or `false` for silence.
   * @default pino at level `ARBOR_LOG_LEVEL` (else `info`), JSON lines on stderr
   */
  logger?: Logger | false;
  /**
   * The clock behind every timer; tests pass a `SimulatedClock`.
   * @default the wall clock
   */
  clock?: Clock;
  /** The default mailbox of every actor on this node. */
  mailbox?: MailboxOptions;
  /** Dispatcher tuning (throughput per actor turn, budget per event-loop turn). */
  dispatcher?: DispatcherOptions;
  /** An XState inspection observer: receives `@xstate.actor`, `@xstate.event`, `@xstate.snapshot`, ... */
  inspect?: (event: InspectionEvent) => void;
  /** Logic this node can run by kind name (children may name a `kind` instead of `logic`). */
  kinds?: Record<string, unknown>;
  /**
   * Randomness for backoff jitter; tests pass a seeded one.
   * @default Math.random
   */
  random?: () => number;
  /** Every user event an actor's mailbox accepts is appended here (see `src/journal`). */
  journal?: JournalSink;
  /**
   * How long a child placed on other nodes waits for a node that hosts its kind to come up
   * before its start fails with `NO_NODE` (a node that just started has not heard the others yet).
   * @default 5000
   */
  placementTimeout?: number;
  /**
   * Which events no state of a worker's machine handles go to dead letters with
   * `UNHANDLED_EVENT`: `'asks'` those that carry a `replyTo` (so an ask fails at once instead of
   * timing out; the rest are ignored, as XState ignores them), `'all'` every one.
   * @default 'asks'
   */
  unhandledEvents?: 'asks' | 'all';
}

/** Options of `system.spawn`. */
export interface SpawnOptions<TInput = unknown> {
  /** The root actor's id: `arbor://<node>/<id>`. */
  id: string;
  /** Passed to the logic as its input. */
  input?: TInput;
  mailbox?: MailboxOptions;
  /** How long `shutdown()` waits for this actor to stop gracefully. */
  shutdown?: Shutdown;
  /** An XState persisted snapshot (`ref.getPersistedSnapshot()`) to start a worker from instead of its initial state (`INVALID_SPEC` for a supervisor). */
  snapshot?: unknown;
  /** Registers the actor under this id in the node's system registry, so XState's `system.get(systemId)` in any worker finds it. */
  systemId?: string;
}
