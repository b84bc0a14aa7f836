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
  /** Messages this node's actors processed so far (the inspector's messages per second). */
  processed?: number;
  /** How many messages went to dead letters on this node so far. */
  deadLetters?: number;
}

/** What `clusterStatus()` returns. */
export interface ClusterStatus {
  nodes: NodeInfo[];
  trees: NodeTree[];
  /** Nodes that were up but did not answer in time. */
  unreachable: string[];
}
