/** What `describe()` and `clusterStatus()` return: each node's actors as trees. */
import type { TreeNode } from './cell.js';
import type { NodeInfo } from './transport.js';

/** One node's tree, as `describe()` returns it. */
export interface NodeTree {
  node: string;
  /** The root actors spawned on this node, with their subtrees. */
  roots: TreeNode[];
  /** Actors this node runs for supervisors on other nodes. */
  hosted: TreeNode[];
}

/** What `clusterStatus()` returns. */
export interface ClusterStatus {
  nodes: NodeInfo[];
  trees: NodeTree[];
  /** Nodes that were up but did not answer in time. */
  unreachable: string[];
}
