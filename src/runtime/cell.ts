/**
 * An actor cell: the runtime's half of an actor. It owns the mailbox, the path, the ref (which
 * stays valid across restarts because it points at the cell, not at an incarnation) and the
 * result. Concrete cells (an XState worker in `src/actors`, a supervisor in `src/supervision`)
 * supply an incarnation: how to start it, feed it user messages, stop it and kill it.
 *
 * Lifecycle, driven by the parent supervisor (or the system for a root actor):
 *   start()   → 'running'    a new incarnation; queued user messages flow again
 *   exit      → 'suspended'  it exited by itself (normal or crash); messages are held, the
 *                            parent is told and decides: start() again, or retire()
 *   stop(...) → 'suspended'  the parent stopped it (graceful, bounded, or brutal)
 *   retire()  → 'stopped'    for good: queued and later messages go to dead letters
 */
import type { Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { Clock } from './clock.js';
import type { Runnable } from './dispatcher.js';
import { ArborError, toError } from './errors.js';
import type { ArborEvent } from './event.js';
import type { JournalSink } from './journal.js';
import { Mailbox, type ResolvedMailboxOptions } from './mailbox.js';
import { ResultSlot } from './result-slot.js';
import type { ActorRef, AskOptions } from './ref.js';
import type { SupervisorReport } from './system-events.js';

/** How an incarnation ended by itself: its `outcome` (a word of its own: "kind" names child and report kinds). */
export type Exit = { outcome: 'normal'; output: unknown } | { outcome: 'crash'; error: Error };

/** `shutdown` of a child spec: ms to wait for a graceful stop, or one of OTP's two extremes. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

export type CellStatus = 'running' | 'suspended' | 'stopping' | 'stopped';

/** A control operation (start, stop, a dynamic child call, ...): run in order, before any user message. */
export interface ControlMessage {
  /** What it is, for logs. */
  readonly name: string;
  run(): void | Promise<void>;
}

/** A node's description of one actor, for `describe()` and `arbor status`. */
export interface TreeNode {
  path: string;
  id: string;
  type: 'supervisor' | 'worker' | 'remote';
  status: string;
  /** The node it runs on (for a remote child: where its current incarnation runs, or `''`). */
  node: string;
  kind?: string;
  children?: TreeNode[];
  /** A worker's current state value (XState's `snapshot.value`), when it has one. */
  state?: unknown;
  /** Messages waiting in its mailbox. */
  mailbox?: number;
  /** How many times its supervisor restarted it (under a supervisor only). */
  restarts?: number;
}

/** Who hears about a cell's own exits. */
export interface CellParent {
  readonly path: string;
  childExited(child: Cell, incarnation: number, exit: Exit): void;
}

/**
 * What a cell needs of its system (the `ActorSystem` is one). Cells see this interface, never
 * the system class, so the system can import cells without a cycle.
 */
export interface CellContext {
  readonly node: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where a cell with work goes to be run. */
  readonly dispatcher: { schedule(runnable: Runnable): void };
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** Logic this node can run by kind name. */
  readonly kinds: Readonly<Record<string, unknown>>;
  /** Randomness for backoff jitter. */
  readonly random: () => number;
  readonly mailboxDefaults: ResolvedMailboxOptions;
  /** Every user event a mailbox accepts is appended here. */
  readonly journal: JournalSink | undefined;
  /** @internal The actor whose message is being processed now, if any: the sender of what it sends. */
  _sender: string | undefined;
  /** Puts a message on the dead-letter stream. */
  deadLetter(recipient: string, event: unknown, reason: ArborError): void;
  /** Publishes a supervisor report and logs it. */
  report(report: SupervisorReport): void;
  ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T>;
  /** Makes and registers the cell of a supervisor's child, here or (through the placement port) on another node. */
  childCell(request: ChildRequest): Cell;
  /** Forgets a cell (its refs keep dead-lettering). */
  unregister(cell: Cell): void;
  /** A root actor exited by itself. */
  _rootExited(cell: Cell): void;
  /** The ref at `path` (local, pending ask, or remote), or `undefined`. */
  lookup(path: string): ActorRef | undefined;
  /** @internal The temporary reply ref of a pending ask at `path`, if there is one. */
  _pendingAsk(path: string): ActorRef | undefined;
  /** Which unhandled events workers dead-letter (see `SystemOptions.unhandledEvents`). */
  readonly unhandledEvents: 'asks' | 'all';
}

/** A supervisor's request for a child's cell: run `logic` here, or a `kind` here or on other nodes. */
export interface ChildRequest {
  init: Omit<CellInit, 'system' | 'logic'>;
  logic: unknown;
  kind: string | undefined;
  /** Candidate nodes for the child, when its spec names them. */
  node: readonly string[] | undefined;
  /** The spec field, for `INVALID_SPEC` messages (`children[2]`). */
  field: string;
}

/** What every cell is made from. */
export interface CellInit {
  system: CellContext;
  path: string;
  id: string;
  parent: CellParent | undefined;
  logic: unknown;
  input: unknown;
  mailbox: ResolvedMailboxOptions;
  /** A persisted snapshot to start each incarnation from (XState workers; others ignore it). */
  snapshot?: unknown;
}

export abstract class Cell implements Runnable {
  /** @internal */
  _scheduled = false;
  readonly system: CellContext;
  readonly path: string;
  readonly id: string;
  readonly mailbox: Mailbox<ControlMessage, ArborEvent>;
  parent: CellParent | undefined;
  status: CellStatus = 'suspended';
  /** How long a parent (or `shutdown()`) waits for a graceful stop. */
  shutdown: Shutdown = 5000;
  /** Counts incarnations; an exit report from an older one is stale. */
  incarnation = 0;
  readonly result = new ResultSlot();
  /** Whether accepted user messages go to the system's journal (a remote child's host journals them). */
  protected journaled = true;
  private busy = false;
  private _log: Logger | undefined;
  private _ref: ActorRef | undefined;

  constructor(init: CellInit) {
    this.system = init.system;
    this.path = init.path;
    this.id = init.id;
    this.parent = init.parent;
    this.mailbox = new Mailbox(init.mailbox);
  }

  /** The structured logger of this actor (`actor` = its path). */
  get log(): Logger {
    return (this._log ??= this.system.logger.child({ actor: this.path }));
  }

  /** The ref of this cell; one object for the cell's whole life. */
  get ref(): ActorRef {
    return (this._ref ??= this.createRef());
  }

  // --- what concrete cells provide --------------------------------------------------------

  protected abstract createRef(): ActorRef;
  /** Starts a new incarnation. Must set `status = 'running'` and bump `incarnation`. */
  protected abstract startIncarnation(): void;
  /** Stops the incarnation gracefully, as far as `shutdown` allows; resolves when it is stopped. */
  protected abstract stopIncarnation(shutdown: Shutdown): Promise<void>;
  /** Stops the incarnation at once, skipping graceful steps. */
  protected abstract killIncarnation(): void;
  /** Feeds up to `budget` user messages to a running incarnation; returns how many. */
  protected abstract processUser(budget: number): number;
  abstract getSnapshot(): unknown;

  /** This actor (and, for a supervisor, its subtree) for `describe()` and `arbor status`. */
  describe(): TreeNode {
    const node: TreeNode = { path: this.path, id: this.id, type: 'worker', status: this.status, node: this.system.node, mailbox: this.mailbox.size };
    const value = (this.getSnapshot() as { value?: unknown } | undefined)?.value;
    if (value !== undefined) node.state = value;
    return node;
  }

  // --- messaging ----------------------------------------------------------------------------

  /** Delivers a user message (already validated). Never throws, except under the `'throw'` overflow policy. */
  tell(event: ArborEvent, from?: string): void {
    if (this.status === 'stopped') {
      this.system.deadLetter(this.path, event, new ArborError('ACTOR_STOPPED', `actor ${this.path} is stopped`, { path: this.path }));
      return;
    }
    const displaced = this.mailbox.offerUser(event);
    if (displaced !== undefined) {
      this.system.deadLetter(
        this.path,
        displaced,
        new ArborError('MAILBOX_FULL', `mailbox of ${this.path} is full (capacity ${this.mailbox.options.capacity})`, {
          path: this.path,
          capacity: this.mailbox.options.capacity,
        }),
      );
    }
    if (this.system.journal !== undefined && this.journaled && displaced !== event) {
      const sender = from ?? this.system._sender;
      this.system.journal.append(
        sender === undefined ? { node: this.system.node, to: this.path, at: this.system.clock.now(), event } : { node: this.system.node, to: this.path, at: this.system.clock.now(), event, from: sender },
      );
    }
    if (this.status === 'running' && !this._scheduled && !this.busy) this.system.dispatcher.schedule(this);
  }

  /** Queues a control operation; it runs before any queued user message. */
  post(message: ControlMessage): void {
    this.mailbox.pushSystem(message);
    if (!this._scheduled && !this.busy) this.system.dispatcher.schedule(this);
  }

  /** Runs `fn` as a system message and resolves with what it returns. */
  control<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.post({
        name,
        run: () => {
          let r: T | Promise<T>;
          try {
            r = fn();
          } catch (err) {
            reject(err);
            return;
          }
          if (r instanceof Promise) return r.then(resolve, reject);
          resolve(r);
        },
      });
    });
  }

  // --- the run loop (called by the dispatcher) ------------------------------------------------

  run(throughput: number): number {
    let n = 0;
    const sys = this.mailbox.system;
    while (!this.busy && sys.size > 0) {
      const m = sys.shift() as ControlMessage;
      n++;
      this.runControl(m);
    }
    if (!this.busy && this.status === 'running' && this.mailbox.user.size > 0) {
      n += this.processUser(Math.max(1, throughput - n));
    }
    return n;
  }

  hasWork(): boolean {
    return !this.busy && (this.mailbox.system.size > 0 || (this.status === 'running' && this.mailbox.user.size > 0));
  }

  private runControl(m: ControlMessage): void {
    let r: void | Promise<void>;
    try {
      r = m.run();
    } catch (err) {
      this.log.error({ err: toError(err), op: m.name }, 'system message failed');
      return;
    }
    if (r instanceof Promise) {
      // One control operation at a time: the next waits until this one has finished.
      this.busy = true;
      r.catch((err: unknown) => this.log.error({ err: toError(err), op: m.name }, 'system message failed')).finally(() => {
        this.busy = false;
        this.wake();
      });
    }
  }

  /** Puts the cell on the run queue if it has work. */
  protected wake(): void {
    if (!this._scheduled && this.hasWork()) this.system.dispatcher.schedule(this);
  }

  // --- lifecycle, driven by the parent -------------------------------------------------------

  /** Starts (or restarts) the actor. Queued user messages are delivered to the new incarnation. */
  start(): void {
    this.startIncarnation();
    this.wake();
  }

  /** Stops the running incarnation, honouring `shutdown`; messages stay queued. */
  stop(shutdown: Shutdown): Promise<void> {
    return this.control('stop', () => this.stopNow(shutdown));
  }

  /** Stops at once, without waiting in line behind other control operations. */
  kill(): void {
    if (this.status === 'running' || this.status === 'stopping') this.killIncarnation();
    if (this.status !== 'stopped') this.status = 'suspended';
  }

  private async stopNow(shutdown: Shutdown): Promise<void> {
    if (this.status !== 'running') return;
    if (shutdown === 'brutal_kill') return this.kill();
    const graceful = this.stopIncarnation(shutdown);
    if (shutdown === 'infinity') return graceful;
    const clock = this.system.clock;
    let timer: unknown;
    const timedOut = await Promise.race([
      graceful.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = clock.setTimeout(() => resolve(true), shutdown);
      }),
    ]);
    clock.clearTimeout(timer);
    if (timedOut) {
      this.log.warn({ shutdown }, 'graceful stop timed out; killing');
      this.kill();
    }
  }

  /**
   * Stops for good: the actor will not run again. Queued messages go to dead letters, and
   * `result()` rejects with `reason` unless it already settled.
   */
  retire(reason?: Error): void {
    if (this.status === 'running' || this.status === 'stopping') this.kill();
    this.status = 'stopped';
    const error = reason ?? new ArborError('ACTOR_STOPPED', `actor ${this.path} was stopped`, { path: this.path });
    this.result.reject(error);
    // Most actors retire with an empty mailbox: build the dead-letter reason only when needed.
    if (this.mailbox.user.size === 0) return;
    const dead = new ArborError('ACTOR_STOPPED', `actor ${this.path} stopped before this message was processed`, {
      path: this.path,
    }, { cause: reason });
    for (const m of this.mailbox.user.drain()) this.system.deadLetter(this.path, m, dead);
  }

  /**
   * Called by the incarnation when it ends by itself. Messages are held until the parent
   * decides; a root actor (no parent) is retired at once.
   */
  protected exited(exit: Exit): void {
    this.status = 'suspended';
    if (exit.outcome === 'normal') this.result.resolve(exit.output);
    if (this.parent) {
      this.parent.childExited(this, this.incarnation, exit);
      return;
    }
    if (exit.outcome === 'crash') this.log.error({ err: exit.error }, 'root actor crashed');
    this.retire(exit.outcome === 'crash' ? exit.error : undefined);
    this.system._rootExited(this);
  }
}
