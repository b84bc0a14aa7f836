/**
 * Durable actors: XState workers whose state is committed to a `StateStore` after every message
 * and resumed on every new incarnation. `createSystem` plugs {@link durableCellFactory} in.
 */
import { isActorLogic } from '../actors/xstate-cell.js';
import type { CellFactory } from '../runtime/system-options.js';
import { DurableCell, type DurableRuntime } from './durable-cell.js';

export { DurableCell, messageIdOf, type DurableRuntime } from './durable-cell.js';
export { machineVersion } from './machine-version.js';

/** Makes the cells of durable XState workers; `runtime` is asked on the first start (the store is opened lazily). */
export function durableCellFactory(runtime: () => DurableRuntime): CellFactory {
  return {
    name: 'durable',
    accepts: (logic, init) => init?.durable !== undefined && isActorLogic(logic),
    create: (init) => new DurableCell(init, runtime),
  };
}
