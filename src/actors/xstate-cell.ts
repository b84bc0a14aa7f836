/**
 * XState logic as an Arbor worker. The runtime owns the mailbox; the XState actor only ever sees
 * one event at a time, handed over by the dispatcher. A snapshot with status `'done'` is a normal
 * exit (its output is the result); status `'error'` is a crash, and the message being processed
 * at that moment goes to dead letters with the error. Each restart is a fresh `createActor`.
 *
 * Graceful stop: a worker whose current state accepts `{ type: 'arbor.shutdown' }` receives it
 * first and may finish (reach a final state, running its exit actions) within its `shutdown`
 * time; any other worker is stopped at once. XState's `stop()` runs no exit actions, so
 * cleanup that must happen belongs on the `arbor.shutdown` path.
 *
 * Fidelity to `createActor` (issue 18, see the README's "Where Arbor differs from createActor"):
 * an incarnation that ends, however it ends, leaves no child or timer behind; the asks it owed a
 * reply fail at once (`ACTOR_CRASHED` with its crash, `ACTOR_STOPPED` when it reaches a final state); an event no state handles is dead-lettered with `UNHANDLED_EVENT`
 * when it carries a `replyTo` (or always, with `unhandledEvents: 'all'`); an `xstate.*` event is
 * never handed to the machine; and an XState actor that stops without Arbor asking is a crash.
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type Snapshot } from 'xstate';
import { ArborError, InvalidSpecError, toError } from '../runtime/errors.js';
import { Cell, type CellFactory, type CellInit, type Shutdown, type TreeNode } from '../runtime/index.js';
import { EVENT_TEXT_LIMIT, jsonText, stateValueText, type ActorDetail } from '../runtime/actor-detail.js';
import type { ArborEvent } from '../runtime/event.js';
import { inspectedActorAt } from '../runtime/inspection.js';
import { SCHEME } from '../runtime/paths.js';
import { LocalActorRef, type ActorRef } from '../runtime/ref.js';
import type { RefObservers } from '../runtime/ref-features.js';
import { askReplyRef, failInFlight, failUnowed, OwedAsks } from './owed-asks.js';
import { invalidMessage, namesEvent, unhandledEvent } from './unhandled.js';
import { bridgeSystem, ParentLink, xstateClockOf, XSTATE_WORKER, type BridgedWorker } from './xstate-system.js';

/** The event a worker gets when asked to stop gracefully, if its current state handles it. */
export const SHUTDOWN_EVENT = { type: 'arbor.shutdown' } as const;

const NONE = Symbol('none');

type Exit = { outcome: 'normal'; output: unknown } | { outcome: 'crash'; error: Error };

/** XState 5 internals used here: stopping any actor (a root with a `_parent` refuses `stop()`) and relaying with a source. */
interface ActorInternals {
  _stop(): void;
  _send(event: unknown): void;
  system: { _relay(source: AnyActorRef | undefined, target: AnyActorRef, event: unknown): void };
}

/** How many processed events a worker remembers for the inspector. */
const RECENT_EVENTS = 8;

/** True for anything `createActor` accepts: XState actor logic has `transition` and `getInitialSnapshot`. */
export function isActorLogic(logic: unknown): logic is AnyActorLogic {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    typeof (logic as AnyActorLogic).transition === 'function' &&
    typeof (logic as AnyActorLogic).getInitialSnapshot === 'function'
  );
}

/**
 * The path of the parent of the actor at `path`: the parent's own path string when it is that
 * prefix (a supervisor here), which costs nothing, else a slice (a hosted child, whose parent
 * object stands in for one on another node), which is a string of its own per worker.
 */
function parentPathOf(path: string, parentPath: string): string {
  const end = path.lastIndexOf('/');
  return end === parentPath.length && path.startsWith(parentPath) ? parentPath : path.slice(0, end);
}

/** State machines (not callback, promise or transition logic) say when no transition took an event. */
function isMachineLogic(logic: unknown): boolean {
  return typeof (logic as { getStateNodeById?: unknown }).getStateNodeById === 'function';
}

/** Stops every child the snapshot still lists (XState leaves them running when a machine errors). */
function stopChildren(snapshot: unknown): void {
  const children = (snapshot as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children;
  if (!children) return;
  for (const child of Object.values(children)) if (child) (child as unknown as ActorInternals)._stop();
}

/** The work one message started: the actors it started, until all have stopped. */
interface Work {
  children: AnyActorRef[];
  resolve: () => void;
}

/** The children a snapshot lists that are still running. */
function activeChildren(snapshot: unknown): AnyActorRef[] {
  const children = (snapshot as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children;
  if (!children) return [];
  const out: AnyActorRef[] = [];
  for (const child of Object.values(children)) if (child && isActive(child)) out.push(child);
  return out;
}

function isActive(actor: AnyActorRef): boolean {
  return (actor.getSnapshot() as { status?: string } | undefined)?.status === 'active';
}

/** Per inspected system: who sent each queued event, to report both ends (one map, not one per worker). */
const eventSources = new WeakMap<object, WeakMap<object, string>>();

function sourcesOf(system: object): WeakMap<object, string> {
  let sources = eventSources.get(system);
  if (sources === undefined) eventSources.set(system, (sources = new WeakMap()));
  return sources;
}

/** A ring of the last events a worker processed, written at `next`. */
interface RecentEvents {
  events: ArborEvent[];
  next: number;
}

/** XState's `log` action output of a worker, through pino (bound to its cell). */
function xstateLog(this: XStateCell, ...args: unknown[]): void {
  this.log.info({ xstate: args }, 'xstate log');
}

/** The options an XState 5 actor keeps (what `start` reads back: `input`, `devTools`). */
interface ActorOptions {
  clock?: unknown;
  logger?: unknown;
  devTools?: unknown;
  id?: unknown;
  input?: unknown;
  inspect?: unknown;
  snapshot?: unknown;
  [key: string]: unknown;
}

/** The keys {@link compactOptions} copies by name: XState's defaults (`clock`, `logger`, `devTools`) and what a worker passes. */
const OPTION_KEYS = new Set(['clock', 'logger', 'devTools', 'id', 'input', 'inspect', 'snapshot']);

/**
 * Whether XState's options may hold keys beyond {@link OPTION_KEYS}: checked on the first actor
 * (its defaults are one constant object), then the `for...in` over every actor's options, a
 * tenth of a worker's spawn time (each options object has a hidden class of its own, so the
 * enumeration is never cached), is skipped.
 */
let extraOptionKeys: boolean | undefined;

/**
 * Replaces the options object an XState actor kept by a copy of one shape for every worker. The
 * actor builds it as `{ ...defaults, ...options }`, and every key its defaults lack (`id`, always)
 * gives that object a hidden class and a property array of its own, about 240 bytes a worker;
 * this copy shares one hidden class (one of three: with no `input`, with one, with `inspect` or
 * `snapshot`; the smaller, the fewer bytes a worker) and the original is collected. XState
 * reads the options back only in `start` (`input`, `devTools`), and the copy has every key the
 * original had (the third shape also the two it may lack, as `undefined`).
 */
function compactOptions(actor: AnyActorRef): void {
  const kept = actor as unknown as { options: ActorOptions };
  const o = kept.options;
  const copy: ActorOptions =
    o.inspect !== undefined || o.snapshot !== undefined
      ? { clock: o.clock, logger: o.logger, devTools: o.devTools, id: o.id, input: o.input, inspect: o.inspect, snapshot: o.snapshot }
      : 'input' in o
        ? { clock: o.clock, logger: o.logger, devTools: o.devTools, id: o.id, input: o.input }
        : { clock: o.clock, logger: o.logger, devTools: o.devTools, id: o.id };
  if (extraOptionKeys !== false) {
    let extra = false;
    for (const key in o) {
      if (OPTION_KEYS.has(key)) continue;
      copy[key] = o[key];
      extra = true;
    }
    extraOptionKeys ??= extra;
  }
  kept.options = copy;
}

/** XState 5's set of an actor's observers (what `subscribe` adds to). */
interface ObservedActor {
  observers: Set<unknown>;
}

export class XStateCell extends Cell implements BridgedWorker {
  declare readonly [XSTATE_WORKER]: true;
  /** Made on the first ask this worker takes. */
  owed: OwedAsks | undefined;
  protected readonly logic: AnyActorLogic;
  private readonly input: unknown;
  /** The persisted snapshot the next incarnation starts from (a durable cell sets it to what it loaded). */
  protected snapshot: unknown;
  /** Made when someone first subscribes to or listens on this worker's ref. */
  private observers: RefObservers | undefined;
  /** The `_parent` of its XState actors: the link its parent's workers share. */
  private readonly parentLink: ParentLink | undefined;
  protected actor: AnyActorRef | undefined;
  private lastSnapshot: unknown;
  /** The user message being processed, so a crash can dead-letter it. */
  private current: ArborEvent | typeof NONE = NONE;
  /**
   * What waits on this incarnation, made on first use (pool jobs and graceful stops only): the
   * work started by messages whose receipt waits for it (the actors each started, until all have
   * stopped), and the resolver of a graceful stop, called once the actor is no longer active.
   */
  private waits: { works: Work[]; settled: (() => void) | undefined } | undefined;
  /** The last {@link RECENT_EVENTS} events processed (made on the first). */
  private recent: RecentEvents | undefined;

  /**
   * True when the logic names `arbor.shutdown` itself. A wildcard (`'*'`) transition does not
   * count: such a machine would swallow the request and be killed only after `shutdown` ms.
   * Read at a stop only, so computed then (not a field per worker).
   */
  private get gracefulShutdown(): boolean {
    const events = (this.logic as { events?: unknown }).events;
    return Array.isArray(events) && events.includes(SHUTDOWN_EVENT.type);
  }

  constructor(init: CellInit) {
    super(init);
    this.logic = init.logic as AnyActorLogic;
    this.input = init.input;
    this.snapshot = init.snapshot;
    if (this.snapshot !== undefined && (typeof this.snapshot !== 'object' || this.snapshot === null)) {
      throw new InvalidSpecError('snapshot', this.snapshot, 'must be a persisted snapshot (ref.getPersistedSnapshot())');
    }
    // A hosted child's parent lives on another node: its link routes by path all the same.
    const parent = init.parent;
    const parentPath = parent ? parentPathOf(this.path, parent.path) : undefined;
    this.parentLink = parent !== undefined && parentPath !== undefined && parentPath.length > SCHEME.length ? ParentLink.of(parent, this.system, parentPath) : undefined;
  }

  /**
   * XState's `log` action output, through pino. One function per cell, made once: a fresh closure
   * per `createActor` would give every actor's options object its own hidden class.
   */
  private readonly xstateLogger: (...args: unknown[]) => void = xstateLog.bind(this);

  /** @internal Someone observes this worker's ref: feed its observers from now on. */
  _observed(observers: RefObservers): void {
    this.observers = observers;
    if (this.actor) this.listen(this.actor);
  }

  private listen(actor: AnyActorRef): void {
    actor.on('*', (event: ArborEvent) => this.observers?.emit(event, (err) => this.log.error({ err: toError(err) }, 'an emitted-event listener threw')));
  }

  /** The actors this incarnation runs now (invoked or spawned). */
  protected override workMark(): unknown {
    return new Set(activeChildren(this.actor?.getSnapshot()));
  }

  /**
   * The message just processed started work if the actor runs children it did not run before:
   * that work is finished once all of them have stopped (an invoked promise settled, a spawned
   * actor reached its end or was stopped), or when this incarnation ends.
   */
  protected override workSince(mark: unknown): Promise<void> | undefined {
    const before = mark as Set<AnyActorRef>;
    const started = activeChildren(this.actor?.getSnapshot()).filter((c) => !before.has(c));
    if (started.length === 0) return undefined;
    return new Promise<void>((resolve) => this.waitsMade().works.push({ children: started, resolve }));
  }

  private waitsMade(): { works: Work[]; settled: (() => void) | undefined } {
    return (this.waits ??= { works: [], settled: undefined });
  }

  /** Resolves the works whose actors have all stopped (all of them when `all`). */
  private finishWorks(all: boolean): void {
    const waits = this.waits;
    if (waits === undefined || waits.works.length === 0) return;
    const works = waits.works;
    waits.works = all ? [] : works.filter((w) => w.children.some(isActive));
    for (const w of works) if (all || !w.children.some(isActive)) w.resolve();
  }

  // --- XState's observer of the current incarnation ------------------------------------------
  // The cell itself is in its XState actor's observer set (what `subscribe` does, without the
  // three bound methods, the copy and the subscription closure it makes per actor, nor an
  // observer object per incarnation): it is only ever in the set of `this.actor`, and `detach`
  // takes it out before an incarnation is stopped or replaced, so what XState calls here is
  // always about the current incarnation.

  /** @internal XState's observer `next`: a snapshot of the current incarnation. */
  next(snapshot: { status: string; output?: unknown }): void {
    if (this.actor) this._next(this.actor, snapshot);
  }

  /** @internal XState's observer `complete`: after 'done' the actor is detached already; any other is a stop nobody asked for. */
  complete(): void {
    const path = this.path;
    if (this.actor) this._ended(this.actor, { outcome: 'crash', error: new ArborError('ACTOR_STOPPED', `the XState actor of ${path} stopped without Arbor asking`, { path }) });
  }

  /**
   * @internal XState's observer `error`, which it reads off the observer and calls unbound: a
   * closure made when it is read (when the incarnation fails), not one kept per worker.
   */
  get error(): (err: unknown) => void {
    const actor = this.actor;
    return (err: unknown) => {
      if (actor) this._ended(actor, { outcome: 'crash', error: toError(err) });
    };
  }

  /** @internal A snapshot of `actor` (XState's `next`). */
  _next(actor: AnyActorRef, snapshot: { status: string; output?: unknown }): void {
    if (this.waits !== undefined && this.waits.works.length > 0) this.finishWorks(false);
    if (this.observers?.observed && actor === this.actor) this.observers.next(snapshot);
    if (snapshot.status === 'done') this.ended(actor, { outcome: 'normal', output: snapshot.output });
  }

  /** @internal The XState actor of the current incarnation, if one runs (what a simulated crash is armed for). */
  get _actor(): AnyActorRef | undefined {
    return this.actor;
  }

  protected createRef(): ActorRef {
    return new LocalActorRef(this);
  }

  getSnapshot(): unknown {
    return this.actor ? this.actor.getSnapshot() : this.lastSnapshot;
  }

  /** XState's persisted snapshot of the current (or last) incarnation; `system.spawn(logic, { snapshot })` restores it. */
  getPersistedSnapshot(): unknown {
    if (this.actor) return this.actor.getPersistedSnapshot();
    return this.lastSnapshot === undefined ? undefined : this.logic.getPersistedSnapshot(this.lastSnapshot);
  }

  override tell(event: ArborEvent, from?: string, urgent = false): void {
    if (this.system.inspect && typeof event === 'object' && event !== null) {
      const sender = from ?? this.system._sender;
      if (sender !== undefined) sourcesOf(this.system).set(event, sender);
    }
    super.tell(event, from, urgent);
  }

  override describe(): TreeNode {
    const node: TreeNode = { path: this.path, id: this.id, type: 'worker', status: this.status, node: this.system.node };
    const state = stateValueText((this.getSnapshot() as { value?: unknown } | undefined)?.value);
    if (state !== undefined) node.state = state;
    return this.describeCommon(node);
  }

  override detail(): ActorDetail {
    const detail = super.detail();
    const nodes = (this.getSnapshot() as { _nodes?: ReadonlyArray<{ id: string }> } | undefined)?._nodes;
    if (Array.isArray(nodes)) detail.activeStates = nodes.map((n) => n.id);
    const recent = this.recent;
    const n = recent === undefined ? 0 : recent.events.length;
    for (let i = 0; i < n; i++) detail.recentEvents.push(jsonText((recent as RecentEvents).events[((recent as RecentEvents).next + i) % n], EVENT_TEXT_LIMIT));
    return detail;
  }

  override drawable(): unknown {
    // A state machine (it has states to draw); other actor logic (promises, callbacks) has none.
    return typeof (this.logic as { root?: unknown }).root === 'object' ? this.logic : undefined;
  }

  protected startIncarnation(): void {
    this.incarnation++;
    // `input` only when there is one (XState reads `options.input` either way). The options
    // object XState keeps is then replaced by one of a shared shape (see `compactOptions`).
    // Built by assignment, not by spreading conditional literals: no throwaway object per worker.
    const options: ActorOptions = { clock: xstateClockOf(this.system), id: this.path };
    if (this.input !== undefined) options.input = this.input;
    if (this.system.inspect) options.inspect = this.system.inspect;
    if (this.snapshot !== undefined) options.snapshot = this.snapshot as Snapshot<unknown>;
    options.logger = this.xstateLogger;
    const actor = createActor(this.logic, options as Parameters<typeof createActor>[1]);
    compactOptions(actor);
    bridgeSystem(actor, this, this.parentLink);
    this.actor = actor;
    this.status = 'running';
    (actor as unknown as ObservedActor).observers.add(this);
    if (this.observers) this.listen(actor);
    this.beforeStart(actor);
    actor.start();
  }

  /** Called with each incarnation's XState actor just before it starts (a durable cell watches its scheduler here). */
  protected beforeStart(actor: AnyActorRef): void {
    void actor;
  }

  /** @internal How `actor` ended, unless it is not the current incarnation any more. */
  _ended(actor: AnyActorRef, exit: Exit): void {
    this.ended(actor, exit);
  }

  private ended(actor: AnyActorRef, exit: Exit): void {
    if (actor !== this.actor) return;
    this.lastSnapshot = actor.getSnapshot();
    this.detach();
    // Whatever ended it, nothing of this incarnation may keep running (or keep timers).
    stopChildren(this.lastSnapshot);
    this.finishWorks(true);
    const owed = this.owed?.drain() ?? [];
    if (this.status === 'stopping') {
      // Ending during a graceful stop is the stop completing, not an exit to report. Asks it owed
      // are left to their timeout or to the shutdown that stops it (SYSTEM_SHUTDOWN).
      this.waits?.settled?.();
      return;
    }
    if (exit.outcome === 'crash') {
      failInFlight(this.system, this.path, exit.error, this.current === NONE ? undefined : this.current, owed);
      this.current = NONE;
    } else failUnowed(this.system, this.path, owed);
    this.exited(exit);
  }

  private detach(): void {
    if (this.actor) (this.actor as unknown as ObservedActor).observers.delete(this);
    this.actor = undefined;
  }

  protected processUser(budget: number): number {
    const queue = this.mailbox.user;
    const system = this.system;
    let n = 0;
    // What the actor sends while it processes (XState runs `sendTo` synchronously inside `send`)
    // is journalled with this actor as its sender.
    const outer = system._sender;
    system._sender = this.path;
    while (n < budget && this.status === 'running') {
      const event = queue.shift();
      if (event === undefined) break;
      n++;
      // However it got here (a transport that skipped the sender's check), XState never sees it.
      const invalid = invalidMessage(this.path, event);
      if (invalid) {
        system.deadLetter(this.path, event, invalid);
        continue;
      }
      this.deliver(this.actor as AnyActorRef, event);
    }
    system._sender = outer;
    this.current = NONE;
    return n;
  }

  private deliver(actor: AnyActorRef, event: ArborEvent): void {
    this.current = event;
    // The inspector shows an actor's last events: a small ring, no copy.
    const recent = (this.recent ??= { events: [], next: 0 });
    if (recent.events.length < RECENT_EVENTS) recent.events.push(event);
    else recent.events[recent.next] = event;
    recent.next = (recent.next + 1) % RECENT_EVENTS;
    const replyTo = event.replyTo === undefined ? undefined : askReplyRef(event);
    if (replyTo) (this.owed ??= new OwedAsks(this.system)).took(replyTo, event);
    // Checked only for the events it matters for: an ask (fails at once) or every event under 'all'.
    if ((event.replyTo !== undefined || this.system.unhandledEvents === 'all') && isMachineLogic(this.logic) && !namesEvent(actor.getSnapshot(), event.type)) {
      this.unhandled(event, replyTo, actor.getSnapshot());
      return;
    }
    const inspect = this.system.inspect;
    if (inspect) {
      // One inspection event with both ends: the sender's XState actor, if it is on this node.
      const source = inspectedActorAt(inspect, sourcesOf(this.system).get(event));
      (actor as unknown as ActorInternals).system._relay(source, actor, event);
    } else {
      // What `actor.send` does through the system's relay, minus an inspection event nobody
      // observes (XState builds it before it looks for observers): one object per message.
      (actor as unknown as ActorInternals)._send(event);
    }
  }

  private unhandled(event: ArborEvent, replyTo: object | undefined, snapshot: unknown): void {
    if (replyTo) this.owed?.paid(replyTo);
    const state = (snapshot as { value?: unknown }).value;
    this.system.deadLetter(this.path, event, unhandledEvent(this.path, event.type, state));
  }

  protected async stopIncarnation(shutdown: Shutdown): Promise<void> {
    const actor = this.actor;
    if (!actor) return;
    this.status = 'stopping';
    const snapshot = actor.getSnapshot() as { status: string; can?: (e: unknown) => boolean };
    if (shutdown !== 'brutal_kill' && this.gracefulShutdown && snapshot.status === 'active' && snapshot.can?.(SHUTDOWN_EVENT)) {
      const waits = this.waitsMade();
      const settled = new Promise<void>((resolve) => (waits.settled = resolve));
      actor.send(SHUTDOWN_EVENT);
      if (this.actor === actor) await settled; // the caller bounds this wait by `shutdown`
      waits.settled = undefined;
    }
    this.killIncarnation();
  }

  protected killIncarnation(): void {
    const actor = this.actor;
    const waits = this.waits;
    if (waits !== undefined) {
      waits.settled?.();
      waits.settled = undefined;
    }
    if (actor) {
      this.detach();
      // Stopping runs XState's own stop: children and delayed events go, the status is 'stopped'.
      (actor as unknown as ActorInternals)._stop();
      this.lastSnapshot = actor.getSnapshot();
      stopChildren(this.lastSnapshot);
      this.finishWorks(true);
      // Asks it owed are left to their timeout, or to the shutdown that stops it (SYSTEM_SHUTDOWN).
      this.owed?.drain();
    }
    this.status = 'suspended';
  }
}

// On the prototype, not a field per worker.
Object.defineProperty(XStateCell.prototype, XSTATE_WORKER, { value: true });

/** Makes worker cells for any XState actor logic. */
export const xstateCellFactory: CellFactory = {
  name: 'xstate',
  accepts: isActorLogic,
  create: (init) => new XStateCell(init),
};
