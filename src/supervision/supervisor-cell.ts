/**
 * The supervisor: carries out what the strategy decides. Child exits arrive as system messages
 * and are handled one at a time, so a restart in progress is never interleaved with the next
 * decision. Child cells outlive incarnations: a restarted child keeps its ref and its queued
 * messages; only the incarnation inside is new.
 */
import { createActor, type Actor } from 'xstate';
import { Cell, type CellInit, type CellParent, type Exit, type Shutdown, type TreeNode } from '../runtime/cell.js';
import { ArborError, InvalidSpecError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import { normalizeMailboxOptions } from '../runtime/mailbox.js';
import { childPath } from '../runtime/paths.js';
import type { ActorRef } from '../runtime/ref.js';
import type { ReportKind, ReportReason } from '../runtime/system-events.js';
import { Aggregator } from './aggregate.js';
import { backoffDelay } from './backoff.js';
import { nextPhase, supervisorLifecycle, type LifecycleEvent, type LifecyclePhase } from './lifecycle.js';
import { RestartIntensity } from './restart-intensity.js';
import { normalizeChildSpec, type ChildSpec, type NormalizedSupervisorSpec } from './spec.js';
import type { ChildTemplate, NormalizedChildSpec } from './child-template.js';
import { planRestart, shouldRestart } from './strategy.js';
import { LocalSupervisorRef, type ChildInfo } from './supervisor-ref.js';
import { isSupervisorLogic } from './supervisor.js';

/** One child, as few fields as a supervisor of 100 k children can afford (restarts are counted by the cell). */
interface Slot {
  spec: NormalizedChildSpec;
  cell: Cell;
  status: ChildInfo['status'];
  dynamic: boolean;
  /** Only under a supervisor with `backoff`: made at the child's first start. */
  backoff: BackoffState | undefined;
}

/** A child's backoff bookkeeping. */
interface BackoffState {
  /** Consecutive backoff attempts. */
  attempts: number;
  /** When it was last started (clock ms). */
  startedAt: number;
}

export class SupervisorCell extends Cell implements CellParent {
  override shutdown: Shutdown = 'infinity';
  readonly spec: NormalizedSupervisorSpec;
  private slots: Slot[] = [];
  /** The slots by child id, made on the first lookup among many children and kept in step since. */
  private byId: Map<string, Slot> | undefined;
  private intensity: RestartIntensity;
  private aggregator: Aggregator;
  /** The lifecycle as an XState actor, only under inspection (the inspector sees it); else {@link lifecyclePhase}. */
  private readonly lifecycle: Actor<typeof supervisorLifecycle> | undefined;
  private lifecyclePhase: LifecyclePhase = 'idle';
  private readonly timers = new Set<unknown>();
  /**
   * Above 0 while this supervisor runs one of its own operations (its turn, starting its
   * children): a dynamic-child call made from inside one (a report listener, a child's start) is
   * queued, never run in the middle of it.
   */
  private acting = 0;
  /** The template of the last dynamic child: the next shares it when its spec says the same. */
  private lastTemplate: ChildTemplate | undefined;

  constructor(init: CellInit) {
    super(init);
    this.spec = (init.logic as { spec: NormalizedSupervisorSpec }).spec;
    this.intensity = new RestartIntensity(this.spec.intensity, this.spec.period);
    this.aggregator = new Aggregator(this.spec.aggregate, this.path);
    this.lifecycle = init.system.inspect ? createActor(supervisorLifecycle, { id: this.path, inspect: init.system.inspect }).start() : undefined;
  }

  get phase(): LifecyclePhase {
    return this.lifecycle ? this.lifecycle.getSnapshot().value : this.lifecyclePhase;
  }

  private lifecycleSend(type: LifecycleEvent['type']): void {
    if (this.lifecycle) this.lifecycle.send({ type });
    else this.lifecyclePhase = nextPhase(this.lifecyclePhase, type);
  }

  protected createRef(): ActorRef {
    return new LocalSupervisorRef(this);
  }

  protected override metricsLabelOf(): string {
    return 'supervisor';
  }

  override describe(subtree = true): TreeNode {
    return this.describeCommon({
      path: this.path,
      id: this.id,
      type: 'supervisor',
      status: this.status,
      node: this.system.node,
      state: this.phase,
      strategy: this.spec.strategy,
      ...(subtree ? { children: this.slots.map((s) => ({ ...s.cell.describe(), status: s.status })) } : {}),
    });
  }

  getSnapshot(): unknown {
    const phase = this.phase;
    const status = phase === 'exited' ? 'done' : phase === 'failed' ? 'error' : phase === 'idle' ? 'stopped' : 'active';
    return { status, value: phase, context: { children: this.whichChildren(), results: this.aggregator.output() } };
  }

  // --- incarnation ---------------------------------------------------------------------------

  /** Runs `fn` as one of this supervisor's own operations (see {@link acting}). */
  private act<T>(fn: () => T): T {
    this.acting++;
    try {
      return fn();
    } finally {
      this.acting--;
    }
  }

  override run(throughput: number): number {
    return this.act(() => super.run(throughput));
  }

  protected startIncarnation(): void {
    this.act(() => this.startChildren());
  }

  private startChildren(): void {
    this.incarnation++;
    this.status = 'running';
    this.lifecycleSend('start');
    this.intensity = new RestartIntensity(this.spec.intensity, this.spec.period);
    this.aggregator = new Aggregator(this.spec.aggregate, this.path);
    // A restarted supervisor starts from its static children (as in OTP); their cells, refs
    // and queued messages are kept, dynamic children are dropped.
    const previous = new Map(this.slots.map((s) => [s.spec.id, s]));
    for (const s of this.slots) if (s.dynamic) this.removeSlot(s);
    this.slots = this.spec.children.map((c, i) => {
      const old = previous.get(c.id);
      return old && !old.dynamic ? old : this.makeSlot(c, false, `children[${i}]`);
    });
    this.byId = undefined;
    for (const slot of this.slots) this.startSlot(slot, 'child_started');
    const timeout = this.spec.aggregate?.timeout;
    if (timeout !== undefined) {
      this.setTimer(timeout, () => this.post({ name: 'aggregate_timeout', run: () => this.onAggregateTimeout(timeout) }));
    }
  }

  protected async stopIncarnation(): Promise<void> {
    this.status = 'stopping';
    this.lifecycleSend('terminate');
    this.clearTimers();
    await this.stopChildren();
    this.lifecycleSend('stopped');
    this.status = 'suspended';
  }

  protected killIncarnation(): void {
    this.clearTimers();
    for (const slot of [...this.slots].reverse()) {
      slot.cell.kill();
      if (slot.status !== 'stopped') slot.status = 'stopped';
    }
    this.lifecycleSend('terminate');
    this.lifecycleSend('stopped');
    this.status = 'suspended';
  }

  override retire(reason?: Error): void {
    super.retire(reason);
    const cause = new ArborError('ACTOR_STOPPED', `stopped with its supervisor ${this.path}`, { supervisor: this.path }, { cause: reason });
    for (const slot of this.slots) slot.cell.retire(cause);
  }

  /** Supervisors take no user events: each goes to dead letters with `UNHANDLED_MESSAGE`. */
  protected processUser(budget: number): number {
    let n = 0;
    for (let event = this.mailbox.user.shift(); event !== undefined; event = n < budget ? this.mailbox.user.shift() : undefined) {
      n++;
      this.system.deadLetter(this.path, event, new ArborError('UNHANDLED_MESSAGE', `supervisor ${this.path} takes no user events (got "${(event as ArborEvent).type}")`, { path: this.path }));
    }
    return n;
  }

  // --- children ------------------------------------------------------------------------------

  private makeSlot(spec: NormalizedChildSpec, dynamic: boolean, field: string): Slot {
    const init = { path: childPath(this.path, spec.id), id: spec.id, parent: this, input: spec.input, mailbox: normalizeMailboxOptions(spec.mailbox, this.system.mailboxDefaults), durable: spec.durable };
    // Here, or (when the placement port says so) on another node with the owner's cell here.
    const cell = this.system.childCell({ init, logic: spec.logic, kind: spec.kind, node: spec.node, field });
    cell.shutdown = spec.shutdown;
    return { spec, cell, status: 'stopped', dynamic, backoff: undefined };
  }

  private startSlot(slot: Slot, kind: 'child_started' | 'child_restarted'): void {
    slot.status = 'running';
    if (this.spec.backoff !== undefined) (slot.backoff ??= { attempts: 0, startedAt: 0 }).startedAt = this.system.clock.now();
    slot.cell.start();
    this.report(kind, slot);
  }

  private async terminateSlot(slot: Slot): Promise<void> {
    if (slot.status !== 'running') return;
    await slot.cell.stop(slot.spec.shutdown);
    slot.status = 'stopped';
    this.report('child_terminated', slot);
  }

  private async stopChildren(): Promise<void> {
    for (const slot of [...this.slots].reverse()) {
      await this.terminateSlot(slot);
      slot.status = 'stopped';
    }
  }

  private removeSlot(slot: Slot, reason?: Error): void {
    slot.cell.retire(reason);
    slot.cell.discard();
    this.system.unregister(slot.cell);
    this.slots = this.slots.filter((s) => s !== slot);
    if (this.byId?.get(slot.spec.id) === slot) this.byId.delete(slot.spec.id);
    // Not kept alive (its input, say) by the cache of the next child's template.
    if (this.lastTemplate === slot.spec.template) this.lastTemplate = undefined;
  }

  private addSlot(slot: Slot): void {
    this.slots.push(slot);
    this.byId?.set(slot.spec.id, slot);
  }

  /** The slot of child `id`: a scan among a few children, a map lookup among many (`startChild` stays O(1)). */
  private slot(id: string): Slot | undefined {
    if (this.byId === undefined) {
      if (this.slots.length <= 8) return this.slots.find((s) => s.spec.id === id);
      this.byId = new Map(this.slots.map((s) => [s.spec.id, s]));
    }
    return this.byId.get(id);
  }

  private liveIds(): string[] {
    return this.slots.filter((s) => s.status !== 'stopped').map((s) => s.spec.id);
  }

  // --- exits and decisions -------------------------------------------------------------------

  childExited(child: Cell, incarnation: number, exit: Exit): void {
    this.post({ name: 'child_exit', run: () => this.onChildExit(child, incarnation, exit) });
  }

  private async onChildExit(child: Cell, incarnation: number, exit: Exit): Promise<void> {
    const found = this.slot(child.id);
    const slot = found?.cell === child ? found : undefined;
    // Stale: an exit from an incarnation we already stopped, or while we are winding down.
    if (this.phase !== 'running' || !slot || slot.status !== 'running' || child.incarnation !== incarnation) return;
    const id = slot.spec.id;
    this.report('child_exited', slot, exit.outcome === 'normal' ? 'normal' : exit.error);
    const restart = shouldRestart(slot.spec.restart, exit.outcome);
    if (exit.outcome === 'normal') this.aggregator.recordResult(id, exit.output);
    // It is not running any more: if we give up below, there is nothing of it left to terminate.
    if (restart) slot.status = 'restarting';
    if (!restart) {
      slot.status = 'stopped';
      if (exit.outcome === 'crash') this.aggregator.recordFailure(id, exit.error);
      if (slot.spec.restart === 'temporary') this.removeSlot(slot, exit.outcome === 'crash' ? exit.error : undefined);
      else slot.cell.retire(exit.outcome === 'crash' ? exit.error : undefined);
    }
    const verdict = this.aggregator.verdict(this.liveIds());
    if (verdict.type === 'done') return this.finish({ outcome: 'normal', output: verdict.output });
    if (verdict.type === 'failed') return this.finish({ outcome: 'crash', error: verdict.error });
    if (!restart) {
      if (this.autoShutdownDue(slot, exit)) {
        this.report('shutdown', slot, 'AUTO_SHUTDOWN');
        return this.finish({ outcome: 'normal', output: this.aggregator.output() });
      }
      return;
    }
    const now = this.system.clock.now();
    if (!this.intensity.add(now)) {
      this.report('shutdown', slot, 'MAX_RESTART_INTENSITY');
      const error = new ArborError(
        'MAX_RESTART_INTENSITY',
        `supervisor ${this.path} gave up: more than ${this.spec.intensity} restart(s) within ${this.spec.period} ms (last: child ${id})`,
        { supervisor: this.path, child: id, intensity: this.spec.intensity, period: this.spec.period },
        { cause: exit.outcome === 'crash' ? exit.error : undefined },
      );
      return this.finish({ outcome: 'crash', error });
    }
    await this.restart(slot);
  }

  private autoShutdownDue(slot: Slot, exit: Exit): boolean {
    if (!slot.spec.significant || this.spec.autoShutdown === 'never') return false;
    if (exit.outcome === 'crash' && slot.spec.restart !== 'temporary') return false;
    if (this.spec.autoShutdown === 'any_significant') return true;
    return !this.slots.some((s) => s.spec.significant && s.status !== 'stopped');
  }

  private async restart(failed: Slot): Promise<void> {
    const plan = planRestart(this.spec.strategy, this.slots.map((s) => s.spec.id), failed.spec.id);
    for (const id of plan.stop) {
      const s = this.slot(id);
      if (!s) continue;
      await this.terminateSlot(s);
      // OTP deletes temporary children instead of restarting them with the group.
      if (s.spec.restart === 'temporary') this.removeSlot(s);
    }
    const group = plan.start.map((id) => this.slot(id)).filter((s): s is Slot => s !== undefined);
    for (const s of group) s.status = 'restarting';
    const delay = this.restartDelay(failed);
    if (delay <= 0) return this.startGroup(group);
    this.setTimer(delay, () => this.post({ name: 'restart', run: () => this.startGroup(group) }));
  }

  private startGroup(group: Slot[]): void {
    if (this.phase !== 'running') return;
    for (const s of group) if (s.status === 'restarting' && this.slot(s.spec.id) === s) this.startSlot(s, 'child_restarted');
  }

  private restartDelay(slot: Slot): number {
    const backoff = this.spec.backoff;
    if (!backoff) return 0;
    // Started at least once (it exited), so its state is there; `??=` only for the type.
    const state = (slot.backoff ??= { attempts: 0, startedAt: this.system.clock.now() });
    if (this.system.clock.now() - state.startedAt >= backoff.resetAfter) state.attempts = 0;
    return backoffDelay(state.attempts++, backoff, this.system.random);
  }

  private onAggregateTimeout(timeout: number): Promise<void> | void {
    if (this.phase !== 'running') return;
    const verdict = this.aggregator.timedOut(this.liveIds(), timeout);
    if (verdict.type === 'done') return this.finish({ outcome: 'normal', output: verdict.output });
    if (verdict.type === 'failed') return this.finish({ outcome: 'crash', error: verdict.error });
  }

  /** Ends this incarnation by itself: stops the children (reverse order), then exits. */
  private async finish(exit: Exit): Promise<void> {
    this.lifecycleSend(exit.outcome === 'normal' ? 'finish' : 'give_up');
    this.clearTimers();
    await this.stopChildren();
    this.lifecycleSend('stopped');
    this.exited(exit);
  }

  // --- the dynamic child API (each step is a system message) ---------------------------------

  /**
   * Starts a dynamic child. When nothing is queued before it and the supervisor is not inside an
   * operation of its own, it runs at once on the caller's stack (the order is the one the mailbox
   * would give, and a system message plus a dispatcher turn per child was most of `startChild`'s
   * cost); otherwise it waits its turn as a system message.
   */
  startChild(spec: ChildSpec): Promise<ActorRef> {
    if (this.acting === 0 && this.controlIdle) {
      try {
        return Promise.resolve(this.act(() => this.startChildNow(spec)));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return this.control('start_child', () => this.startChildNow(spec));
  }

  private startChildNow(spec: ChildSpec): ActorRef {
    this.assertRunning();
    const child = normalizeChildSpec(spec, 'spec', isSupervisorLogic, this.spec.autoShutdown, this.lastTemplate);
    if (this.slot(child.id)) throw new InvalidSpecError('spec.id', child.id, `must be unique among the children of ${this.path}`);
    this.lastTemplate = child.template;
    const slot = this.makeSlot(child, true, 'spec');
    this.addSlot(slot);
    this.startSlot(slot, 'child_started');
    return slot.cell.ref;
  }

  terminateChild(id: string): Promise<void> {
    return this.control('terminate_child', async () => {
      const slot = this.requireSlot(id);
      await this.terminateSlot(slot);
      slot.status = 'stopped';
      if (slot.spec.restart === 'temporary') this.removeSlot(slot);
      else slot.cell.retire();
    });
  }

  restartChild(id: string): Promise<ActorRef> {
    return this.control('restart_child', () => {
      this.assertRunning();
      const slot = this.requireSlot(id);
      if (slot.status !== 'stopped') throw new ArborError('CHILD_RUNNING', `child ${id} of ${this.path} is ${slot.status}`, { child: id });
      this.startSlot(slot, 'child_restarted');
      return slot.cell.ref;
    });
  }

  deleteChild(id: string): Promise<void> {
    return this.control('delete_child', () => {
      const slot = this.requireSlot(id);
      if (slot.status !== 'stopped') throw new ArborError('CHILD_RUNNING', `child ${id} of ${this.path} is ${slot.status}`, { child: id });
      this.removeSlot(slot);
    });
  }

  whichChildren(): ChildInfo[] {
    return this.slots.map((s) => ({ id: s.spec.id, path: s.cell.path, status: s.status }));
  }

  private requireSlot(id: string): Slot {
    const slot = this.slot(id);
    if (!slot) throw new ArborError('NOT_FOUND', `no child ${JSON.stringify(id)} under ${this.path}`, { child: id, supervisor: this.path });
    return slot;
  }

  private assertRunning(): void {
    if (this.phase !== 'running') throw new ArborError('ACTOR_STOPPED', `supervisor ${this.path} is ${this.phase}`, { path: this.path });
  }

  // --- reports and timers --------------------------------------------------------------------

  private report(kind: ReportKind, slot: Slot, reason?: ReportReason): void {
    const at = this.system.clock.now();
    const path = slot.cell.path;
    // Two literals, not a spread of a conditional one: no throwaway object per child started.
    this.system.report(
      reason === undefined ? { kind, supervisor: this.path, child: slot.spec.id, childPath: path, at } : { kind, supervisor: this.path, child: slot.spec.id, childPath: path, reason, at },
    );
  }

  private setTimer(ms: number, fn: () => void): void {
    const handle = this.system.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.add(handle);
  }

  private clearTimers(): void {
    for (const t of this.timers) this.system.clock.clearTimeout(t);
    this.timers.clear();
  }
}

/** Makes supervisor cells for `supervisor(...)` logic. */
export const supervisorCellFactory = {
  name: 'supervisor',
  accepts: isSupervisorLogic,
  create: (init: CellInit) => new SupervisorCell(init),
};
