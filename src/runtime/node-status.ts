/** What `describe()` and `clusterStatus()` return: each node's actors as trees. */
import type { TreeNode } from './cell.js';
import type { SingletonStatus } from './singleton-port.js';
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
  /** The last dead letters of this node (at most {@link RECENT_DEAD_LETTERS}), oldest first; absent when none. */
  recentDeadLetters?: DeadLetterNote[];
  /** The cluster singletons this node spawned and its role in each (absent when none). */
  singletons?: SingletonStatus[];
}

/** A dead letter in brief, as `describe()` carries it to other nodes. */
export interface DeadLetterNote {
  at: number;
  recipient: string;
  /** The event's type (or what it was, when it had none). */
  type: string;
  code: string;
  reason: string;
}

/** How many dead letters `describe()` carries. */
export const RECENT_DEAD_LETTERS = 20;

/** What `clusterStatus()` returns. */
export interface ClusterStatus {
  nodes: NodeInfo[];
  trees: NodeTree[];
  /** Nodes that were up but did not answer in time. */
  unreachable: string[];
}
