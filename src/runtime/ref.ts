/**
 * Actor refs: what users hold. A ref names an actor by path and stays valid across restarts;
 * every operation goes through the runtime (never straight into an XState actor).
 */
import { assertEvent, type ArborEvent } from './event.js';
import { SCHEME } from './paths.js';
import { observersOf, persistedSnapshotOf, type RefSubscription, type SnapshotObserver } from './ref-features.js';

/** Options of {@link ActorRef.ask}. */
export interface AskOptions {
  /**
   * Milliseconds to wait for the reply before rejecting with `ASK_TIMEOUT`.
   * @default 5000
   */
  timeout?: number;
  /**
   * Which reply ends the ask: a reply this returns `false` for is handed to `onRejected` and the
   * wait goes on (e.g. a late answer to an earlier request). Every reply is taken when absent.
   */
  accept?: (reply: ArborEvent) => boolean;
  /** Told of every reply `accept` turned down. */
  onRejected?: (reply: ArborEvent) => void;
}

/** Options of {@link ActorRef.send}. */
export interface SendOptions {
  /**
   * `'urgent'`: the message overtakes the normal ones queued in the recipient's mailbox (system
   * messages still come first; urgent messages keep their order among themselves).
   * @default 'normal', or the system's `priorities` entry for the event's type
   */
  priority?: Priority;
  /**
   * The message's id, for any ref whatever its event type: the event is delivered with this
   * `messageId` field. A durable actor processes each id once (a re-send with the same id after
   * a crash or a retry is dropped), so callers that retry give each logical message one id.
   */
  messageId?: string;
}

/**
 * `event` with `options.messageId` as its `messageId` field (a copy; the event itself when no id
 * is given). A `messageId` that is not a non-empty string throws `TypeError`, as a malformed event does.
 */
export function withSendId(event: ArborEvent, options: SendOptions | undefined): ArborEvent {
  const id = options?.messageId;
  if (id === undefined) return event;
  if (typeof id !== 'string' || id === '') throw new TypeError(`send options: messageId must be a non-empty string, got ${typeof id === 'string' ? '""' : typeof id}`);
  return { ...event, messageId: id };
}

/** A user message's priority in a mailbox. */
export type Priority = 'urgent' | 'normal';

/** The default ask timeout, in ms. */
export const DEFAULT_ASK_TIMEOUT = 5000;

/**
 * What `ask` takes: the event without its `replyTo` (the runtime adds one). A machine whose event
 * type declares `replyTo: AnyActorRef` can so be asked without inventing a ref.
 */
export type AskEvent<TEvent> = TEvent extends { replyTo: unknown } ? Omit<TEvent, 'replyTo'> & { replyTo?: TEvent['replyTo'] } : TEvent;

/**
 * A handle on an actor, local or remote, valid across its restarts. `TEvent` is what it accepts
 * and `TOutput` what `result()` resolves with: `system.spawn(machine, ...)` infers both from the
 * machine, so sending an event the machine does not know is a compile error.
 *
 * @example
 * const ref = system.spawn(counter, { id: 'counter' });
 * ref.send({ type: 'inc' });                       // fire and forget, delivered asynchronously
 * const reply = await ref.ask({ type: 'get' });    // the machine answers to event.replyTo
 */
export interface ActorRef<TEvent extends { type: string } = ArborEvent, TOutput = unknown> {
  /** `arbor://<node>/<id>/...`: the actor's place in the supervision tree. */
  readonly path: string;
  /** The last segment of the path. */
  readonly id: string;
  /**
   * Fire and forget; returns at once and delivers asynchronously. A malformed event throws
   * `TypeError`; a stopped actor or a full mailbox sends the event to dead letters.
   * `{ priority: 'urgent' }` puts it ahead of the normal messages queued; `{ messageId }` gives
   * it an id a durable receiver processes once (see {@link SendOptions.messageId}).
   */
  send(event: TEvent, options?: SendOptions): void;
  /**
   * Sends `event` with a `replyTo` ref added and resolves with the first event sent to it;
   * rejects with code `ASK_TIMEOUT` after `timeout` ms, or with the reason if the request is
   * dead-lettered.
   */
  ask<TReply = ArborEvent>(event: AskEvent<TEvent>, options?: AskOptions): Promise<TReply>;
  /** Resolves with the output of a normal exit; rejects with the reason of a final abnormal exit. */
  result(): Promise<TOutput>;
  /** The current snapshot (an XState snapshot for workers). */
  getSnapshot(): unknown;
  /** @internal XState relays `sendTo(ref, ...)` through `_send`. */
  _send(event: TEvent): void;
  toJSON(): { path: string };
  // --- XState fidelity (issue 18): what XState's `waitFor`, `toPromise` and `emit` need ---------
  /**
   * Observes the actor's snapshots across restarts; `complete` once it exits normally or is
   * stopped, `error` once it fails for good. A remote ref throws `NOT_SUPPORTED`.
   */
  subscribe(
    nextOrObserver?: SnapshotObserver | ((snapshot: unknown) => void),
    error?: (error: unknown) => void,
    complete?: () => void,
  ): RefSubscription;
  /** Listens to events the actor `emit`s (`'*'` for all), across restarts. A remote ref throws `NOT_SUPPORTED`. */
  on(type: string, handler: (event: ArborEvent) => void): RefSubscription;
  /** XState's persisted snapshot of a local worker; `NOT_SUPPORTED` for supervisors and remote refs. */
  getPersistedSnapshot(): unknown;
}

/**
 * What a local ref needs of its actor's cell (the runtime's `Cell` is one). An interface, so
 * refs do not depend on cells and the cell on its system.
 */
export interface RefTarget {
  readonly path: string;
  readonly id: string;
  tell(event: ArborEvent, from?: string, urgent?: boolean): void;
  readonly result: { promise(): Promise<unknown> };
  getSnapshot(): unknown;
  /** Runs `fn` as a control operation of the actor (before any queued user message). */
  control<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  readonly system: { ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T> };
}

/** A ref to an actor in this process. */
export class LocalActorRef implements ActorRef {
  /** @internal */
  readonly _cell: RefTarget;

  constructor(cell: RefTarget) {
    this._cell = cell;
  }

  get path(): string {
    return this._cell.path;
  }

  get id(): string {
    return this._cell.id;
  }

  send(event: ArborEvent, options?: SendOptions): void {
    assertEvent(event);
    this._cell.tell(withSendId(event, options), undefined, options?.priority === 'urgent');
  }

  _send(event: ArborEvent): void {
    this.send(event);
  }

  ask<TReply = ArborEvent>(event: ArborEvent, options?: AskOptions): Promise<TReply> {
    return this._cell.system.ask<TReply>(this, event, options);
  }

  result(): Promise<unknown> {
    return this._cell.result.promise();
  }

  getSnapshot(): unknown {
    return this._cell.getSnapshot();
  }

  // --- XState fidelity (issue 18) ---
  subscribe(
    nextOrObserver?: SnapshotObserver | ((snapshot: unknown) => void),
    error?: (error: unknown) => void,
    complete?: () => void,
  ): RefSubscription {
    return observersOf(this._cell).subscribe(nextOrObserver, error, complete);
  }

  on(type: string, handler: (event: ArborEvent) => void): RefSubscription {
    return observersOf(this._cell).on(type, handler);
  }

  getPersistedSnapshot(): unknown {
    return persistedSnapshotOf(this._cell);
  }
  // --- end XState fidelity ---

  toJSON(): { path: string } {
    return { path: this.path };
  }

  toString(): string {
    return this.path;
  }
}

/** True when `value` is an Arbor ref of any kind (local, remote, an ask's reply ref, a relay): an `arbor://` path and `send`. */
export function isArborRef(value: unknown): value is { path: string; send: unknown } {
  const path = (value as { path?: unknown } | null)?.path;
  return typeof path === 'string' && path.startsWith(SCHEME) && typeof (value as { send?: unknown }).send === 'function';
}
