/** The options of `createSystem` and `system.spawn`, and the cell factories a system is built with. */
import type { Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { Cell, CellInit, Shutdown } from './cell.js';
import type { Clock } from './clock.js';
import type { DispatcherOptions } from './dispatcher.js';
import type { DurableOptions } from './durable-options.js';
import type { JournalSink } from './journal.js';
import type { MailboxOptions } from './mailbox.js';
import type { EventSchemas } from './schemas.js';
import type { Priority } from './ref.js';
import type { Transport } from './transport.js';

/** Makes cells for one family of logic (XState logic, supervisors, ...). */
export interface CellFactory {
  readonly name: string;
  /** Whether this factory makes the cell for `logic` (`init` says more, e.g. whether it is durable). */
  accepts(logic: unknown, init?: Omit<CellInit, 'system'>): boolean;
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
   * Whether this node, as the owner of children placed on other nodes (`{ kind, node }`), tells
   * the nodes that send to them where they run, so those send to the host directly (one broker
   * hop instead of two, and this node carries none of the bytes) while this node keeps the
   * bookkeeping: restarts, and what an incarnation leaves unprocessed. `false` keeps every message
   * going through this node. The environment variable `ARBOR_DIRECT_ROUTES=0` (or `1`) overrides it.
   * @default true
   */
  directRoutes?: boolean;
  /**
   * Which events no state of a worker's machine handles go to dead letters with
   * `UNHANDLED_EVENT`: `'asks'` those that carry a `replyTo` (so an ask fails at once instead of
   * timing out; the rest are ignored, as XState ignores them), `'all'` every one.
   * @default 'asks'
   */
  unhandledEvents?: 'asks' | 'all';
  /**
   * How many recent dead letters `system.deadLetters()` keeps (a ring: the oldest are forgotten).
   * @default 1000
   */
  deadLetterCapacity?: number;
  /**
   * Keep Prometheus metrics (prom-client, loaded only then): `await system.metrics()` returns the
   * exposition text. An object tunes them: `brokerPollInterval` is the least time between two
   * rounds of broker queue polling (ms, default 5000).
   * @default false
   */
  metrics?: boolean | { brokerPollInterval?: number };
  /**
   * A Standard Schema (zod, valibot, ...) per event type, or `{ schema, version }`: invalid events
   * throw `INVALID_EVENT` at the sender and are dead-lettered on arrival from other nodes; an
   * event with a newer `schemaVersion` than `version` is refused with `SCHEMA_VERSION`.
   */
  schemas?: EventSchemas;
  /**
   * Priorities by event type: messages of an `'urgent'` type overtake normal ones in every mailbox
   * of this node (as `send(event, { priority: 'urgent' })` does for one message).
   */
  priorities?: Record<string, Priority>;
  /**
   * Serves the inspector, a live web page of this system, while it runs (`src/inspector`, loaded
   * only when this is given). `system.inspectorUrl` is its address.
   */
  inspector?: InspectorServeOptions;
  /**
   * Keeps the last this many user events that carry a correlation id, so that an inspector of the
   * cluster (`arbor inspect`, or another node's page) shows workflows with this node's part in
   * them: the workflow view asks every node. Costs one journal append per accepted message.
   * @default 0 (off); 10 000 when this system serves an inspector
   */
  workflowBuffer?: number;
}

/** Where the inspector of `createSystem({ inspector })` listens. */
export interface InspectorServeOptions {
  /**
   * The TCP port; 0 picks a free one.
   * @default 4400
   */
  port?: number;
  /**
   * The address to bind. Anything but loopback exposes the page: give a `token` then.
   * @default '127.0.0.1'
   */
  host?: string;
  /** When set, every request must carry it (`Authorization: Bearer <token>` or `?token=`). */
  token?: string;
  /**
   * How often (ms) the page is updated: the server sends one diff per interval at most.
   * @default 1000
   */
  interval?: number;
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
  /**
   * Commits the actor's state to the system's store after every message and resumes it on every
   * new incarnation (see the README's "Durable agents"). XState logic only.
   * @default false
   */
  durable?: boolean | DurableOptions;
  /**
   * Cluster singleton (needs `durable`, a store shared by the nodes and a broker transport): `spawn`
   * may be called on several nodes; exactly one runs the actor at any time, at the path
   * `arbor://$singleton/<id>`, and another takes over (resuming from the store) when that node dies.
   * @default false
   */
  singleton?: boolean;
}
