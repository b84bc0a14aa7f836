/**
 * XState inspection of a whole supervision tree. Every worker and supervisor is its own XState
 * root (one `createActor` each), so on its own the inspector would draw unrelated roots. The
 * system wraps the user's observer with {@link inspectionTree}: it remembers the XState actor
 * behind each Arbor path (workers and supervisors use their path as XState `id`) and, when an
 * actor whose path has a parent on this node is announced (`@xstate.actor`), links it to that
 * parent's actor, so inspectors (Stately's reads `actorRef._parent.sessionId`) draw the real tree.
 * Workers then replace that link with their routing parent (`src/actors/xstate-system.ts`), and
 * report each delivered message as one `@xstate.event` with both its source and its target.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { SCHEME } from './paths.js';

type Observer = (event: InspectionEvent) => void;

/** The XState actors by Arbor path, per wrapped observer (one per system). */
const trees = new WeakMap<Observer, Map<string, AnyActorRef>>();

/**
 * A parent link for inspection only: XState relays a child's done and error events to its
 * `_parent`; those reach the supervisor as exits already, so the link drops them.
 */
function inspectionParent(parent: AnyActorRef): AnyActorRef {
  return { id: parent.id, sessionId: parent.sessionId, _send: () => undefined, send: () => undefined } as unknown as AnyActorRef;
}

/** Wraps `observer` so the inspection events of a system describe its tree. */
export function inspectionTree(observer: Observer): Observer {
  const actors = new Map<string, AnyActorRef>();
  const wrapped: Observer = (event) => {
    if (event.type === '@xstate.actor') {
      const ref = event.actorRef as AnyActorRef & { _parent?: AnyActorRef };
      const id = ref.id;
      if (typeof id === 'string' && id.startsWith(SCHEME)) {
        actors.set(id, ref);
        const parent = actors.get(id.slice(0, id.lastIndexOf('/')));
        if (ref._parent === undefined && parent !== undefined) ref._parent = inspectionParent(parent);
      }
    } else if (event.type === '@xstate.snapshot' && event.snapshot.status !== 'active') {
      // An actor that ended is forgotten (the map stays as big as the live tree).
      const id = (event.actorRef as AnyActorRef).id;
      if (actors.get(id) === event.actorRef) actors.delete(id);
    }
    observer(event);
  };
  trees.set(wrapped, actors);
  return wrapped;
}

/** The XState actor last announced for `path` under the wrapped `observer`, if any. */
export function inspectedActorAt(observer: Observer | undefined, path: string | undefined): AnyActorRef | undefined {
  if (observer === undefined || path === undefined) return undefined;
  return trees.get(observer)?.get(path);
}
