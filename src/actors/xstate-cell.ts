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
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type Subscription } from 'xstate';
import { ArborError, toError } from '../runtime/errors.js';
import { Cell, type CellFactory, type CellInit, type Shutdown, type TreeNode } from '../runtime/index.js';
import { EVENT_TEXT_LIMIT, jsonText, stateValueText, type ActorDetail } from '../runtime/actor-detail.js';
import type { ArborEvent } from '../runtime/event.js';
import { LocalActorRef, type ActorRef } from '../runtime/ref.js';

/** The event a worker gets when asked to stop gracefully, if its current state handles it. */
export const SHUTDOWN_EVENT = { type: 'arbor.shutdown' } as const;

const NONE = Symbol('none');

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

export class XStateCell extends Cell {
  private readonly logic: AnyActorLogic;
  private readonly input: unknown;
  private actor: AnyActorRef | undefined;
  private subscription: Subscription | undefined;
  private lastSnapshot: unknown;
  /** The user message being processed, so a crash can dead-letter it. */
  private current: ArborEvent | typeof NONE = NONE;
  /** Resolves a graceful stop once the actor is no longer active. */
  private settledWaiter: (() => void) | undefined;
  /** The last {@link RECENT_EVENTS} events processed, a ring written at `recentNext`. */
  private readonly recent: ArborEvent[] = [];
  private recentNext = 0;

  /**
   * True when the logic names `arbor.shutdown` itself. A wildcard (`'*'`) transition does not
   * count: such a machine would swallow the request and be killed only after `shutdown` ms.
   */
  private readonly gracefulShutdown: boolean;

  constructor(init: CellInit) {
    super(init);
    this.logic = init.logic as AnyActorLogic;
    this.input = init.input;
    const events = (init.logic as { events?: unknown }).events;
    this.gracefulShutdown = Array.isArray(events) && events.includes(SHUTDOWN_EVENT.type);
  }

  /**
   * XState's `log` action output, through pino. One function per cell, made once: a fresh closure
   * per `createActor` would give every actor's options object its own hidden class.
   */
  private readonly xstateLogger = (...args: unknown[]): void => this.log.info({ xstate: args }, 'xstate log');

  protected createRef(): ActorRef {
    return new LocalActorRef(this);
  }

  getSnapshot(): unknown {
    return this.actor ? this.actor.getSnapshot() : this.lastSnapshot;
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
    const n = this.recent.length;
    for (let i = 0; i < n; i++) detail.recentEvents.push(jsonText(this.recent[(this.recentNext + i) % n], EVENT_TEXT_LIMIT));
    return detail;
  }

  override drawable(): unknown {
    // A state machine (it has states to draw); other actor logic (promises, callbacks) has none.
    return typeof (this.logic as { root?: unknown }).root === 'object' ? this.logic : undefined;
  }

  protected startIncarnation(): void {
    this.incarnation++;
    const actor = createActor(this.logic, {
      input: this.input,
      clock: this.system.clock,
      id: this.path,
      ...(this.system.inspect ? { inspect: this.system.inspect } : {}),
      logger: this.xstateLogger,
    });
    this.actor = actor;
    this.status = 'running';
    this.subscription = actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'done') this.ended(actor, { outcome: 'normal', output: snapshot.output });
      },
      error: (err) => this.ended(actor, { outcome: 'crash', error: toError(err) }),
    });
    actor.start();
  }

  private ended(actor: AnyActorRef, exit: { outcome: 'normal'; output: unknown } | { outcome: 'crash'; error: Error }): void {
    if (actor !== this.actor) return;
    this.lastSnapshot = actor.getSnapshot();
    this.detach();
    if (this.status === 'stopping') {
      // Ending during a graceful stop is the stop completing, not an exit to report.
      this.settledWaiter?.();
      return;
    }
    if (exit.outcome === 'crash' && this.current !== NONE) {
      this.system.deadLetter(
        this.path,
        this.current,
        new ArborError('ACTOR_CRASHED', `actor ${this.path} crashed processing this message: ${exit.error.message}`, { path: this.path }, { cause: exit.error }),
      );
      this.current = NONE;
    }
    this.exited(exit);
  }

  private detach(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
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
      this.current = event;
      if (this.recent.length < RECENT_EVENTS) this.recent.push(event);
      else this.recent[this.recentNext] = event;
      this.recentNext = (this.recentNext + 1) % RECENT_EVENTS;
      (this.actor as AnyActorRef).send(event);
      n++;
    }
    system._sender = outer;
    this.current = NONE;
    return n;
  }

  protected async stopIncarnation(shutdown: Shutdown): Promise<void> {
    const actor = this.actor;
    if (!actor) return;
    this.status = 'stopping';
    const snapshot = actor.getSnapshot() as { status: string; can?: (e: unknown) => boolean };
    if (shutdown !== 'brutal_kill' && this.gracefulShutdown && snapshot.status === 'active' && snapshot.can?.(SHUTDOWN_EVENT)) {
      const settled = new Promise<void>((resolve) => (this.settledWaiter = resolve));
      actor.send(SHUTDOWN_EVENT);
      if (this.actor === actor) await settled; // the caller bounds this wait by `shutdown`
      this.settledWaiter = undefined;
    }
    this.killIncarnation();
  }

  protected killIncarnation(): void {
    const actor = this.actor;
    this.settledWaiter?.();
    this.settledWaiter = undefined;
    if (actor) {
      this.lastSnapshot = actor.getSnapshot();
      this.detach();
      actor.stop();
    }
    this.status = 'suspended';
  }
}

/** Makes worker cells for any XState actor logic. */
export const xstateCellFactory: CellFactory = {
  name: 'xstate',
  accepts: isActorLogic,
  create: (init) => new XStateCell(init),
};
