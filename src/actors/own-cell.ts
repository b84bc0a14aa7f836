/**
 * XState logic that brings a lighter cell of its own. A pattern machine whose every step is known
 * in advance (a `chain`) can run without an XState actor per workflow and a promise actor per
 * step: it marks its machine with {@link OWN_CELL}, a function that makes a cell doing the same
 * work directly. The machine stays what diagrams, checks and durable actors use; the own cell is
 * taken only where nothing needs the XState actor itself:
 *
 * - not durable and not restored from a snapshot (both need XState's persisted snapshots);
 * - not under an inspector (it observes XState's inspection events).
 *
 * Anywhere else the machine runs as any XState worker does, with the same outcomes.
 */
import type { Cell, CellFactory, CellInit } from '../runtime/index.js';
import { XStateCell, isActorLogic } from './xstate-cell.js';

/** The key under which logic keeps the maker of its own cell. */
export const OWN_CELL = Symbol.for('arbor.ownCell');

/** Logic with a cell of its own (see the file header). */
export interface OwnCellLogic {
  [OWN_CELL](init: CellInit): Cell;
}

function ownCellOf(logic: unknown): ((init: CellInit) => Cell) | undefined {
  const make = (logic as Partial<OwnCellLogic> | null | undefined)?.[OWN_CELL];
  return typeof make === 'function' ? make : undefined;
}

/** Makes the own cell of logic that has one, where it may run (see the file header); an XState cell under an inspector. */
export const ownCellFactory: CellFactory = {
  name: 'own',
  accepts: (logic, init) => ownCellOf(logic) !== undefined && isActorLogic(logic) && init?.durable === undefined && init?.snapshot === undefined,
  create: (init) => (init.system.inspect ? new XStateCell(init) : (ownCellOf(init.logic) as (init: CellInit) => Cell)(init)),
};
