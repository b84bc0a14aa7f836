/**
 * The public types of `checkWorkflow` / `replayWorkflow`: the spec a user writes, the view an
 * invariant reads, the steps of a schedule and the report.
 */
import type { Arbitrary } from 'fast-check';
import type { ArborEvent } from '../runtime/event.js';
import type { JournalEntry } from '../runtime/journal.js';
import type { DeadLetter, SupervisorReport } from '../runtime/system-events.js';
import type { System } from '../create-system.js';
import type { WorkersStart } from './worker-start.js';

/** One input: an event sent from outside the actors to the actor at `to` (a path on node `a`). */
export interface WorkflowInput {
  to: string;
  event: ArborEvent;
}

/** Which faults the search may inject. */
export interface WorkflowFaults {
  /**
   * Workers that may crash, by path (`root/coord`) or glob (`root/*`, `root/**`). A crash strikes
   * while the worker processes a message of the schedule's choosing: that message is
   * dead-lettered and the worker's supervisor handles the crash, as for a throwing action.
   * @default []
   */
  crash?: readonly string[];
  /** Whether simulated nodes other than `a` may go down (and come up again). @default false */
  nodeDown?: boolean;
  /** Whether nodes other than `a` may be cut off from the broker (and healed). @default false */
  partition?: boolean;
  /** Whether the broker may deliver a message twice (a publish retried after a lost confirm). @default false */
  duplicate?: boolean;
  /** At most this many faults per run. @default 2 */
  maxFaults?: number;
}

/** What invariants and `eventually` properties see of a simulated system. */
export interface WorkflowView<W = unknown> {
  /** The XState snapshot of the worker at `path` (`root/coord` or `arbor://a/root/coord`), wherever it runs. */
  snapshot(path: string): unknown;
  /** The output of the actor at `path` if it exited normally, else `undefined`. */
  result(path: string): unknown;
  /** The node the worker at `path` runs (or last ran) on, or `undefined` for no such worker. */
  node(path: string): string | undefined;
  /** `'running' | 'suspended' | 'stopping' | 'stopped'`, or `undefined` for no such actor. */
  status(path: string): string | undefined;
  /** Dead letters of every node, and of the simulated broker's dead-letter queue, in order. */
  readonly deadLetters: readonly DeadLetter[];
  /** Supervisor reports of every node, in order. */
  readonly reports: readonly SupervisorReport[];
  /** Every user event an actor's mailbox accepted, on every node, in order. */
  readonly journal: readonly JournalEntry[];
  /** The per-run external world made by `spec.world` (a ledger, an API's calls, ...). */
  readonly world: W;
  /** Simulated time, ms. */
  readonly now: number;
}

/** A property over the view: true (or nothing) when it holds; false or a throw when it does not. */
export type WorkflowProperty<W = unknown> = (view: WorkflowView<W>) => boolean | void;

/** What `checkWorkflow` checks. */
export interface WorkflowSpec<W = unknown> {
  name: string;
  /** Spawned as `root` on node `a`: a supervisor spec or any XState logic, or a function making it once per run. */
  root: unknown | ((system: System, world: W) => unknown);
  /** Logic by kind, hosted by the nodes of `nodes` (by `a` when there are none); or a function of the world. */
  kinds?: Record<string, unknown> | ((world: W) => Record<string, unknown>);
  /** More simulated nodes besides `a`; each hosts every kind. @default [] */
  nodes?: readonly string[];
  /** Makes the external world of one run (shared by the logic and the properties). */
  world?: () => W;
  /** The inputs of one run. @default no inputs */
  inputs?: Arbitrary<readonly WorkflowInput[]>;
  faults?: WorkflowFaults;
  /** Must hold after every step. */
  invariants?: Record<string, WorkflowProperty<W>>;
  /** Must hold once nothing is left to run, deliver or fire. */
  eventually?: Record<string, WorkflowProperty<W>>;
  /** @default 100 */
  numRuns?: number;
  /** @default 42 */
  seed?: number;
  /** Steps per run before it is cut short (not a failure). @default 500 */
  maxSteps?: number;
  /** Whether a failure is shrunk (`false`: reported as first found, for a quick verdict). @default true */
  shrink?: boolean;
  /**
   * Threads the runs may be spread over, this one included: up to `workers - 1` worker threads,
   * each building the same spec from `source` (a thread cannot be handed functions). They start
   * as `workersStart` says: by default only once they can pay off, so a short check stays on this
   * thread. The report is the same, byte for byte, whatever the number and whether or when
   * workers start: each run keeps the index (and so the inputs and choices) it has in a
   * one-thread check, the failure reported is the one of the lowest run index, and it is shrunk as
   * a one-thread check shrinks it.
   * @default 1
   */
  workers?: number;
  /**
   * When worker threads start (with `workers` above 1). `'adaptive'`: this thread makes runs
   * alone first, and starts workers, no more than the cores besides its own, only once the runs
   * left would take it more than 3 s (on 2 cores, workers break even with one thread only on
   * checks of about 1.5-2 s: a worker's start-up and warm-up are that costly). `'eager'`: all
   * `workers - 1` start with the check, whatever
   * its length (to test workers, or on a machine where they surely pay). A bad `source` fails the
   * check either way: adaptively, this thread builds and checks it before its first run (so it
   * fails fast, even on a check no worker joins); eagerly, the check waits for every worker to
   * have built it.
   * @default 'adaptive'
   */
  workersStart?: WorkersStart;
  /** Where worker threads get this spec from; needed when `workers` is more than 1. */
  source?: WorkflowSource;
}

/**
 * How a worker thread builds the same spec: it imports `module` and takes `export` from it, a
 * spec, or a function making one that it calls with `args`. The plain-data fields of the spec
 * given to `checkWorkflow` (`name`, `nodes`, `faults`, `maxSteps`, `numRuns`, `seed`, `shrink`)
 * override the built spec's, so `{ ...spec, seed: 7 }` checks the same thing in every thread.
 *
 * @example
 * checkWorkflow({ ...contentWorkflow(), workers: 2,
 *   source: { module: new URL('./content.ts', import.meta.url), export: 'contentWorkflow', args: [{}] } });
 */
export interface WorkflowSource {
  /** The module: a file URL, or a path (relative to the working directory). `.ts` needs tsx installed. */
  module: string | URL;
  /** The export, or a dotted path into it (`workflows.content`). */
  export: string;
  /** Arguments for an export that is a function making the spec (structured-cloneable: JSON-like data). @default [] */
  args?: readonly unknown[];
}

/**
 * One step of a schedule. Replay matches a step by its kind and the fields that name what it acts
 * on (node, actor, channel); `event`, `state` and `at` describe what happened, for the timeline.
 */
export type Step =
  /** An input sent to `to`. */
  | { kind: 'input'; at: number; to: string; event: ArborEvent }
  /** `actor` on `node` took a turn: `event` is the message it processed (or its control operations in parentheses); `state` its state after. */
  | { kind: 'turn'; at: number; node: string; actor: string; event: string; state?: string }
  /** `actor` on `node` crashed while processing `event`. */
  | { kind: 'crash'; at: number; node: string; actor: string; event: string }
  /** The broker delivered the oldest message from `from` to `to`. */
  | { kind: 'deliver'; at: number; from: string; to: string; message: string }
  /** The broker delivered it and will deliver it again later. */
  | { kind: 'duplicate'; at: number; from: string; to: string; message: string }
  /** Time moved to the next timer (set by `node`) and it fired. */
  | { kind: 'timer'; at: number; node: string }
  /** A node crashed, came back, was cut off from the broker, or was reconnected. */
  | { kind: 'nodeDown' | 'nodeUp' | 'partition' | 'heal'; at: number; node: string };

export type WorkflowFailureKind = 'invariant' | 'eventually' | 'error' | 'deadlock';

export interface WorkflowFailure {
  kind: WorkflowFailureKind;
  /** The property that failed. */
  name?: string;
  message?: string;
  /** The seed of the check that found it. */
  seed: number;
  /** The steps from the start to the failure, shrunk. */
  schedule: Step[];
  /** What each actor was in at the failure (`path → state`). */
  states: Record<string, string>;
}

export interface WorkflowStats {
  /** Runs made before a failure (or all of them). */
  runs: number;
  /** Simulated steps over those runs (shrinking not counted). */
  steps: number;
  /** Runs that reached quiescence (the rest stopped at `maxSteps`). */
  quiescent: number;
  /** Faults injected over those runs. */
  faults: number;
  /** Successful shrink steps of the failure. */
  shrinks: number;
}

export interface WorkflowReport {
  name: string;
  ok: boolean;
  failures: WorkflowFailure[];
  stats: WorkflowStats;
}
