/**
 * Graphviz DOT text for a machine: the same content as the Mermaid diagram. Compound and parallel
 * states are clusters (parallel ones dashed); each cluster holds an anchor node (a start point for
 * compound states, an invisible one for parallel and root states) so that edges can end or start
 * at the cluster's border through `lhead`/`ltail`, which Graphviz only allows between nodes.
 */
import type { AnyStateMachine } from 'xstate';
import { allStates, walkMachine } from './machine-walk.js';
import type { StateModel, TransitionModel } from './machine-walk.js';
import { dotString } from './dot-text.js';

/**
 * Renders a machine as a Graphviz `digraph`: states as rounded boxes (final states with a double
 * border, history states as circles), compound states as clusters with a start point, parallel
 * states as dashed clusters, and every transition as an edge labelled like {@link toMermaid}.
 *
 * @example
 * import { toDot } from 'arbor';
 * await writeFile('order.dot', toDot(orderMachine));
 */
export function toDot(machine: AnyStateMachine): string {
  const model = walkMachine(machine);
  const states = allStates(model.root);
  const byId = new Map(states.map((s) => [s.id, s] as const));
  const lines = [
    `digraph ${dotString(model.id)} {`,
    '  rankdir=LR;',
    '  compound=true;',
    '  fontname="Helvetica";',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    ...renderState(model.root, byId, 1),
    ...states.flatMap((s) => s.transitions.flatMap((t) => transitionLines(t, byId))),
    '}',
  ];
  return lines.join('\n') + '\n';
}

function anchorOf(state: StateModel): string {
  return state.children.length > 0 ? `${state.id}#anchor` : state.id;
}

function renderState(state: StateModel, byId: ReadonlyMap<string, StateModel>, depth: number): string[] {
  const pad = '  '.repeat(depth);
  if (state.children.length === 0) return [`${pad}${dotString(state.id)} [${leafAttributes(state)}];`];
  const compound = state.type === 'compound' && state.initial.length > 0;
  const anchor = compound ? 'shape=point, width=0.12, label=""' : 'shape=point, style=invis, label=""';
  const body = [
    `${pad}  label=${dotString(state.key)};`,
    ...(state.type === 'parallel' ? [`${pad}  style="rounded,dashed";`] : [`${pad}  style=rounded;`]),
    `${pad}  ${dotString(anchorOf(state))} [${anchor}];`,
    ...state.children.flatMap((c) => renderState(c, byId, depth + 1)),
    ...state.initial.map((t) => `${pad}  ${edge(state, byId.get(t) ?? state, [])}`),
  ];
  return [`${pad}subgraph ${dotString(`cluster_${state.id}`)} {`, ...body, `${pad}}`];
}

function leafAttributes(state: StateModel): string {
  if (state.type === 'final') return `label=${dotString(state.key)}, peripheries=2`;
  if (state.type === 'history') return `label=${dotString(state.history === 'deep' ? 'H*' : 'H')}, shape=circle, xlabel=${dotString(state.key)}`;
  return `label=${dotString(state.key)}`;
}

function transitionLines(t: TransitionModel, byId: ReadonlyMap<string, StateModel>): string[] {
  const source = byId.get(t.source);
  if (!source) return [];
  const targets = t.targets.length > 0 ? t.targets : [t.source];
  const attrs = [`label=${dotString(t.label)}`, ...(t.kind === 'always' ? ['style=dashed'] : [])];
  return targets.map((targetId) => `  ${edge(source, byId.get(targetId) ?? source, attrs)}`);
}

/** An edge statement between two states, clipped at cluster borders where an end is a cluster. */
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
