/** The cluster's trees as rows: one row per actor, a remote child shown where its owner placed it, with its host's state. */
import { describe, expect, it } from 'vitest';
import { parentPath, statusRows } from '../../src/inspector/rows.js';
import type { NodeTree } from '../../src/index.js';

const owner: NodeTree = {
  node: 'a',
  roots: [
    {
      path: 'arbor://a/root',
      id: 'root',
      type: 'supervisor',
      status: 'running',
      node: 'a',
      strategy: 'one_for_one',
      children: [
        { path: 'arbor://a/root/w1', id: 'w1', type: 'remote', status: 'running', node: 'b', kind: 'light', restarts: 2 },
        { path: 'arbor://a/root/w2', id: 'w2', type: 'worker', status: 'running', node: 'a', state: 'idle' },
      ],
    },
  ],
  hosted: [],
};
const host: NodeTree = {
  node: 'b',
  roots: [],
  hosted: [{ path: 'arbor://a/root/w1', id: 'w1', type: 'worker', status: 'running', node: 'b', state: 'yellow', mailbox: { depth: 3, oldestAge: 40 } }],
};

describe('status rows', () => {
  it('list every actor once, in tree order, under its parent or its node', () => {
    const rows = statusRows({ trees: [owner, host] });
    expect([...rows.keys()]).toEqual(['arbor://a/root', 'arbor://a/root/w1', 'arbor://a/root/w2']);
    expect(rows.get('arbor://a/root')).toMatchObject({ parent: 'node:a', index: 0, strategy: 'one_for_one' });
    expect(rows.get('arbor://a/root/w2')).toMatchObject({ parent: 'arbor://a/root', index: 1, state: 'idle' });
  });

  it('merge a remote child’s owner row with its host’s: the host’s state and mailbox, the owner’s place and restarts', () => {
    const row = statusRows({ trees: [owner, host] }).get('arbor://a/root/w1');
    expect(row).toEqual({
      path: 'arbor://a/root/w1',
      parent: 'arbor://a/root',
      index: 0,
      id: 'w1',
      type: 'remote',
      status: 'running',
      node: 'b',
      kind: 'light',
      state: 'yellow',
      restarts: 2,
      mailbox: { depth: 3, oldestAge: 40 },
    });
  });

  it('still show what a node hosts when the owner did not answer', () => {
    const rows = statusRows({ trees: [host] });
    expect(rows.get('arbor://a/root/w1')).toMatchObject({ parent: 'node:b', state: 'yellow' });
  });

  it('mark the root of a cluster singleton, under the node that runs it', () => {
    const tree: NodeTree = { node: 'c', roots: [{ path: 'arbor://$singleton/books', id: 'books', type: 'worker', status: 'running', node: 'c', singleton: true }], hosted: [], singletons: [{ id: 'books', path: 'arbor://$singleton/books', role: 'owner' }] };
    expect(statusRows({ trees: [tree] }).get('arbor://$singleton/books')).toMatchObject({ parent: 'node:c', singleton: true });
    expect(statusRows({ trees: [owner] }).get('arbor://a/root')).not.toHaveProperty('singleton');
  });

  it('carry the durable mark, and the singleton mark when the status data has one, also for a remote child', () => {
    const marked: NodeTree = {
      node: 'a',
      roots: [
        { path: 'arbor://a/d', id: 'd', type: 'worker', status: 'running', node: 'a', durable: true },
        { path: 'arbor://a/s', id: 's', type: 'supervisor', status: 'running', node: 'a', singleton: true } as NodeTree['roots'][number],
        { path: 'arbor://a/r', id: 'r', type: 'remote', status: 'running', node: 'b', singleton: true } as NodeTree['roots'][number],
        { path: 'arbor://a/plain', id: 'plain', type: 'worker', status: 'running', node: 'a' },
      ],
      hosted: [],
    };
    const hosting: NodeTree = { node: 'b', roots: [], hosted: [{ path: 'arbor://a/r', id: 'r', type: 'worker', status: 'running', node: 'b', durable: true }] };
    const rows = statusRows({ trees: [marked, hosting] });
    expect(rows.get('arbor://a/d')).toMatchObject({ durable: true });
    expect(rows.get('arbor://a/s')).toMatchObject({ singleton: true });
    expect(rows.get('arbor://a/r')).toMatchObject({ durable: true, singleton: true, node: 'b' });
    expect(rows.get('arbor://a/plain')).not.toHaveProperty('durable');
    expect(rows.get('arbor://a/plain')).not.toHaveProperty('singleton');
  });

  it('find a path’s parent, and none for a root', () => {
    expect(parentPath('arbor://a/root/w1')).toBe('arbor://a/root');
    expect(parentPath('arbor://a/root')).toBeUndefined();
  });
});
