/**
 * What the own cells of pattern machines share (`chain-cell.ts`, `gather-cell.ts`; see
 * `actors/own-cell.ts` for where they run): a local ref, observers fed each new snapshot, the
 * machine for the inspector to draw, an immediate stop (pattern machines take no
 * `arbor.shutdown`), and the XState worker's rules for messages the machine would not take: a
 * non-event or an `xstate.*` type is dead-lettered with `INVALID_EVENT`, an event no state takes
 * with `UNHANDLED_EVENT` when it carries a `replyTo` (every one under `unhandledEvents: 'all'`).
 */
import { invalidMessage, unhandledEvent } from '../actors/unhandled.js';
import { stateValueText } from '../runtime/actor-detail.js';
import { Cell, type CellInit, type TreeNode } from '../runtime/cell.js';
import type { ArborEvent } from '../runtime/event.js';
import { LocalActorRef, type ActorRef } from '../runtime/ref.js';
import type { RefObservers } from '../runtime/ref-features.js';

/** The part of a pattern cell's snapshot this base reads. */
export interface PatternSnapshot {
  status: 'active' | 'done' | 'error' | 'stopped';
  value: string;
  matches(value: string): boolean;
}

export abstract class PatternCell extends Cell {
  /** Made when someone first subscribes to this actor's ref. */
  private observers: RefObservers | undefined;

  constructor(
    init: CellInit,
    /** The machine this cell runs the steps of (what the inspector draws). */
    private readonly machine: unknown,
  ) {
    super(init);
  }

  abstract override getSnapshot(): PatternSnapshot | undefined;

  /** Processes one user message (an event; its state decides whether it is taken). */
  protected abstract take(event: ArborEvent): void;

  protected createRef(): ActorRef {
    return new LocalActorRef(this);
  }

  /** @internal Someone observes this actor's ref: feed its observers from now on. */
  _observed(observers: RefObservers): void {
    this.observers = observers;
  }

  /** Observers of the ref see each new snapshot, as an XState worker's do. */
  protected changed(): void {
    if (this.observers?.observed) this.observers.next(this.getSnapshot());
  }

  override describe(): TreeNode {
    const node: TreeNode = { path: this.path, id: this.id, type: 'worker', status: this.status, node: this.system.node };
    const state = stateValueText(this.getSnapshot()?.value);
    if (state !== undefined) node.state = state;
    return this.describeCommon(node);
  }

  override drawable(): unknown {
    return this.machine;
  }

  protected stopIncarnation(): Promise<void> {
    this.killIncarnation();
    return Promise.resolve();
  }

  protected processUser(budget: number): number {
    let n = 0;
    for (; n < budget && this.status === 'running' && this.mailbox.user.size > 0; n++) {
      const event = this.mailbox.user.shift() as ArborEvent;
      const invalid = invalidMessage(this.path, event);
      if (invalid) this.system.deadLetter(this.path, event, invalid);
      else this.take(event);
    }
    return n;
  }

  /** `event` is one no state takes in state `value`. */
  protected refuse(event: ArborEvent, value: string): void {
    if (event.replyTo !== undefined || this.system.unhandledEvents === 'all') this.system.deadLetter(this.path, event, unhandledEvent(this.path, event.type, value));
  }
}
