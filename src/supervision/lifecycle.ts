/**
 * The supervisor's own lifecycle as an XState machine, so it can be drawn and checked with the
 * same tools as user machines. It holds no side effects: the supervisor cell sends it events as
 * it carries out its work and reads the phase back.
 *
 * idle ─start→ running ─finish→ completing ─stopped→ exited      (normal exit: aggregate / auto shutdown)
 *                      ─give_up→ failing   ─stopped→ failed       (MAX_RESTART_INTENSITY, failed aggregate)
 *                      ─terminate→ terminating ─stopped→ idle     (stopped by its parent or the system)
 * exited, failed and idle accept `start` again: the parent may restart the supervisor.
 */
import { initialTransition, setup, transition } from 'xstate';

export type LifecycleEvent =
  | { type: 'start' }
  | { type: 'finish' }
  | { type: 'give_up' }
  | { type: 'terminate' }
  | { type: 'stopped' };

export const supervisorLifecycle = setup({
  types: { events: {} as LifecycleEvent },
}).createMachine({
  id: 'supervisor',
  initial: 'idle',
  states: {
    idle: { on: { start: 'running' } },
    running: { on: { finish: 'completing', give_up: 'failing', terminate: 'terminating' } },
    completing: { on: { stopped: 'exited', terminate: 'terminating' } },
    failing: { on: { stopped: 'failed', terminate: 'terminating' } },
    terminating: { on: { stopped: 'idle' } },
    exited: { on: { start: 'running', terminate: 'idle' } },
    failed: { on: { start: 'running', terminate: 'idle' } },
  },
});

export type LifecyclePhase = 'idle' | 'running' | 'completing' | 'failing' | 'terminating' | 'exited' | 'failed';

const LIFECYCLE_EVENTS: readonly LifecycleEvent['type'][] = ['start', 'finish', 'give_up', 'terminate', 'stopped'];

/** Phase → event → next phase, read off {@link supervisorLifecycle} once (see {@link nextPhase}). */
let table: Map<LifecyclePhase, Map<LifecycleEvent['type'], LifecyclePhase>> | undefined;

function lifecycleTable(): Map<LifecyclePhase, Map<LifecycleEvent['type'], LifecyclePhase>> {
  if (table) return table;
  const out = new Map<LifecyclePhase, Map<LifecycleEvent['type'], LifecyclePhase>>();
  type LifecycleSnapshot = ReturnType<typeof initialTransition<typeof supervisorLifecycle>>[0];
  const todo: LifecycleSnapshot[] = [initialTransition(supervisorLifecycle)[0]];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    if (out.has(s.value)) continue;
    const row = new Map<LifecycleEvent['type'], LifecyclePhase>();
    out.set(s.value, row);
    for (const type of LIFECYCLE_EVENTS) {
      const [next] = transition(supervisorLifecycle, s, { type });
      row.set(type, next.value);
      todo.push(next);
    }
  }
  return (table = out);
}

/**
 * The phase `event` leads to from `phase`, as {@link supervisorLifecycle} says (the machine has
 * no actions, so its transitions are all it does). A supervisor nobody inspects steps its phase
 * through this table instead of running an XState actor: building, starting and sending to one
 * is a good part of what starting a supervisor costs, and a simulated run starts its tree anew.
 */
export function nextPhase(phase: LifecyclePhase, event: LifecycleEvent['type']): LifecyclePhase {
  return lifecycleTable().get(phase)?.get(event) ?? phase;
}
