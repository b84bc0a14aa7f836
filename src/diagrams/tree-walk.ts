/**
 * Reads a supervision tree by its structural shape only, so diagrams do not depend on how
 * `supervisor()` is implemented: a supervisor logic value is any object with a `spec` whose
 * `children` is an array; the raw options object passed to `supervisor()` is accepted too.
 */
import { InvalidSpecError } from '../runtime/errors.js';

/** A child entry as the tree diagrams read it. Only `id` is required. */
export interface ChildSpecLike {
  readonly id: string;
  readonly logic?: unknown;
  readonly kind?: string;
  readonly node?: string | readonly string[];
  readonly restart?: string;
  readonly significant?: boolean;
}

/** The supervisor options as the tree diagrams read them. */
export interface SupervisorSpecLike {
  readonly strategy?: string;
  readonly intensity?: number;
  readonly period?: number;
  readonly children: readonly ChildSpecLike[];
}

/** What `supervisor({...})` returns, as far as diagrams care. */
export interface SupervisorLike {
  readonly spec: SupervisorSpecLike;
}

/** True for a supervisor logic value: an object with `spec.children` an array. */
export function isSupervisorLike(x: unknown): x is SupervisorLike {
  return typeof x === 'object' && x !== null && 'spec' in x && isSupervisorSpecLike(x.spec);
}

/** True for raw supervisor options: an object with a `children` array. */
export function isSupervisorSpecLike(x: unknown): x is SupervisorSpecLike {
  return typeof x === 'object' && x !== null && 'children' in x && Array.isArray(x.children);
}

/**
 * The defaults a raw options object gets in diagrams. They mirror the contract's defaults
 * (OTP's), since raw options have not been through `supervisor()`'s normalisation.
 */
export const TREE_DEFAULTS = {
  strategy: 'one_for_one',
  intensity: 1,
  period: 5000,
  restart: 'permanent',
} as const;

/** One node of a supervision tree, normalised for rendering. */
export type TreeNode = SupervisorNode | WorkerNode;

interface NodeBase {
  readonly id: string;
  /** Ids from the root, e.g. `['root', 'db', 'pool']`. */
  readonly path: readonly string[];
  /** Only for children: the parent's restart decision for this child. */
  readonly restart?: string;
  readonly actorKind?: string;
  readonly nodes?: readonly string[];
  readonly significant?: boolean;
}

export interface SupervisorNode extends NodeBase {
  readonly type: 'supervisor';
  readonly strategy: string;
  readonly intensity: number;
  readonly period: number;
  readonly children: readonly TreeNode[];
}

export interface WorkerNode extends NodeBase {
  readonly type: 'worker';
}

/**
 * Normalises a supervisor logic value or raw options into a {@link SupervisorNode}. Throws an
 * `INVALID_SPEC` error when `logic` has neither shape.
 */
export function walkTree(logic: unknown, rootId = 'root'): SupervisorNode {
  const spec = specOf(logic);
  if (!spec) throw new InvalidSpecError('logic', logic, 'must be a supervisor (an object with spec.children) or supervisor options (with children)');
  return supervisorNode(spec, rootId, [rootId], {});
}

function specOf(logic: unknown): SupervisorSpecLike | undefined {
  if (isSupervisorLike(logic)) return logic.spec;
  if (isSupervisorSpecLike(logic)) return logic;
  return undefined;
}

function supervisorNode(spec: SupervisorSpecLike, id: string, path: readonly string[], base: Partial<NodeBase>): SupervisorNode {
  return {
    ...base,
    type: 'supervisor',
    id,
    path,
    strategy: spec.strategy ?? TREE_DEFAULTS.strategy,
    intensity: spec.intensity ?? TREE_DEFAULTS.intensity,
    period: spec.period ?? TREE_DEFAULTS.period,
    children: spec.children.map((child) => childNode(child, [...path, child.id])),
  };
}

function childNode(child: ChildSpecLike, path: readonly string[]): TreeNode {
  const base: NodeBase = {
    id: child.id,
    path,
    restart: child.restart ?? TREE_DEFAULTS.restart,
    ...(child.kind === undefined ? {} : { actorKind: child.kind }),
    ...(child.node === undefined ? {} : { nodes: typeof child.node === 'string' ? [child.node] : [...child.node] }),
    ...(child.significant ? { significant: true } : {}),
  };
  // Only a supervisor *logic* value (with `spec`) marks a nested supervisor; raw options as a
  // child's logic are not something `spawn` accepts, so they are not guessed at here.
  return isSupervisorLike(child.logic) ? supervisorNode(child.logic.spec, child.id, path, base) : { ...base, type: 'worker' };
}

/** The lines of text describing a node, shared by the Mermaid and DOT tree renderers. */
export function nodeLines(node: TreeNode): string[] {
  const lines = [node.id];
  if (node.type === 'supervisor') lines.push(`${node.strategy}`, `max ${node.intensity} restarts in ${node.period} ms`);
  const facts = [node.restart, node.actorKind === undefined ? undefined : `kind ${node.actorKind}`, node.significant ? 'significant' : undefined];
  const defined = facts.filter((f): f is string => f !== undefined);
  if (defined.length > 0) lines.push(defined.join(', '));
  if (node.nodes) lines.push(`on ${node.nodes.join(' | ')}`);
  return lines;
}

/** Every node of the tree, parents before children. */
export function allTreeNodes(node: TreeNode): TreeNode[] {
  return [node, ...(node.type === 'supervisor' ? node.children.flatMap(allTreeNodes) : [])];
}
