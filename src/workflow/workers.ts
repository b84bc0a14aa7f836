/**
 * Crash injection without a hook in the runtime: under simulation every worker is the real
 * {@link XStateCell}, made from its logic wrapped so that `transition` throws when the schedule
 * armed a crash for that worker. A throwing transition is exactly how a worker crashes in
 * production (a throwing action or guard): XState sets status `'error'`, the cell dead-letters the
 * message it was processing and reports the exit, and the supervisor decides. The wrapper is a
 * prototype-derived object, so the logic is otherwise the user's own, untouched.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import { isActorLogic, XStateCell } from '../actors/xstate-cell.js';
import type { Cell, CellInit } from '../runtime/cell.js';
import { ArborError, withoutStack } from '../runtime/errors.js';
import type { CellFactory } from '../runtime/system-options.js';

/**
 * The one crash armed now, if any: the worker cell whose next transition throws. One for every
 * simulation in the process: a crash is armed only for the synchronous turn of that cell
 * ({@link withCrash}), so simulations running side by side never see each other's.
 */
let armed: XStateCell | undefined;

/** Runs `turn` (one turn of `cell`) with a crash armed for `cell`'s next transition. */
export function withCrash<T>(cell: Cell, turn: () => T): T {
  armed = cell as XStateCell;
  try {
    return turn();
  } finally {
    armed = undefined;
  }
}

/** The error of an injected crash, without a stack: it would only show the simulator's frames under XState's. */
function injectedCrash(path: string, type: string): ArborError {
  return withoutStack(() => new ArborError('ACTOR_CRASHED', `injected crash of ${path} while processing "${type}"`, { path, event: type, injected: true }));
}

/**
 * Each logic's wrapper, made once: the wrapper knows its actor by the `self` XState hands its
 * `transition` (the armed cell's current incarnation), so it needs no cell of its own and every
 * run, every worker of a logic, shares it.
 */
const wrappers = new WeakMap<AnyActorLogic, AnyActorLogic>();

function crashable(logic: AnyActorLogic): AnyActorLogic {
  let wrapped = wrappers.get(logic);
  if (wrapped !== undefined) return wrapped;
  wrapped = Object.create(logic) as AnyActorLogic;
  const base = logic.transition;
  wrapped.transition = function (this: AnyActorLogic, snapshot, event, scope) {
    const cell = armed;
    // XState's own events (init, delays, done/error of children) are not messages of the schedule.
    if (cell !== undefined && cell._actor === (scope as { self?: AnyActorRef }).self) {
      const type = (event as { type?: unknown }).type;
      if (!(typeof type === 'string' && type.startsWith('xstate.'))) {
        armed = undefined;
        throw injectedCrash(cell.path, String(type));
      }
    }
    return base.call(this, snapshot, event, scope);
  } as AnyActorLogic['transition'];
  wrappers.set(logic, wrapped);
  return wrapped;
}

/** Makes worker cells whose crashes the schedule can inject; `made` hears of every cell. */
export function simulatedWorkerFactory(made: (cell: XStateCell) => void): CellFactory {
  return {
    name: 'xstate-simulated',
    accepts: isActorLogic,
    create(init: CellInit): Cell {
      const cell = new XStateCell({ ...init, logic: crashable(init.logic as AnyActorLogic) });
      made(cell);
      return cell;
    },
  };
}
