/**
 * Graphviz DOT text for a machine: the same content as the Mermaid diagram. Compound and parallel
 * states are clusters (parallel ones dashed); each cluster holds an anchor node (a start point for
 * compound states, an invisible one for parallel and root states) so that edges can end or start
 * at the cluster's border through `lhead`/`ltail`, which Graphviz only allows between nodes.
 *
 * Every transition label is a node of its own (`source -> label -> target`), placed in the
 * innermost cluster that strictly holds both ends. Graphviz places edge labels of edges within a
 * rank, or clipped at cluster borders, on top of each other and of cluster titles; nodes it never
 * overlaps. Placing the label outside the source also lets a transition of a compound state to a
 * state inside it (or with no target) leave from the compound state's border, not from its
 * initial-state dot.
 */
import type { AnyStateMachine } from 'xstate';
import { allStates, strictOwner, walkMachine } from './machine-walk.js';
import type { StateModel, TransitionModel } from './machine-walk.js';
import { dotString } from './dot-text.js';

/**
 * Renders a machine as a Graphviz `digraph`: states as rounded boxes (final states with a double
 * border, history states as circles), compound states as clusters with a start point, parallel
 * states as dashed clusters, and every transition as an edge through its label, written like
 * {@link toMermaid}'s.
 *
 * @example
 * import { toDot } from 'arbor';
 * await writeFile('order.dot', toDot(orderMachine));
 */
export function toDot(machine: AnyStateMachine): string {
  const model = walkMachine(machine);
  const states = allStates(model.root);
  const byId = new Map(states.map((s) => [s.id, s] as const));
  const labels = labelNodes(model.root, states, byId);
  const lines = [
    `digraph ${dotString(model.id)} {`,
    '  rankdir=LR;',
    '  compound=true;',
    '  fontname="Helvetica";',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    ...renderState(model.root, { byId, labels }, 1),
    ...(labels.get(TOP) ?? []).map((l) => `  ${l.node}`),
    ...[...labels.values()].flat().flatMap((l) => l.edges.map((e) => `  ${e}`)),
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** Owner key of label nodes that belong outside every cluster. */
const TOP = '';

interface LabelNode {
  /** The node statement. */
  readonly node: string;
  /** The two edge statements: source to label, label to target. */
  readonly edges: readonly string[];
}

interface Ctx {
  readonly byId: ReadonlyMap<string, StateModel>;
  readonly labels: ReadonlyMap<string, readonly LabelNode[]>;
}

function anchorOf(state: StateModel): string {
  return state.children.length > 0 ? `${state.id}#anchor` : state.id;
}

function renderState(state: StateModel, ctx: Ctx, depth: number): string[] {
  const pad = '  '.repeat(depth);
  if (state.children.length === 0) return [`${pad}${dotString(state.id)} [${leafAttributes(state)}];`];
  const compound = state.type === 'compound' && state.initial.length > 0;
  const anchor = compound ? 'shape=point, width=0.12, label=""' : 'shape=point, style=invis, label=""';
  const body = [
    `${pad}  label=${dotString(state.key)};`,
    ...(state.type === 'parallel' ? [`${pad}  style="rounded,dashed";`] : [`${pad}  style=rounded;`]),
    `${pad}  ${dotString(anchorOf(state))} [${anchor}];`,
    ...state.children.flatMap((c) => renderState(c, ctx, depth + 1)),
    ...state.initial.map((t) => `${pad}  ${edge(state, ctx.byId.get(t) ?? state, [])}`),
    ...(ctx.labels.get(state.id) ?? []).map((l) => `${pad}  ${l.node}`),
  ];
  return [`${pad}subgraph ${dotString(`cluster_${state.id}`)} {`, ...body, `${pad}}`];
}

function leafAttributes(state: StateModel): string {
  if (state.type === 'final') return `label=${dotString(state.key)}, peripheries=2`;
  if (state.type === 'history') return `label=${dotString(state.history === 'deep' ? 'H*' : 'H')}, shape=circle, xlabel=${dotString(state.key)}`;
  return `label=${dotString(state.key)}`;
}

/** The label node of every transition (one per target), grouped by the cluster that holds it. */
function labelNodes(root: StateModel, states: readonly StateModel[], byId: ReadonlyMap<string, StateModel>): Map<string, LabelNode[]> {
  const owners = new Map<string, LabelNode[]>();
  let n = 0;
  for (const source of states) {
    for (const t of source.transitions) {
      const targets = t.targets.length > 0 ? t.targets : [t.source];
      for (const targetId of targets) {
        const target = byId.get(targetId) ?? source;
        const owner = strictOwner(root, source, target)?.id ?? TOP;
        const label = labelNode(`${source.id}#label${n++}`, t, source, target);
        owners.set(owner, [...(owners.get(owner) ?? []), label]);
      }
    }
  }
  return owners;
}

function labelNode(id: string, t: TransitionModel, source: StateModel, target: StateModel): LabelNode {
  const style = t.kind === 'always' ? ['style=dashed'] : [];
  const node = `${dotString(id)} [shape=plaintext, fontsize=10, height=0.2, margin="0.04,0.02", label=${dotString(t.label)}];`;
  const tail = [`arrowhead=none`, ...style, ...(source.children.length > 0 ? [`ltail=${dotString(`cluster_${source.id}`)}`] : [])];
  const head = [...style, ...(target.children.length > 0 ? [`lhead=${dotString(`cluster_${target.id}`)}`] : [])];
  return {
    node,
    edges: [`${dotString(anchorOf(source))} -> ${dotString(id)} [${tail.join(', ')}];`, `${dotString(id)} -> ${dotString(anchorOf(target))}${head.length > 0 ? ` [${head.join(', ')}]` : ''};`],
  };
}

/** An initial-state edge between two states, clipped at cluster borders where an end is a cluster. */
function edge(source: StateModel, target: StateModel, attrs: readonly string[]): string {
  const all = [...attrs];
  // Graphviz rejects ltail/lhead when one end lies inside the other's cluster; omit them then.
  if (source.children.length > 0 && !contains(source, target)) all.push(`ltail=${dotString(`cluster_${source.id}`)}`);
  if (target.children.length > 0 && !contains(target, source)) all.push(`lhead=${dotString(`cluster_${target.id}`)}`);
  const list = all.length > 0 ? ` [${all.join(', ')}]` : '';
  return `${dotString(anchorOf(source))} -> ${dotString(anchorOf(target))}${list};`;
}

/** True when `inner` is `outer` or one of its descendants. */
function contains(outer: StateModel, inner: StateModel): boolean {
  return inner.path.length >= outer.path.length && outer.path.every((k, i) => inner.path[i] === k);
}
