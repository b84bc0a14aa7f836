/**
 * One `systemId` registry per actor system, shared by every worker on the node. XState gives each
 * `createActor` its own system, so `system.get('receiver')` in one worker could not see an actor
 * registered by another; Arbor's workers consult this registry instead (see
 * `src/actors/xstate-system.ts`). Entries are Arbor refs (roots spawned with a `systemId`) or
 * XState actors living inside a worker (children spawned with a `systemId`). Ids are per node:
 * a lookup never reaches into another node's registry.
 */
import { ArborError, InvalidSpecError } from './errors.js';

export class SystemIds {
  private readonly byId = new Map<string, unknown>();

  get(systemId: string): unknown {
    return this.byId.get(systemId);
  }

  /** Registers `target` under `systemId`; `INVALID_SPEC` if another actor holds it. */
  set(systemId: string, target: unknown): void {
    this.assertFree(systemId, target);
    this.byId.set(systemId, target);
  }

  /** Throws `INVALID_SPEC` unless `systemId` is a non-empty string that no actor (other than `target`) holds. */
  assertFree(systemId: unknown, target?: unknown): asserts systemId is string {
    if (typeof systemId !== 'string' || systemId.length === 0) throw new InvalidSpecError('systemId', systemId, 'must be a non-empty string');
    const existing = this.byId.get(systemId);
    if (existing !== undefined && existing !== target) {
      throw new ArborError('INVALID_SPEC', `an actor with system id ${JSON.stringify(systemId)} already exists on this node`, { field: 'systemId', value: systemId });
    }
  }

  /** Removes `systemId` if `target` still holds it. */
  delete(systemId: string, target: unknown): void {
    if (this.byId.get(systemId) === target) this.byId.delete(systemId);
  }

  get size(): number {
    return this.byId.size;
  }
}

const registries = new WeakMap<object, SystemIds>();

/** The registry of `system` (any object standing for one node's actor system). */
export function systemIdsOf(system: object): SystemIds {
  let r = registries.get(system);
  if (!r) registries.set(system, (r = new SystemIds()));
  return r;
}
