/**
 * The cluster's trees as flat rows keyed by path: what the page holds and what diffs are made of.
 * A child placed on another node appears twice in `clusterStatus()` (the owner's `remote` row and
 * the host's `hosted` row); here it is one row, the owner's place in the tree with the host's
 * state and mailbox.
 */
import type { ClusterStatus, NodeTree } from '../runtime/node-status.js';
import type { TreeNode } from '../runtime/cell.js';
import type { MailboxStats } from '../runtime/actor-detail.js';

/** One actor, as the page shows it. */
export interface Row {
  path: string;
  /** The parent's path, or `node:<id>` for a root actor of node `<id>`. */
  parent: string;
  /** Its place among its siblings. */
  index: number;
  id: string;
  type: TreeNode['type'];
  status: string;
  /** The node that runs it. */
  node: string;
  kind?: string;
  state?: string;
  restarts?: number;
  strategy?: string;
  mailbox?: MailboxStats;
  /** Its state survives crashes, failover and restarts. */
  durable?: true;
  /** The root of a cluster singleton (its row is under the node that runs it now). */
  singleton?: true;
}

/** `status` as rows by path, in tree order. */
export function statusRows(status: Pick<ClusterStatus, 'trees'>): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const tree of status.trees) addTree(rows, tree);
  // Hosted rows overlay the owner's remote rows; a hosted actor whose owner did not answer still shows.
  for (const tree of status.trees) {
    for (const [i, hosted] of tree.hosted.entries()) overlayHosted(rows, hosted, tree.node, i);
  }
  return rows;
}

function addTree(rows: Map<string, Row>, tree: NodeTree): void {
  tree.roots.forEach((root, i) => addNode(rows, root, `node:${tree.node}`, i));
}

function addNode(rows: Map<string, Row>, node: TreeNode, parent: string, index: number): void {
  rows.set(node.path, rowOf(node, parent, index));
  node.children?.forEach((child, i) => addNode(rows, child, node.path, i));
}

function rowOf(node: TreeNode, parent: string, index: number): Row {
  const row: Row = { path: node.path, parent, index, id: node.id, type: node.type, status: node.status, node: node.node };
  if (node.kind !== undefined) row.kind = node.kind;
  if (node.state !== undefined) row.state = node.state;
  if (node.restarts !== undefined) row.restarts = node.restarts;
  if (node.strategy !== undefined) row.strategy = node.strategy;
  if (node.mailbox !== undefined) row.mailbox = node.mailbox;
  if (node.durable === true) row.durable = true;
  if (node.singleton === true) row.singleton = true;
  return row;
}

function overlayHosted(rows: Map<string, Row>, hosted: TreeNode, host: string, index: number): void {
  const owner = rows.get(hosted.path);
  if (!owner) {
    const parent = parentPath(hosted.path);
    addNode(rows, hosted, parent !== undefined && rows.has(parent) ? parent : `node:${host}`, index);
    return;
  }
  const merged = rowOf(hosted, owner.parent, owner.index);
  merged.type = owner.type;
  merged.node = host;
  if (owner.kind !== undefined) merged.kind = owner.kind;
  // Restarts are counted by the owner (each is a new incarnation it placed); the host sees one.
  if (owner.restarts !== undefined) merged.restarts = owner.restarts;
  else delete merged.restarts;
  if (owner.mailbox !== undefined && merged.mailbox === undefined) merged.mailbox = owner.mailbox;
  if (owner.singleton) merged.singleton = true;
  rows.set(hosted.path, merged);
  hosted.children?.forEach((child, i) => addNode(rows, child, hosted.path, i));
}

/** `arbor://a/root/w1` → `arbor://a/root`; a root's path has no parent. */
export function parentPath(path: string): string | undefined {
  const m = /^(arbor:\/\/[^/]+\/.+)\/[^/]+$/.exec(path);
  return m ? m[1] : undefined;
}
