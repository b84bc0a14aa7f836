/**
 * An actor cell: the runtime's half of an actor. It owns the mailbox, the path, the ref (which
 * stays valid across restarts because it points at the cell, not at an incarnation) and the
 * result. Concrete cells (an XState worker in `src/actors`, a supervisor in `src/supervision`)
 * supply an incarnation: how to start it, feed it user messages, stop it and kill it.
 *
 * Why this file is over 400 lines: the mailbox-side concerns that grew this session (durable
 * holds, metrics stamps and tracing, the inspector's backlog age) read and write the cell's
 * private queue state on the hot path; each is a few lines inside `tell`/`run`, and moving them
 * out would cost an indirection per message. Ack receipts, which only some cells ever use, live in
 * their own object (`receipts.ts`), made on first use.
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
import { Deque } from './deque.js';
import type { NormalizedDurableOptions } from './durable-options.js';
import { ArborError, toError } from './errors.js';
import type { ArborEvent } from './event.js';
import type { JournalSink } from './journal.js';
import { Mailbox, type ResolvedMailboxOptions } from './mailbox.js';
import { logicLabel, type Meter } from './meter.js';
import type { MessageTracer } from './tracer.js';
import type { SchemaRegistry } from './schemas.js';
import { Receipts } from './receipts.js';
import { ResultSlot } from './result-slot.js';
import type { ActorRef, AskOptions } from './ref.js';
import type { RelayForm } from './relay.js';
import { jsonText, DETAIL_TEXT_LIMIT, type ActorDetail, type MailboxStats } from './actor-detail.js';
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
  /** Its current state value as text (XState workers; a supervisor's lifecycle phase). */
  state?: string;
  /** How many times it was restarted (absent when never). */
  restarts?: number;
  /** A supervisor's restart strategy. */
  strategy?: string;
  /** Its mailbox, when messages are queued. */
  mailbox?: MailboxStats;
  /** Set on the root of a cluster singleton (`spawn(..., { singleton: true })`), on the node that runs it. */
  singleton?: true;
  /** A durable actor (its state survives crashes, failover and restarts); absent otherwise. */
  durable?: true;
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
  /** Per-message metrics, when the system keeps them. */
  readonly meter: Meter | undefined;
  /** Message traces, when a tracer provider is registered. */
  readonly tracer: MessageTracer | undefined;
  /** Event schemas, when the system has them. */
  readonly schemas: SchemaRegistry | undefined;
  /** Event types whose messages are urgent (`priorities`), when any are. */
  readonly urgentTypes: ReadonlySet<string> | undefined;
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
  /** The relay rebuilt from its wire form (see `relay.ts`), or `undefined` when no reviver knows its tag. */
  _relayRef?(path: string, relay: RelayForm): ActorRef | undefined;
  /** Sends `event` to every subscriber of a matching topic, on any node (choreography). */
  publish(event: ArborEvent): void;
  /**
   * Deletes the stored state of the durable actor at `path`, which exited for good or was deleted
   * while it ran on another node (the owner's half of it calls this). Asynchronous; failures are
   * logged. A system without durable state does nothing.
   */
  forgetState(path: string): void;
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
  /** Set for a durable actor: its state is committed to the system's store and resumed (see `src/durable`). */
  durable?: NormalizedDurableOptions | undefined;
}

/** Each cell's logger, made when it first logs (most never do): a map, not a field per actor. */
const loggers = new WeakMap<object, Logger>();

export abstract class Cell implements Runnable {
  /** @internal */
  _scheduled = false;
  /** @internal the dispatcher's estimate of ms per message (see `Runnable._cost`) */
  _cost: number | undefined = undefined;
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
  /** The incarnation number before the first (0; a remote child's start from a time-based base, unique across restarts). */
  protected get firstIncarnation(): number {
    return 0;
  }
  /** Made when first asked for (a ref's `result()`, an exit, retirement): idle actors never need it. */
  private _result: ResultSlot | undefined;
  /** The settled-once outcome behind `ref.result()`. */
  get result(): ResultSlot {
    return (this._result ??= new ResultSlot());
  }
  /** Whether accepted user messages go to the system's journal (a remote child's host journals them). */
  protected get journaled(): boolean {
    return true;
  }
  /**
   * No message queued now arrived before this (for the oldest message's age): set when the user
   * queue goes from empty to not empty, and after a turn that leaves messages queued.
   */
  private backlogSince = 0;
  /** With a meter: the clock time each queued user message arrived, oldest first, and the label of its logic. */
  private readonly metered: { readonly stamps: Deque<number>; readonly label: string } | undefined;
  /** The user message the last {@link tell} queued, until the next turn: what {@link receipt} is for. */
  private lastQueued: object | undefined;
  /** Made on the first {@link receipt} or {@link allSettled}: most actors never get one. */
  private receipts: Receipts | undefined;
  /**
   * Pending {@link hold}s, and the control operation in flight (one at a time): while any is
   * pending, the cell takes no message. One count for both, not a flag more per actor.
   */
  private holds = 0;
  private _ref: ActorRef | undefined;

  constructor(init: CellInit) {
    this.system = init.system;
    this.path = init.path;
    this.id = init.id;
    this.parent = init.parent;
    this.mailbox = new Mailbox(init.mailbox);
    if (init.system.meter !== undefined) this.metered = { stamps: new Deque<number>(16), label: this.metricsLabelOf(init.logic) };
  }

  /** @internal With a meter: the label of its logic (see `logicLabel`). */
  get _metricsLabel(): string | undefined {
    return this.metered?.label;
  }

  /** With a meter: the clock time each queued user message arrived, oldest first. */
  private get stamps(): Deque<number> | undefined {
    return this.metered?.stamps;
  }

  /**
   * Whether a meter or a tracer watches each message: the run loop takes its observed path. Read
   * from the system (not a field per cell: 100 k workers are a benchmark).
   */
  private get observed(): boolean {
    return this.system.meter !== undefined || this.system.tracer !== undefined;
  }

  /** Whether sends are checked against schemas or per-type priorities: `tell` takes its checked path. */
  private get checked(): boolean {
    return this.system.schemas !== undefined || this.system.urgentTypes !== undefined;
  }

  /** The structured logger of this actor (`actor` = its path). */
  get log(): Logger {
    let log = loggers.get(this);
    if (log === undefined) loggers.set(this, (log = this.system.logger.child({ actor: this.path })));
    return log;
  }

  /** The ref of this cell; one object for the cell's whole life. */
  get ref(): ActorRef {
    return (this._ref ??= this.createRef());
  }

  // --- what concrete cells provide --------------------------------------------------------

  protected abstract createRef(): ActorRef;
  /** The metrics label of this cell's logic (called from the constructor: must not read fields). */
  protected metricsLabelOf(logic: unknown): string {
    return logicLabel(logic);
  }
  /** Starts a new incarnation. Must set `status = 'running'` and bump `incarnation`. */
  protected abstract startIncarnation(): void;
  /** Stops the incarnation gracefully, as far as `shutdown` allows; resolves when it is stopped. */
  protected abstract stopIncarnation(shutdown: Shutdown): Promise<void>;
  /** Stops the incarnation at once, skipping graceful steps. */
  protected abstract killIncarnation(): void;
  /** Feeds up to `budget` user messages to a running incarnation; returns how many. */
  protected abstract processUser(budget: number): number;
  abstract getSnapshot(): unknown;

  /**
   * This actor (and, for a supervisor, its subtree unless `_subtree` is false) for `describe()`
   * and `arbor status`.
   */
  describe(_subtree = true): TreeNode {
    const node: TreeNode = { path: this.path, id: this.id, type: 'worker', status: this.status, node: this.system.node };
    return this.describeCommon(node);
  }

  /** Adds what every cell knows (restarts, a non-empty mailbox) to a tree row. */
  protected describeCommon(node: TreeNode): TreeNode {
    if (this.incarnation - this.firstIncarnation > 1) node.restarts = this.incarnation - this.firstIncarnation - 1;
    if (this.mailbox.user.size > 0) node.mailbox = this.mailboxStats();
    return node;
  }

  /** The mailbox's depth and the age of its oldest message (see {@link MailboxStats}). */
  mailboxStats(): MailboxStats {
    const depth = this.mailbox.user.size;
    if (depth === 0) return { depth, oldestAge: 0 };
    return { depth, oldestAge: Math.max(0, this.system.clock.now() - this.backlogSince) };
  }

  /** This actor in detail, for the inspector; cells that know more (XState workers) add to it. */
  detail(): ActorDetail {
    const row = this.describe(false);
    const detail: ActorDetail = {
      path: this.path,
      node: row.node,
      type: row.type,
      status: this.status,
      mailbox: this.mailboxStats(),
      restarts: Math.max(0, this.incarnation - this.firstIncarnation - 1),
      recentEvents: [],
    };
    if (row.state !== undefined) detail.state = row.state;
    const snapshot = this.getSnapshot() as { context?: unknown } | undefined;
    if (snapshot && 'context' in snapshot) detail.context = jsonText(snapshot.context, DETAIL_TEXT_LIMIT);
    return detail;
  }

  /** The logic this cell runs, for a diagram of it (`undefined` when there is none to draw). */
  drawable(): unknown {
    return undefined;
  }

  // --- messaging ----------------------------------------------------------------------------

  /**
   * Delivers a user message (already checked to be an event). Never throws, except under the
   * `'throw'` overflow policy and for an event its schema refuses (`INVALID_EVENT`,
   * `SCHEMA_VERSION`): both on the sender's stack.
   */
  tell(event: ArborEvent, from?: string, urgent = false): void {
    if (this.checked) urgent = this.check(event, urgent);
    this.lastQueued = undefined;
    if (this.status === 'stopped') {
      this.system.deadLetter(this.path, event, new ArborError('ACTOR_STOPPED', `actor ${this.path} is stopped`, { path: this.path }));
      return;
    }
    if (this.mailbox.user.size === 0) this.backlogSince = this.system.clock.now();
    const displaced = this.mailbox.offerUser(event, urgent);
    if (this.observed && displaced !== event) {
      if (this.stamps !== undefined) {
        if (displaced !== undefined) this.stamps.shift();
        this.stamps.push(this.system.clock.now());
      }
      this.system.tracer?.accepted(event, this.path);
    }
    if (displaced !== undefined) {
      if (displaced !== event && this.receipts !== undefined) this.receipts.discardedFront(displaced, this.takenCount());
      this.system.deadLetter(
        this.path,
        displaced,
        new ArborError('MAILBOX_FULL', `mailbox of ${this.path} is full (capacity ${this.mailbox.options.capacity})`, {
          path: this.path,
          capacity: this.mailbox.options.capacity,
        }),
      );
    }
    if (displaced !== event) {
      if (this.receipts !== undefined) this.receipts.accepted++;
      this.lastQueued = event;
    }
    if (this.system.journal !== undefined && this.journaled && displaced !== event) {
      const sender = from ?? this.system._sender;
      this.system.journal.append(
        sender === undefined ? { node: this.system.node, to: this.path, at: this.system.clock.now(), event } : { node: this.system.node, to: this.path, at: this.system.clock.now(), event, from: sender },
      );
    }
    if (this.status === 'running' && !this._scheduled && !this.blocked) this.system.dispatcher.schedule(this);
  }

  /** Schema check (throws on the sender's stack) and per-type priority, for systems that have them. */
  private check(event: ArborEvent, urgent: boolean): boolean {
    const { schemas, urgentTypes } = this.system;
    schemas?.assert(event);
    return urgent || (urgentTypes !== undefined && urgentTypes.has(event.type));
  }

  // --- receipts: when a queued message is settled (the transport acks on it) -------------------

  /**
   * A promise for the user message just queued by {@link Cell.tell} (call it right after, on the
   * same stack): it resolves once that message is settled — processed, dead-lettered with a reason,
   * or held by someone who answers for it (a remote child's owner window until its host reports it
   * processed). A transport acks the broker message only then, so a crashed node's unprocessed
   * messages stay on the broker. Resolves at once when the message was not queued (it was
   * dead-lettered on arrival).
   *
   * With `work`, it waits also for the work the message started: for an XState worker, every
   * actor it invoked or spawned while processing the message has stopped (a pool worker is ready
   * for its next job only then; see `runtime/pool-server.ts`).
   *
   * Receipts follow message identity, not counts: an urgent message overtaking a normal one never
   * settles the normal one's receipt.
   */
  receipt(work = false): Promise<void> {
    const event = this.lastQueued;
    this.lastQueued = undefined;
    if (event === undefined) return Promise.resolve();
    return this.receiptsMade().forQueued(event, work);
  }

  /** The receipts, made now if they were not (counting from the messages queued now). */
  private receiptsMade(): Receipts {
    return (this.receipts ??= new Receipts(this.mailbox.user.size));
  }

  /**
   * Resolves once every user message queued now is settled (and any queued later that overtook
   * the last of them): the receipt of the message at the mailbox's tail, or, with an empty
   * mailbox, of the last message taken.
   */
  allSettled(): Promise<void> {
    const tail = this.mailbox.user.last();
    if (tail !== undefined && typeof tail === 'object') {
      this.lastQueued = tail;
      return this.receipt();
    }
    const receipts = this.receiptsMade();
    const at = this.takenCount();
    if (this.settledCount() >= at) return Promise.resolve();
    return receipts.forTaken(at);
  }

  /**
   * How many user messages were taken from the mailbox to be processed (or forwarded), counted
   * from the making of the receipts (0 before): only ever compared with counts taken the same way.
   */
  private takenCount(): number {
    const receipts = this.receipts;
    return receipts === undefined ? 0 : receipts.takenCount(this.mailbox.user.size);
  }

  /**
   * How many of the messages taken are settled. Taken messages settle in take order: by default,
   * every message taken is settled once the turn that took it has returned. A cell that answers
   * for messages after they leave its mailbox (a remote child's window; a durable actor's
   * uncommitted state) subtracts those, which are always the last taken, and calls
   * {@link Cell.settleReceipts} when they are settled.
   */
  protected settledCount(): number {
    // A durable actor's message whose commit is in flight is not settled yet: its ack waits for it.
    return this.takenCount() - this.unfinished;
  }

  /** Whether a receipt waits on a message of this cell (queued or taken): someone acks on its settling. */
  protected get receiptsWaiting(): boolean {
    const receipts = this.receipts;
    return receipts !== undefined && (receipts.takenWaiting || receipts.queuedWaiting);
  }

  /** Resolves the receipts of every settled message. */
  protected settleReceipts(): void {
    const receipts = this.receipts;
    if (receipts === undefined || !receipts.takenWaiting) return;
    receipts.settle(this.settledCount(), this.takenCount());
  }

  /**
   * {@link processUser} one message at a time while receipts wait, so each receipt learns its
   * message's place in take order (and, with `work`, what work its processing started).
   */
  private processReceipted(receipts: Receipts, budget: number): number {
    let n = 0;
    while (n < budget && !this.blocked && this.status === 'running' && this.mailbox.user.size > 0) {
      if (!receipts.queuedWaiting) return n + this.processSome(budget - n);
      const event = this.mailbox.user.peek() as ArborEvent;
      const before = this.takenCount();
      const r = receipts.next(event, before);
      const mark = r?.work === true ? this.workMark() : undefined;
      const k = this.processSome(1);
      if (k === 0) break;
      n += k;
      if (r === undefined || this.takenCount() !== before + 1) continue;
      receipts.took(r, event, before + 1, r.work ? this.workSince(mark) : undefined);
    }
    return n;
  }

  private processSome(budget: number): number {
    return this.observed ? this.processObserved(budget) : this.processUser(budget);
  }

  /**
   * Marks the start of one message's processing, for {@link workSince}. Cells that can tell what
   * work a message started (an XState worker: the actors it invokes or spawns) override both.
   */
  protected workMark(): unknown {
    return undefined;
  }

  /** When the work started by the message processed since `mark` is finished (`undefined`: none to wait for). */
  protected workSince(mark: unknown): Promise<void> | undefined {
    void mark;
    return undefined;
  }

  /** Queues a control operation; it runs before any queued user message. */
  post(message: ControlMessage): void {
    this.mailbox.pushSystem(message);
    if (!this._scheduled && !this.blocked) this.system.dispatcher.schedule(this);
  }

  /**
   * Whether a control operation could run now, on the caller's stack, in the order it would have
   * run from the mailbox: nothing queued or in flight before it (no system message, not blocked
   * by an async operation or a hold) and the cell not on the run queue. A cell whose own work can
   * call back into it must also know it is not inside such work (see `SupervisorCell`).
   */
  protected get controlIdle(): boolean {
    return !this._scheduled && !this.blocked && this.mailbox.systemSize === 0;
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
    while (!this.blocked && this.mailbox.systemSize > 0) {
      const m = this.mailbox.system.shift() as ControlMessage;
      n++;
      this.runControl(m);
    }
    if (!this.blocked && this.status === 'running' && this.mailbox.user.size > 0) {
      this.lastQueued = undefined;
      const receipts = this.receipts;
      if (receipts !== undefined && receipts.takenWaiting) receipts.reclaim(this.takenCount());
      const budget = Math.max(1, throughput - n);
      const taken = receipts !== undefined && receipts.queuedWaiting ? this.processReceipted(receipts, budget) : this.processSome(budget);
      // A clock read only for a turn that leaves a backlog, not per message: enough to tell a stuck
      // mailbox from a draining one, and free for an actor that keeps up.
      if (taken > 0 && this.mailbox.user.size > 0) this.backlogSince = this.system.clock.now();
      n += taken;
    }
    if (this.receipts !== undefined) this.settleReceipts();
    return n;
  }

  /** {@link processUser} one message at a time, each timed for the meter and traced. */
  private processObserved(budget: number): number {
    const { meter, tracer } = this.system;
    const traced = tracer !== undefined && this.tracesProcessing();
    let n = 0;
    while (n < budget && !this.blocked && this.status === 'running' && this.mailbox.user.size > 0) {
      const started = performance.now();
      if (traced) tracer.begin(this.mailbox.user.peek() as ArborEvent, this.path);
      const k = this.processUser(1);
      if (traced) tracer.end();
      if (k === 0) break;
      n += k;
      this.stamps?.shift();
      meter?.processed(this._metricsLabel as string, (performance.now() - started) / 1000);
    }
    return n;
  }

  /** Whether processing a message here is a `process` span (a remote child's owner only forwards it). */
  protected tracesProcessing(): boolean {
    return true;
  }

  /**
   * With a meter: how long (clock ms) the oldest queued user message has waited, 0 when none.
   * Messages a cell takes from its queue other than by processing them are reconciled here by
   * count (the stamps of the oldest go first), so after a remote child re-queues its window this
   * may read younger than the truth, never older.
   */
  oldestQueuedAge(now: number): number {
    const stamps = this.stamps;
    if (stamps === undefined) return 0;
    while (stamps.size > this.mailbox.user.size) stamps.shift();
    const oldest = stamps.peek();
    return oldest === undefined || this.mailbox.user.size === 0 ? 0 : Math.max(0, now - oldest);
  }

  hasWork(): boolean {
    return !this.blocked && (this.mailbox.systemSize > 0 || (this.status === 'running' && this.mailbox.user.size > 0));
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
      this.holds++;
      r.catch((err: unknown) => this.log.error({ err: toError(err), op: m.name }, 'system message failed')).finally(() => {
        this.holds--;
        this.wake();
      });
    }
  }

  /** Whether this actor drops a message whose `messageId` it has processed (a durable one does). */
  get dropsProcessedIds(): boolean {
    return false;
  }

  /**
   * Messages taken from the mailbox whose processing has not finished yet (a durable actor's
   * message until its commit is durable): a host reports them processed only after.
   */
  get unfinished(): number {
    return 0;
  }

  private get blocked(): boolean {
    return this.holds > 0;
  }

  /**
   * Takes no message (control or user) until `until` settles, then runs again: a durable actor
   * holds itself while the commit of the message it just processed is in flight.
   */
  protected hold(until: Promise<unknown>): void {
    this.holds++;
    const release = (): void => {
      this.holds--;
      // What the hold waited for (a durable commit) may settle messages: their acks can go now.
      if (this.receipts !== undefined) this.settleReceipts();
      this.wake();
    };
    until.then(release, release);
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
    // An actor that exited normally has its result already: no error (and no stack trace) to make.
    if (!this.result.settled) this.result.reject(reason ?? new ArborError('ACTOR_STOPPED', `actor ${this.path} was stopped`, { path: this.path }));
    // Most actors retire with an empty mailbox: build the dead-letter reason only when needed.
    if (this.mailbox.user.size === 0) return this.settleReceipts();
    const dead = new ArborError('ACTOR_STOPPED', `actor ${this.path} stopped before this message was processed`, {
      path: this.path,
    }, { cause: reason });
    // Every queued message is dead-lettered (on this stack, before its receipt's callbacks run): settled.
    for (const m of this.takeQueued()) this.system.deadLetter(this.path, m, dead);
  }

  /**
   * Drops the queued user messages without dead-lettering them: they belong to a broker queue
   * that hands them to another node (a singleton whose lease moved on). Their receipts settle, so
   * whoever waits on them must tell a drop from processing (see `src/durable/singletons.ts`).
   */
  abandonQueued(): void {
    this.takeQueued();
  }

  /**
   * Removes the queued user messages and returns them to a caller that answers for them from now
   * on (dead-letters them, or sends them on): their receipts settle. They resolve on this stack,
   * so their callbacks (a transport's ack) run only after the caller has done so.
   */
  takeQueued(): ArborEvent[] {
    if (this.mailbox.user.size === 0) return [];
    const drained = this.mailbox.user.drain();
    this.stamps?.drain();
    this.receipts?.discardAll(drained.length);
    this.settleReceipts();
    return drained;
  }

  /**
   * The actor was removed for good (its supervisor deleted it): it will never run again, so
   * whatever it keeps beyond its cell (a durable actor's stored state) can go.
   */
  discard(): void {}

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
