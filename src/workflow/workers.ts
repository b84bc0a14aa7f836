/**
 * Crash injection without a hook in the runtime: under simulation every worker is the real
 * {@link XStateCell}, made from its logic wrapped so that `transition` throws when the schedule
 * armed a crash for that worker. A throwing transition is exactly how a worker crashes in
 * production (a throwing action or guard): XState sets status `'error'`, the cell dead-letters the
 * message it was processing and reports the exit, and the supervisor decides. The wrapper is a
 * prototype-derived object, so the logic is otherwise the user's own, untouched.
 */
import type { AnyActorLogic } from 'xstate';
import { isActorLogic, XStateCell } from '../actors/xstate-cell.js';
import type { Cell, CellInit } from '../runtime/cell.js';
import { ArborError, withoutStack } from '../runtime/errors.js';
import type { CellFactory } from '../runtime/system-options.js';

/** The one crash the schedule has armed, if any: the worker cell whose next transition throws. */
export interface CrashSwitch {
  armed: Cell | undefined;
}

/** The error of an injected crash, without a stack: it would only show the simulator's frames under XState's. */
function injectedCrash(path: string, type: string): ArborError {
  return withoutStack(() => new ArborError('ACTOR_CRASHED', `injected crash of ${path} while processing "${type}"`, { path, event: type, injected: true }));
}

function crashable(logic: AnyActorLogic, cell: () => Cell | undefined, crash: CrashSwitch): AnyActorLogic {
  const wrapped = Object.create(logic) as AnyActorLogic;
  const base = logic.transition;
  wrapped.transition = function (this: AnyActorLogic, snapshot, event, scope) {
    const type = (event as { type?: unknown }).type;
    // XState's own events (init, delays, done/error of children) are not messages of the schedule.
    if (crash.armed !== undefined && crash.armed === cell() && !(typeof type === 'string' && type.startsWith('xstate.'))) {
      crash.armed = undefined;
      throw injectedCrash((cell() as Cell).path, String(type));
    }
    return base.call(this, snapshot, event, scope);
  } as AnyActorLogic['transition'];
  return wrapped;
}

/** Makes worker cells whose crashes the schedule can inject; `made` hears of every cell. */
export function simulatedWorkerFactory(crash: CrashSwitch, made: (cell: XStateCell) => void): CellFactory {
  return {
    name: 'xstate-simulated',
    accepts: isActorLogic,
    create(init: CellInit): Cell {
      // The logic is wrapped before the cell exists; the wrapper finds its cell through this box.
      const box: { cell?: XStateCell } = {};
      const cell = new XStateCell({ ...init, logic: crashable(init.logic as AnyActorLogic, () => box.cell, crash) });
      box.cell = cell;
      made(cell);
      return cell;
    },
  };
}
