/**
 * Supervision-tree diagrams: a Mermaid flowchart and a Graphviz digraph of the same
 * {@link walkTree} model. Supervisors show strategy and restart intensity; children show restart
 * type, actor `kind`, `node` placement and whether they are significant.
 */
import { allTreeNodes, nodeLines, walkTree } from './tree-walk.js';
import type { TreeNode } from './tree-walk.js';
import { dotString } from './dot-text.js';

/** Options for {@link treeToMermaid} and {@link treeToDot}. */
export interface TreeDiagramOptions {
  /**
   * The id shown for the root supervisor (its spawn id).
   * @default 'root'
   */
  readonly id?: string;
}

/**
 * Renders a supervision tree as a Mermaid flowchart (top-down). Supervisors are hexagons, workers
 * boxes (significant ones with a thick border); edges go from a supervisor to its children in
 * start order. Accepts `supervisor({...})`'s result or the raw options object.
 *
 * @example
 * import { supervisor, treeToMermaid } from 'arbor';
 * const root = supervisor({ strategy: 'one_for_all', children: [{ id: 'w1', logic: worker }] });
 * console.log(treeToMermaid(root));
 * // flowchart TD
 * //   root{{"root<br/>one_for_all<br/>max 1 restarts in 5000 ms"}}
 * //   ...
 */
export function treeToMermaid(logic: unknown, options: TreeDiagramOptions = {}): string {
  const nodes = allTreeNodes(walkTree(logic, options.id));
  const ids = new Map(nodes.map((n, i) => [n, `n${i}_${n.id.replace(/[^A-Za-z0-9_]/g, '_')}`] as const));
  const lines = ['flowchart TD'];
  for (const node of nodes) {
    const text = nodeLines(node).map(mermaidText).join('<br/>');
    const id = ids.get(node) ?? '';
    lines.push(node.type === 'supervisor' ? `  ${id}{{"${text}"}}` : `  ${id}["${text}"]`);
  }
  for (const node of nodes) {
    if (node.type !== 'supervisor') continue;
    for (const child of node.children) lines.push(`  ${ids.get(node) ?? ''} --> ${ids.get(child) ?? ''}`);
  }
  const significant = nodes.filter((n) => n.significant).map((n) => ids.get(n) ?? '');
  if (significant.length > 0) {
    lines.push('  classDef significant stroke-width:3px', `  class ${significant.join(',')} significant`);
  }
  return lines.join('\n') + '\n';
}

// Inside a quoted Mermaid label only `"` and `#` need entity codes; `<br/>` is added by us.
function mermaidText(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/**
 * Renders a supervision tree as a Graphviz digraph (top-down), for SVG through `dotToSvg`.
 *
 * @example
 * import { dotToSvg, treeToDot } from 'arbor';
 * await writeFile('tree.svg', await dotToSvg(treeToDot(root)));
 */
export function treeToDot(logic: unknown, options: TreeDiagramOptions = {}): string {
  const root = walkTree(logic, options.id);
  const nodes = allTreeNodes(root);
  const lines = [
    `digraph ${dotString(root.id)} {`,
    '  rankdir=TB;',
    '  node [shape=box, fontname="Helvetica"];',
    ...nodes.map((n) => `  ${dotString(n.path.join('/'))} [${dotAttributes(n)}];`),
    ...nodes.flatMap((n) => (n.type === 'supervisor' ? n.children.map((c) => `  ${dotString(n.path.join('/'))} -> ${dotString(c.path.join('/'))};`) : [])),
    '}',
  ];
  return lines.join('\n') + '\n';
}

function dotAttributes(node: TreeNode): string {
  const attrs = [`label=${dotString(nodeLines(node).join('\n'))}`];
  if (node.type === 'supervisor') attrs.push('shape=hexagon');
  if (node.significant) attrs.push('penwidth=3');
  return attrs.join(', ');
}
