/**
 * The supervision tree of the demo, for one node (every agent's logic given) or a cluster (agents
 * named by kind and placed on the host nodes, round robin). The planner is the root's one
 * significant child: when its workflow ends, the root stops the agents and exits normally, and
 * `root.result()` is the workflow's record.
 */
import { idempotent, supervisor, type ChildSpec, type SupervisorOptions } from '../../src/index.js';
import { researcher, reviewer, treasury, writer, type TokenAccounts } from './agents.js';
import { planner, type PlannerInput } from './planner.js';
import { publisher } from './publisher.js';
import type { DemoPlan } from './plan.js';

/** The agent logic a node hosts, by kind. Idempotent: a redelivered event id is processed once. */
export const kinds = {
  researcher: idempotent(researcher),
  writer: idempotent(writer),
  reviewer: idempotent(reviewer),
  publisher: idempotent(publisher),
};

export type Kind = keyof typeof kinds;

/** The tree's shape, for the live view: ids, paths below the root, and how each node is supervised. */
export interface LayoutNode {
  id: string;
  path: string;
  supervisor: boolean;
  note: string;
  children: LayoutNode[];
}

export interface TreeOptions {
  plan: DemoPlan;
  accounts: TokenAccounts;
  planner: Omit<PlannerInput, 'plan'>;
  /** Host nodes for the agents (a cluster); omitted: everything runs on this node. */
  hosts?: string[];
  /** The publisher is a durable child (`--kill-node`): its saga resumes where it was on another node. */
  durablePublisher?: boolean;
}

const RESEARCH: SupervisorOptions = { strategy: 'one_for_one', intensity: 3, period: 5_000, backoff: { min: 200, max: 1_000, factor: 2, jitter: 0 } };
const ROOT: SupervisorOptions = { strategy: 'one_for_one', intensity: 3, period: 5_000, autoShutdown: 'any_significant' };

export function demoTree(o: TreeOptions): { spec: ReturnType<typeof supervisor>; layout: LayoutNode } {
  let placed = 0;
  const agent = (id: string, kind: Kind): ChildSpec => {
    const input = { name: id, plan: o.plan };
    if (!o.hosts) return { id, logic: kinds[kind], input };
    const first = placed++ % o.hosts.length;
    return { id, kind, node: [...o.hosts.slice(first), ...o.hosts.slice(0, first)], input };
  };
  const researchers = o.plan.topics.map((t) => agent(t, 'researcher'));
  const stages = [agent('writer', 'writer'), agent('reviewer', 'reviewer'), { ...agent('publisher', 'publisher'), ...(o.durablePublisher ? { durable: true } : {}) }];
  const spec = supervisor({
    ...ROOT,
    children: [
      { id: 'treasury', logic: treasury, input: { accounts: o.accounts } },
      { id: 'research', logic: supervisor({ ...RESEARCH, children: researchers }) },
      ...stages,
      { id: 'planner', logic: planner, input: { ...o.planner, plan: o.plan }, restart: 'transient', significant: true },
    ],
  });
  const leaf = (path: string, id: string, note = ''): LayoutNode => ({ id, path: `${path}/${id}`, supervisor: false, note, children: [] });
  const layout: LayoutNode = {
    id: 'root',
    path: 'root',
    supervisor: true,
    note: 'one_for_one, ends with the planner',
    children: [
      leaf('root', 'treasury', 'token budget'),
      { id: 'research', path: 'root/research', supervisor: true, note: 'one_for_one, intensity 3 / 5 s, backoff 200 ms', children: researchers.map((c) => leaf('root/research', c.id)) },
      ...stages.map((c) => leaf('root', c.id)),
      leaf('root', 'planner', 'significant'),
    ],
  };
  return { spec, layout };
}
