/**
 * Delayed events (`after`, delayed `sendTo`/`raise`) of a durable actor: read from XState's
 * scheduler to be committed with the state, and re-armed with the time they had left on a new
 * incarnation. XState does not restore them itself (statelyai/xstate#5331).
 *
 * XState stamps a scheduled event with `Date.now()`; the due times here come from the system's
 * clock instead (the scheduler is wrapped as the incarnation starts), so a simulated clock works.
 */
import type { AnyActorRef, EventObject } from 'xstate';
import type { Clock } from '../runtime/clock.js';
import type { JsonValue, PendingTimer } from '../store/StateStore.js';

interface ScheduledEvent {
  source: AnyActorRef;
  target: AnyActorRef;
  event: EventObject;
  delay: number;
  id: string;
  startedAt: number;
}

interface SchedulerSystem {
  scheduler: { schedule(source: AnyActorRef, target: AnyActorRef, event: EventObject, delay: number, id?: string): void };
  getSnapshot(): { _scheduledEvents: Record<string, ScheduledEvent> };
}

const key = (source: AnyActorRef, id: string): string => `${source.sessionId}.${id}`;

/** Due times by scheduled-event key, recorded from `clock` as the actor's system schedules them. */
export function watchScheduler(actor: AnyActorRef, clock: Clock): Map<string, number> {
  const due = new Map<string, number>();
  const scheduler = (actor.system as unknown as SchedulerSystem).scheduler;
  const schedule = scheduler.schedule.bind(scheduler);
  scheduler.schedule = (source, target, event, delay, id = Math.random().toString(36).slice(2)) => {
    due.set(key(source, id), clock.now() + delay);
    schedule(source, target, event, delay, id);
  };
  return due;
}

/**
 * The delayed events `actor` itself scheduled that have not fired or been cancelled, and those its
 * child machines scheduled to themselves (an invoked saga's `after`): those are stored with the
 * child's id as their target and re-armed on the restored child.
 */
export function pendingTimers(actor: AnyActorRef, due: Map<string, number>): PendingTimer[] {
  const scheduled = (actor.system as unknown as SchedulerSystem).getSnapshot()._scheduledEvents;
  const timers: PendingTimer[] = [];
  for (const [k, s] of Object.entries(scheduled)) {
    const ownChild = s.source !== actor && s.target === s.source && (s.source as { _parent?: unknown })._parent === actor;
    if (s.source !== actor && !ownChild) continue;
    const dueAt = due.get(k) ?? s.startedAt + s.delay;
    const timer = { id: s.id, dueAt, event: s.event as unknown as JsonValue };
    timers.push(s.target === actor ? timer : ownChild ? { ...timer, target: s.target.id, own: true } : { ...timer, target: s.target.id });
  }
  return timers;
}

/**
 * Schedules `timers` again on a resumed `actor`, each with the time it had left (at once when
 * overdue). A timer whose target (a child, by id) is gone is returned, not armed.
 */
export function rearmTimers(actor: AnyActorRef, timers: readonly PendingTimer[], now: number): PendingTimer[] {
  const scheduler = (actor.system as unknown as SchedulerSystem).scheduler;
  const children = (actor.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children ?? {};
  const lost: PendingTimer[] = [];
  for (const t of timers) {
    const target = t.target === undefined ? actor : (children[t.target] ?? (actor.system.get(t.target) as AnyActorRef | undefined));
    if (!target) {
      lost.push(t);
      continue;
    }
    // Keyed by its source, as XState cancels it: the child's own timer under the child.
    scheduler.schedule(t.own === true ? target : actor, target, t.event as unknown as EventObject, Math.max(0, t.dueAt - now), t.id);
  }
  return lost;
}
