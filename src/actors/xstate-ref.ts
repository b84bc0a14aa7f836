/**
 * XState's helpers (`waitFor`, `toPromise`, `useSelector`-style code) take XState's `AnyActorRef`
 * type. An Arbor ref serves what they call (`subscribe`, `getSnapshot`, `on`, `send`,
 * `getPersistedSnapshot`) but not XState's whole actor interface (`start`, `stop`, `system`, ...),
 * so TypeScript does not accept it as one. This is the typed view for those helpers.
 */
import type { AnyActorRef } from 'xstate';
import type { ActorRef } from '../runtime/ref.js';

/**
 * An Arbor ref typed as XState's `AnyActorRef`, for XState's helpers.
 *
 * @example
 * await waitFor(asXStateRef(ref), (s) => s.context.n >= 2);
 * const output = await toPromise(asXStateRef(ref));
 */
export function asXStateRef(ref: ActorRef): AnyActorRef {
  return ref as unknown as AnyActorRef;
}
