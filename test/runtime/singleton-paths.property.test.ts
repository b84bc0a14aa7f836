/**
 * Singleton paths: `arbor://$singleton/<id>/...` names no node, and the id is read back from any
 * path at or below it; no other path (a node's, a pool's) is taken for a singleton's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeOfPath, rootPath, SINGLETON_HOST, singletonIdOf, singletonPath, validateId } from '../../src/runtime/paths.js';

const id = fc.stringMatching(/^[^/\s$][^/\s]{0,30}$/).filter((s) => {
  try {
    validateId(s, 'id');
    return true;
  } catch {
    return false;
  }
});
const below = fc.array(id, { maxLength: 4 }).map((ids) => ids.map((i) => `/${i}`).join(''));

describe('singleton paths', () => {
  it('read back the id from the root and any path below it; the host part is $singleton, not a node', () => {
    fc.assert(
      fc.property(id, below, (i, rest) => {
        const path = singletonPath(i) + rest;
        expect(singletonIdOf(path)).toBe(i);
        expect(nodeOfPath(path)).toBe(SINGLETON_HOST);
      }),
    );
  });

  it('never take a node’s path, or a pool’s, for a singleton’s', () => {
    fc.assert(
      fc.property(id, id, below, (node, i, rest) => {
        expect(singletonIdOf(rootPath(node, i) + rest)).toBeUndefined();
        expect(singletonIdOf(`arbor://$pool/${i}`)).toBeUndefined();
      }),
    );
    expect(singletonIdOf('arbor://$singleton/')).toBeUndefined();
    expect(singletonIdOf('$singleton/x')).toBeUndefined();
  });
});
