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
import { setup } from 'xstate';

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
