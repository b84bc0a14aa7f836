/**
 * A ref to an actor this process reaches by path, through its router: an actor on another node,
 * below a child placed on another node, or a work pool. Paths name places in trees, so a remote
 * ref works whichever node runs the actor.
 */
import { assertEvent, type ArborEvent } from '../runtime/event.js';
import { withSendId, type ActorRef, type AskOptions, type SendOptions } from '../runtime/ref.js';
import { unsupported, type RefSubscription } from '../runtime/ref-features.js';

/** What a remote ref needs from its system. */
export interface RemoteRouter {
  /** Routes a user event to `path` wherever it runs (never on the caller's stack). */
  route(path: string, event: ArborEvent, urgent?: boolean): void;
  ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T>;
  /** Asks the owner of `path` for the actor's result. */
  remoteResult(path: string): Promise<unknown>;
}

/** A ref to an actor that this process reaches through the owner of its path. */
export class RemoteActorRef implements ActorRef {
  readonly id: string;

  constructor(
    readonly path: string,
    private readonly router: RemoteRouter,
  ) {
    this.id = path.slice(path.lastIndexOf('/') + 1);
  }

  send(event: ArborEvent, options?: SendOptions): void {
    assertEvent(event);
    this.router.route(this.path, withSendId(event, options), options?.priority === 'urgent');
  }

  _send(event: ArborEvent): void {
    this.send(event);
  }

  ask<TReply = ArborEvent>(event: ArborEvent, options?: AskOptions): Promise<TReply> {
    return this.router.ask<TReply>(this, event, options);
  }

  result(): Promise<unknown> {
    return this.router.remoteResult(this.path);
  }

  /** A remote actor's snapshot is not available here. */
  getSnapshot(): unknown {
    return undefined;
  }

  /** Throws `NOT_SUPPORTED`: snapshots do not travel between nodes (use `result()` for the outcome). */
  subscribe(_observer?: unknown, _error?: unknown, _complete?: unknown): RefSubscription {
    throw unsupported('subscribe', this.path, 'snapshots do not travel between nodes; use result() for the outcome');
  }

  /** Throws `NOT_SUPPORTED`: emitted events do not travel between nodes. */
  on(_type?: string, _handler?: unknown): RefSubscription {
    throw unsupported('on', this.path, 'emitted events do not travel between nodes');
  }

  /** Throws `NOT_SUPPORTED`: persisted snapshots do not travel between nodes. */
  getPersistedSnapshot(): unknown {
    throw unsupported('getPersistedSnapshot', this.path, 'persisted snapshots do not travel between nodes');
  }

  toJSON(): { path: string } {
    return { path: this.path };
  }

  toString(): string {
    return this.path;
  }
}
