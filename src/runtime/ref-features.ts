/**
 * What a ref offers beyond `send` and `ask`, so XState's own helpers work on Arbor refs:
 * `subscribe` (snapshots, errors, completion: `waitFor` and `toPromise` need it), `on` (events
 * the actor `emit`s) and `getPersistedSnapshot`.
 *
 * A ref outlives incarnations, so its observers do too: they see the snapshots of every
 * incarnation in turn, and hear `complete` or `error` once, when the actor ends for good (its
 * `result()` settles): `complete` for a normal exit or a stop (XState completes a stopped actor),
 * `error` for a final abnormal exit. A crash that its supervisor restarts is not the end.
 */
import { ArborError, isArborError } from './errors.js';
import type { ArborEvent } from './event.js';

/** XState's observer shape. */
export interface SnapshotObserver<T = unknown> {
  next?: (snapshot: T) => void;
  error?: (error: unknown) => void;
  complete?: () => void;
}

/** What `subscribe` and `on` return. */
export interface RefSubscription {
  unsubscribe(): void;
}

/** Stops of these kinds end an actor without failing it: its observers hear `complete`. */
const STOP_CODES = new Set(['ACTOR_STOPPED', 'SYSTEM_SHUTDOWN']);

/** What a cell gives its observers. */
interface Observed {
  readonly path: string;
  readonly result: { promise(): Promise<unknown> };
  /** Told once, when its observers are first asked for (a cell can start feeding them then, and not before). */
  _observed?(observers: RefObservers): void;
}

/** The observers and emitted-event listeners of one actor (one per cell, made on first use). */
export class RefObservers {
  private readonly observers = new Set<SnapshotObserver>();
  private readonly listeners = new Map<string, Set<(event: ArborEvent) => void>>();
  private watching = false;
  private ended: { error?: unknown } | undefined;

  constructor(private readonly cell: Observed) {}

  /** True when someone listens for snapshots (cells skip the call otherwise). */
  get observed(): boolean {
    return this.observers.size > 0;
  }

  subscribe(
    nextOrObserver?: SnapshotObserver | ((snapshot: unknown) => void),
    error?: (error: unknown) => void,
    complete?: () => void,
  ): RefSubscription {
    const observer: SnapshotObserver = typeof nextOrObserver === 'function' ? { next: nextOrObserver, error, complete } : { ...nextOrObserver };
    if (this.ended) {
      // Like XState: a subscriber to an actor that already ended hears how it ended.
      queueMicrotask(() => this.settle(observer, this.ended as { error?: unknown }));
      return { unsubscribe: () => undefined };
    }
    this.observers.add(observer);
    this.watch();
    return { unsubscribe: () => void this.observers.delete(observer) };
  }

  /** Called by the cell with each snapshot of its current incarnation. */
  next(snapshot: unknown): void {
    for (const o of [...this.observers]) o.next?.(snapshot);
  }

  on(type: string, handler: (event: ArborEvent) => void): RefSubscription {
    if (typeof type !== 'string') throw new ArborError('INVALID_SPEC', 'on(type, handler): type must be a string', { field: 'type', value: type });
    if (typeof handler !== 'function') throw new ArborError('INVALID_SPEC', 'on(type, handler): handler must be a function', { field: 'handler', value: handler });
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    // A wrapper per call, as XState does, so the same handler can be registered twice.
    const wrapped = (event: ArborEvent): void => handler(event);
    set.add(wrapped);
    return { unsubscribe: () => void set.delete(wrapped) };
  }

  /** Called by the cell with each event its actor emits; a throwing handler cannot hurt the actor. */
  emit(event: ArborEvent, onError: (err: unknown) => void): void {
    const exact = this.listeners.get(event.type);
    const wildcard = this.listeners.get('*');
    if (!exact && !wildcard) return;
    for (const handler of [...(exact ?? []), ...(wildcard ?? [])]) {
      try {
        handler(event);
      } catch (err) {
        onError(err);
      }
    }
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.cell.result.promise().then(
      () => this.end({}),
      (err: unknown) => this.end(isArborError(err) && STOP_CODES.has(err.code) ? {} : { error: err }),
    );
  }

  private end(how: { error?: unknown }): void {
    this.ended = how;
    const observers = [...this.observers];
    this.observers.clear();
    this.listeners.clear();
    for (const o of observers) this.settle(o, how);
  }

  private settle(o: SnapshotObserver, how: { error?: unknown }): void {
    if ('error' in how) o.error?.(how.error);
    else o.complete?.();
  }
}

const registry = new WeakMap<Observed, RefObservers>();

/** The observers of `cell`, made on first use. */
export function observersOf(cell: Observed): RefObservers {
  let o = registry.get(cell);
  if (!o) {
    registry.set(cell, (o = new RefObservers(cell)));
    cell._observed?.(o);
  }
  return o;
}

/** A cell that can give its persisted snapshot (XState workers can). */
interface Persistable {
  getPersistedSnapshot(): unknown;
}

/** The persisted snapshot of `cell`, or `NOT_SUPPORTED` for cells that have none (supervisors). */
export function persistedSnapshotOf(cell: Observed): unknown {
  const fn = (cell as Partial<Persistable>).getPersistedSnapshot;
  if (typeof fn !== 'function') throw unsupported('getPersistedSnapshot', cell.path, 'this actor has no persisted snapshot (supervisors do not)');
  return fn.call(cell);
}

/** The loud refusal of a ref feature that cannot be served here. */
export function unsupported(feature: string, path: string, why: string): ArborError {
  return new ArborError('NOT_SUPPORTED', `${feature} is not supported on ${path}: ${why}`, { feature, path });
}
