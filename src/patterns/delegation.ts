/**
 * Hierarchical delegation: a task is decomposed into leaf tasks, each run by a worker; the
 * workers are grouped under supervisors of at most `chunkSize` children, and those under
 * supervisors again, until one supervisor holds the whole tree. Every level aggregates its
 * children's results (`supervisor({ aggregate })`) and hands them up, so 1,000 leaf tasks in
 * chunks of 10 make a tree three levels deep whose root result holds every leaf's.
 *
 * {@link delegationTree} builds that tree as supervisor logic (pure, so it can be drawn with
 * `treeToMermaid`); {@link delegate} starts it as a dynamic child of a running supervisor
 * (`startChild`), waits for its aggregated result and flattens it back into task order.
 */
import { InvalidSpecError } from '../runtime/errors.js';
import type { ActorRef } from '../runtime/ref.js';
import type { AggregateOptions, BackoffOptions } from '../supervision/spec.js';
import type { RestartType } from '../supervision/child-template.js';
import type { ChildLogic } from '../supervision/logic-types.js';
import { supervisor, type SupervisorLogic } from '../supervision/supervisor.js';
import { fn, integer, nonEmptyString, oneOf, optionsObject } from './validate.js';

/** Options of {@link delegationTree}. */
export interface DelegationTreeOptions<TTask> {
  tasks: readonly TTask[];
  /** The worker logic for one leaf task; it gets the task as its input. */
  leaf: (task: TTask, index: number) => ChildLogic;
  /** Most children per supervisor. @default 10 */
  chunkSize?: number;
  /**
   * Restart type of the leaf workers: `'transient'` retries a crashed leaf within each group's
   * restart intensity; `'temporary'` counts a crash as a failure for good at once.
   * @default 'transient'
   */
  restart?: RestartType;
  /** Restart intensity, period and backoff of every supervisor in the tree. */
  supervision?: { intensity?: number; period?: number; backoff?: BackoffOptions };
  /** A leaf that fails for good: `'fail'` fails the whole delegation, `'proceed'` leaves it out. @default 'fail' */
  onPartialFailure?: 'fail' | 'proceed';
  /** Ms each level waits for its children's results. @default no limit */
  timeout?: number;
}

export const DEFAULT_CHUNK_SIZE = 10;

/** Where each leaf sits: a group's children, by id. */
type Shape = { id: string; leaf: number } | { id: string; children: Shape[] };

/** A delegation tree: its supervisor logic and the shape to read results back with. */
export interface DelegationTree {
  logic: SupervisorLogic;
  /** Levels of supervisors (1 when the tasks fit in one chunk). */
  depth: number;
  /** Reads the root's aggregated output back into task order; `missing` lists tasks without a result. */
  flatten(output: unknown): { results: unknown[]; missing: number[] };
}

/**
 * @example
 * const tree = delegationTree({ tasks: pages, leaf: () => summarizer, chunkSize: 20 });
 * treeToMermaid(tree.logic); // the plan, before anything runs
 */
export function delegationTree<TTask>(options: DelegationTreeOptions<TTask>): DelegationTree {
  const o = optionsObject(options, 'options');
  if (!Array.isArray(o.tasks) || o.tasks.length === 0) throw new InvalidSpecError('tasks', o.tasks, 'must be a non-empty array');
  const tasks = o.tasks as readonly TTask[];
  const leaf = fn<DelegationTreeOptions<TTask>['leaf']>(o.leaf, 'leaf');
  const chunkSize = integer(o.chunkSize, 'chunkSize', 2, DEFAULT_CHUNK_SIZE);
  const restart = oneOf(o.restart, ['permanent', 'transient', 'temporary'] as const, 'restart', 'transient');
  const aggregate: AggregateOptions = { policy: 'all', onPartialFailure: oneOf(o.onPartialFailure, ['fail', 'proceed'] as const, 'onPartialFailure', 'fail') };
  if (o.timeout !== undefined) aggregate.timeout = o.timeout as number;
  const supervision = optionsObject(o.supervision, 'supervision');

  let level: { shape: Shape; spec: { id: string; logic: ChildLogic; input?: unknown; restart: RestartType } }[] = tasks.map((task, i) => ({
    shape: { id: `t${i}`, leaf: i },
    spec: { id: `t${i}`, logic: leaf(task, i), input: task, restart },
  }));
  let depth = 0;
  // Group bottom-up until one supervisor holds everything.
  do {
    depth++;
    const groups: typeof level = [];
    for (let g = 0; g * chunkSize < level.length; g++) {
      const members = level.slice(g * chunkSize, (g + 1) * chunkSize);
      const id = `g${g}`;
      const logic = supervisor({ ...supervision, aggregate, children: members.map((m) => m.spec) });
      // A group is temporary: restarting it would redo all its leaves, so its failure goes up.
      groups.push({ shape: { id, children: members.map((m) => m.shape) }, spec: { id, logic, restart: 'temporary' } });
    }
    level = groups;
  } while (level.length > 1);
  const root = level[0]!;

  const flatten = (output: unknown) => {
    const out: unknown[] = new Array(tasks.length).fill(undefined);
    const present = new Set<number>();
    const walk = (shape: Shape, value: unknown): void => {
      if ('leaf' in shape) {
        out[shape.leaf] = value;
        present.add(shape.leaf);
        return;
      }
      const record = (value ?? {}) as Record<string, unknown>;
      for (const child of shape.children) if (child.id in record) walk(child, record[child.id]);
    };
    walk(root.shape, output);
    return { results: out, missing: tasks.flatMap((_, i) => (present.has(i) ? [] : [i])) };
  };
  return { logic: root.spec.logic as SupervisorLogic, depth, flatten };
}

/** What {@link delegate} needs of the supervisor it delegates under. */
export interface DelegatingSupervisor {
  startChild(spec: { id: string; logic: ChildLogic; restart?: RestartType }): Promise<ActorRef>;
}

/** The result of {@link delegate}. */
export interface DelegationResult {
  /** Each leaf task's result, in task order (`undefined` where a leaf failed under `'proceed'`). */
  results: unknown[];
  /** Indices of the tasks without a result. */
  missing: number[];
  depth: number;
}

/**
 * Starts a delegation tree for `tasks` as child `id` of `parent` (a temporary child, gone once
 * done) and resolves with every leaf's result in task order. Rejects with the tree's reason
 * (`CHILD_FAILED`, `AGGREGATE_TIMEOUT`, ...) when it fails.
 *
 * @example
 * const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
 * const { results } = await delegate(root, { id: 'crawl', tasks: urls, leaf: () => fetcher, chunkSize: 25 });
 */
export async function delegate<TTask>(parent: DelegatingSupervisor, options: DelegationTreeOptions<TTask> & { id: string }): Promise<DelegationResult> {
  const id = nonEmptyString(options?.id, 'id');
  const { id: _id, ...treeOptions } = options;
  const tree = delegationTree(treeOptions);
  const ref = await parent.startChild({ id, logic: tree.logic, restart: 'temporary' });
  return { ...tree.flatten(await ref.result()), depth: tree.depth };
}
