/**
 * Actor paths: `arbor://<node>/<id>/<child id>/...`. A path names a place in a supervision tree,
 * not the host that runs it, so it stays the same across restarts and failovers.
 */
import { InvalidSpecError } from './errors.js';

export const SCHEME = 'arbor://';

/** The `to` of a published choreography event. */
export const TOPIC_TARGET = 'arbor://$topic';

/** The `to` of a message for a work pool: `arbor://$pool/<kind>`. */
export const POOL_TARGET = 'arbor://$pool';

/**
 * The host part of a singleton's path, `arbor://$singleton/<id>/...`: a singleton runs on whichever
 * node holds it, so its path names no node (see `src/durable/singletons.ts`).
 */
export const SINGLETON_HOST = '$singleton';

/** `arbor://$singleton/`, the prefix every singleton path starts with. */
const SINGLETON_PREFIX = `${SCHEME}${SINGLETON_HOST}/`;

/** `/`: a relative path that starts with it has its leading slashes dropped. */
const SLASH = 0x2f;

/** The location-independent path of the singleton `id`. */
export function singletonPath(id: string): string {
  return `${SCHEME}${SINGLETON_HOST}/${id}`;
}

/** The singleton id of a path at or below `arbor://$singleton/<id>`, or `undefined`. */
export function singletonIdOf(path: string): string | undefined {
  if (!path.startsWith(SINGLETON_PREFIX)) return undefined;
  const rest = path.slice(SINGLETON_PREFIX.length);
  const slash = rest.indexOf('/');
  const id = slash < 0 ? rest : rest.slice(0, slash);
  return id === '' ? undefined : id;
}

/** An actor or child id: non-empty, no `/`, no whitespace, at most 200 characters. */
const ID = /^[^/\s]{1,200}$/;

/** Throws `INVALID_SPEC` naming `field` unless `id` is a usable actor id. */
export function validateId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !ID.test(id) || id.startsWith('$')) {
    throw new InvalidSpecError(field, id, 'must be a non-empty string without "/" or whitespace, not starting with "$"');
  }
  return id;
}

/** The full path of a root actor on `node`. */
export function rootPath(node: string, id: string): string {
  return `${SCHEME}${node}/${id}`;
}

/** The full path of a child under `parentPath`. */
export function childPath(parentPath: string, id: string): string {
  return `${parentPath}/${id}`;
}

/** Accepts `arbor://node/a/b` or the node-relative `a/b` (also `/a/b`); returns the full path. */
export function resolvePath(node: string, path: string): string {
  if (path.startsWith(SCHEME)) return path;
  return `${SCHEME}${node}/${path.charCodeAt(0) === SLASH ? path.replace(/^\/+/, '') : path}`;
}

/** The node named in a full path, e.g. `a` for `arbor://a/root/w1`. */
export function nodeOfPath(path: string): string | undefined {
  if (!path.startsWith(SCHEME)) return undefined;
  const rest = path.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}
