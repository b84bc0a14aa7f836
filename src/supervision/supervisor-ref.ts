/** The ref of a supervisor: an actor ref plus OTP's dynamic child API. */
import type { ArborEvent } from '../runtime/event.js';
import { LocalActorRef, type ActorRef, type RefTarget } from '../runtime/ref.js';
import type { ChildSpec } from './spec.js';
import type { ChildLogic, RefOf } from './logic-types.js';

/** One line of `whichChildren()`. */
export interface ChildInfo {
  id: string;
  path: string;
  status: 'running' | 'restarting' | 'stopped';
}

/**
 * A supervisor's ref; `result()` resolves with `TOutput`, its children's aggregated outputs.
 *
 * @example
 * const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
 * const worker = await root.startChild({ id: 'w1', logic: machine, restart: 'transient' });
 * root.whichChildren(); // [{ id: 'w1', path: 'arbor://node-a/root/w1', status: 'running' }]
 */
export interface SupervisorRef<TOutput = unknown> extends ActorRef<ArborEvent, TOutput> {
  /** Adds and starts a child; rejects with `INVALID_SPEC` for a bad spec or a duplicate id. */
  startChild<TLogic extends ChildLogic>(spec: ChildSpec<TLogic>): Promise<RefOf<TLogic>>;
  /** Stops a child (as its `shutdown` allows) and keeps its spec; a temporary child's spec is deleted. */
  terminateChild(id: string): Promise<void>;
  /** Starts a stopped child again; rejects with `CHILD_RUNNING` if it runs. */
  restartChild(id: string): Promise<ActorRef>;
  /** Deletes a stopped child's spec; rejects with `CHILD_RUNNING` if it runs. */
  deleteChild(id: string): Promise<void>;
  /** The children in start order with their status. */
  whichChildren(): ChildInfo[];
}

/** What a supervisor's ref needs of its cell (the `SupervisorCell` is one). */
export type DynamicChildren = Pick<SupervisorRef, 'terminateChild' | 'restartChild' | 'deleteChild' | 'whichChildren'> & { startChild(spec: ChildSpec): Promise<ActorRef> };

export class LocalSupervisorRef extends LocalActorRef implements SupervisorRef {
  constructor(private readonly supervisor: RefTarget & DynamicChildren) {
    super(supervisor);
  }

  startChild<TLogic extends ChildLogic>(spec: ChildSpec<TLogic>): Promise<RefOf<TLogic>> {
    return this.supervisor.startChild(spec) as Promise<RefOf<TLogic>>;
  }

  terminateChild(id: string): Promise<void> {
    return this.supervisor.terminateChild(id);
  }

  restartChild(id: string): Promise<ActorRef> {
    return this.supervisor.restartChild(id);
  }

  deleteChild(id: string): Promise<void> {
    return this.supervisor.deleteChild(id);
  }

  whichChildren(): ChildInfo[] {
    return this.supervisor.whichChildren();
  }
}
