/**
 * Where a worker's XState actor meets the rest of the Arbor system. Each incarnation is its own
 * `createActor`, hence its own XState system; this file bends the few places where that would
 * make a machine behave differently from a plain `createActor` tree (issue 18):
 *
 * - `system.get(systemId)` consults the node's shared registry, so a worker finds an actor
 *   registered by another worker (or a root spawned with `systemId`); children spawned with a
 *   `systemId` inside a worker are entered there too, and removed when they stop.
 * - What a worker sends to an Arbor ref (`sendTo(ref, ...)`, a reply, `sendParent`) goes through
 *   that ref, with the worker as the sender; a `self` handed out in such an event becomes the
 *   worker's Arbor ref, which outlives the incarnation and routes through the mailbox; an event
 *   Arbor cannot carry (a class instance, a reserved `xstate.*` type) goes to dead letters with
 *   `INVALID_EVENT` instead of crashing the sending machine.
 * - A supervised worker's `_parent` is a {@link ParentLink}: `sendParent` reaches the supervisor's
 *   mailbox (a supervisor takes no user events, so they are dead-lettered there with
 *   `UNHANDLED_MESSAGE`), and XState's done/error events are dropped (the supervisor hears exits).
 *
 * These use XState internals (`_relay`, `_set`, `_unregister`, `_parent`, `_stop`, `_snapshot`), pinned by
 * the version in package.json and checked by `test/fidelity`.
 */
import type { AnyActorRef } from 'xstate';
import { ArborError, InvalidEventError, describe } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import { inspectedActorAt } from '../runtime/inspection.js';
import { SCHEME } from '../runtime/paths.js';
import type { ActorRef } from '../runtime/ref.js';
import type { CellContext } from '../runtime/cell.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { systemIdsOf, type SystemIds } from '../runtime/system-ids.js';
import type { OwedAsks } from './owed-asks.js';

/** The parts of XState's actor system (5.x) that are not in its public types. */
interface XStateSystemInternals {
  get(systemId: string): unknown;
  _set(systemId: string, actor: AnyActorRef): void;
  _unregister(actor: AnyActorRef & { systemId?: string }): void;
  _relay(source: AnyActorRef | undefined, target: unknown, event: unknown): void;
  _sendInspectionEvent(event: unknown): void;
}

/** What the bridge needs of the worker cell. */
export interface BridgedWorker {
  readonly path: string;
  readonly ref: ActorRef;
  readonly system: CellContext;
  readonly owed: OwedAsks | undefined;
  /** What `event` becomes on its way to `target` (a durable worker gives it a deterministic `messageId`). */
  outgoing?(target: ActorRef, event: unknown): unknown;
}

/** Where a worker's XState clock carries the Arbor system (see {@link arborSystemOf}). */
const ARBOR_SYSTEM = Symbol('arbor.system');

/**
 * The clock a worker gives `createActor`: its Arbor system's clock, marked with that system.
 * XState keeps the clock on its system (`_clock`) from the moment the actor is created, so a
 * machine's `context` factory, which runs inside `createActor`, before {@link bridgeSystem},
 * finds the mark too. One per Arbor system, shared by its workers: the mark costs a worker
 * nothing (marking each worker's logger cost a property array, or, on a prototype per system,
 * an `Object.setPrototypeOf` per worker, which cost more than the rest of the worker cell).
 */
class MarkedClock implements Clock {
  readonly [ARBOR_SYSTEM]: CellContext;

  constructor(
    private readonly clock: Clock,
    system: CellContext,
  ) {
    this[ARBOR_SYSTEM] = system;
  }

  now(): number {
    return this.clock.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.clock.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.clock.clearTimeout(handle);
  }
}

/** Per Arbor system: its {@link MarkedClock}. */
const markedClocks = new WeakMap<CellContext, MarkedClock>();

/** The clock `system`'s workers give `createActor` (see {@link MarkedClock}). */
export function xstateClockOf(system: CellContext): Clock {
  let clock = markedClocks.get(system);
  if (clock === undefined) markedClocks.set(system, (clock = new MarkedClock(system.clock, system)));
  return clock;
}

/**
 * The Arbor system an XState actor runs in (from `self.system`, or the `system` an actor logic
 * gets), or `undefined` outside Arbor (a plain `createActor`). Machines that must keep only plain
 * data in context (durable ones) keep paths and resolve them here when they send.
 */
export function arborSystemOf(xstateSystem: unknown): CellContext | undefined {
  const clock = (xstateSystem as { _clock?: unknown } | null | undefined)?._clock;
  return clock instanceof MarkedClock ? clock[ARBOR_SYSTEM] : undefined;
}

/** Marks the refs of XState workers: their receiving side reports each event with both ends. */
export const XSTATE_WORKER = Symbol('arbor.xstateWorker');

function isArborRef(target: unknown): target is ActorRef {
  const path = (target as { path?: unknown } | null)?.path;
  return typeof path === 'string' && path.startsWith(SCHEME) && typeof (target as { _send?: unknown })._send === 'function';
}

function isWorkerRef(target: ActorRef): boolean {
  return (target as { _cell?: Record<symbol, unknown> })._cell?.[XSTATE_WORKER] === true;
}

/** `event` with every top-level field that is `self` replaced by `ref` (copied only when one is). */
function swapSelf(event: unknown, self: AnyActorRef, ref: ActorRef): unknown {
  if (typeof event !== 'object' || event === null || Object.getPrototypeOf(event) !== Object.prototype) return event;
  let out: Record<string, unknown> | undefined;
  for (const key in event) {
    if ((event as Record<string, unknown>)[key] === self) (out ??= { ...(event as Record<string, unknown>) })[key] = ref;
  }
  return out ?? event;
}

/** Sends `event` to an Arbor ref; an event Arbor cannot carry is dead-lettered, never thrown into the machine. */
function sendToRef(worker: BridgedWorker, target: ActorRef, event: unknown): void {
  const system = worker.system;
  const outer = system._sender;
  system._sender = worker.path; // also for delayed sends, which fire outside the worker's turn
  try {
    target._send((worker.outgoing ? worker.outgoing(target, event) : event) as ArborEvent);
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw err;
    system.deadLetter(target.path, event, new ArborError('INVALID_EVENT', `${worker.path} sent an event Arbor cannot carry: ${err.message}`, { sender: worker.path, value: describe(event) }, { cause: err }));
  } finally {
    system._sender = outer;
  }
}

/** Per parent (a supervisor, or the stand-in of one on another node): the link its workers share. */
const parentLinks = new WeakMap<object, ParentLink>();

/**
 * The `_parent` of a supervised worker's XState actor: one per parent, shared by its workers
 * (one per worker was 48 bytes each). XState reaches it only through its system's `_relay`, which
 * the bridge bends to say which worker sends ({@link ParentLink.sendFrom}).
 */
export class ParentLink {
  readonly id: string;

  private constructor(
    private readonly system: CellContext,
    /** The supervisor's path. */
    readonly path: string,
  ) {
    this.id = path;
  }

  /** The link to the parent `owner` at `path`, made on its first worker. */
  static of(owner: object, system: CellContext, path: string): ParentLink {
    let link = parentLinks.get(owner);
    if (link === undefined || link.path !== path) {
      link = new ParentLink(system, path);
      parentLinks.set(owner, link);
    }
    return link;
  }

  /** The supervisor's XState actor session, so inspectors draw the worker under it. */
  get sessionId(): string {
    return inspectedActorAt(this.system.inspect, this.path)?.sessionId ?? `arbor:${this.path}`;
  }

  /** `worker` sends `event` to its parent (`undefined`: sent from elsewhere, with the link handed on in an event). */
  sendFrom(worker: BridgedWorker | undefined, event: ArborEvent): void {
    const type = (event as { type?: unknown } | null)?.type;
    // The supervisor learns of a normal exit or a crash as an exit, not as an event.
    if (typeof type === 'string' && (type.startsWith('xstate.done.actor.') || type.startsWith('xstate.error.actor.'))) return;
    const system = this.system;
    const parent = system.lookup(this.path);
    if (!parent) {
      system.deadLetter(this.path, event, new ArborError('NOT_FOUND', `parent ${this.path}${worker ? ` of ${worker.path}` : ''} is gone`, { path: this.path }));
      return;
    }
    if (worker) sendToRef(worker, parent, event);
    else parent._send(event);
  }

  _send(event: ArborEvent): void {
    this.sendFrom(undefined, event);
  }

  send(event: ArborEvent): void {
    this.sendFrom(undefined, event);
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }
}

/**
 * What the bent methods of one worker's XState system need, reached through `this` (XState calls
 * them as methods of its system), so they are shared functions: three closures and their context
 * per worker would cost about twice the memory. Only what cannot be found from it is kept (a
 * field is 8 bytes a worker): the parent link is the actor's `_parent`, the shared registry is
 * the worker's system's.
 *
 * It stands in for the system's `_snapshot`, which XState uses only as the holder of
 * `_scheduledEvents` (read, written and replaced there; `getSnapshot` copies that field alone):
 * a property of its own on the system would give every worker a property array (about 40 bytes)
 * besides the object XState's `_snapshot` was (32).
 */
interface Bridge {
  /** XState's delayed events of this system (what its `_snapshot` held). */
  _scheduledEvents: Record<string, unknown>;
  readonly actor: AnyActorRef;
  readonly worker: BridgedWorker;
  /** XState's own methods (closures over its system, with no `this`). */
  readonly get: XStateSystemInternals['get'];
  readonly set: XStateSystemInternals['_set'];
  readonly relay: XStateSystemInternals['_relay'];
}

type BentSystem = XStateSystemInternals & { _snapshot: Bridge };

function bridgedGet(this: BentSystem, systemId: string): unknown {
  const b = this._snapshot;
  return b.get(systemId) ?? systemIdsOf(b.worker.system).get(systemId);
}

function bridgedSet(this: BentSystem, systemId: string, child: AnyActorRef): void {
  const bridge: Bridge = this._snapshot;
  const ids: SystemIds = systemIdsOf(bridge.worker.system);
  const set = bridge.set;
  ids.assertFree(systemId, child);
  set(systemId, child);
  ids.set(systemId, child);
  // Only systems with a systemId child need to forget it from the shared registry too.
  const unregister = this._unregister;
  if ((unregister as { _arbor?: true })._arbor) return;
  const forget = (stopped: AnyActorRef & { systemId?: string }): void => {
    unregister(stopped);
    if (stopped.systemId !== undefined) ids.delete(stopped.systemId, stopped);
  };
  this._unregister = Object.assign(forget, { _arbor: true as const });
}

function bridgedRelay(this: BentSystem, source: AnyActorRef | undefined, target: unknown, event: unknown): void {
  const { actor, worker, relay } = this._snapshot;
  const parent = (actor as { _parent?: unknown })._parent as ParentLink | undefined;
  if (source === actor) worker.owed?.paid(target);
  if (target === undefined || (target !== parent && !isArborRef(target))) return relay(source, target, event);
  const out = source === actor ? swapSelf(event, actor, worker.ref) : event;
  // A worker's receiving side reports the event with both ends; elsewhere report it here.
  if (target === parent || !isWorkerRef(target as ActorRef)) this._sendInspectionEvent({ type: '@xstate.event', sourceRef: source, actorRef: target, event: out });
  if (target === parent) parent.sendFrom(worker, out as ArborEvent);
  else sendToRef(worker, target as ActorRef, out);
}

/** Bends the XState system of `actor` (a worker's fresh incarnation) as the header says. */
export function bridgeSystem(actor: AnyActorRef, worker: BridgedWorker, parent: ParentLink | undefined): void {
  const xs = actor.system as unknown as BentSystem & { _snapshot: { _scheduledEvents: Record<string, unknown> } };
  // XState's system methods are closures over the system (no `this`): the originals are called as they are.
  xs._snapshot = { _scheduledEvents: xs._snapshot._scheduledEvents, actor, worker, get: xs.get, set: xs._set, relay: xs._relay };
  xs.get = bridgedGet;
  xs._set = bridgedSet;
  xs._relay = bridgedRelay;
  if (parent) (actor as unknown as { _parent?: unknown })._parent = parent;
}
