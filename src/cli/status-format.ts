/**
 * `arbor status` output: the live nodes, then each node's supervision trees. A child a supervisor
 * placed on another node appears in its owner's tree (type `remote`); the host's view of it (its
 * status, and its own children if it is a supervisor) is shown in that place, so each tree reads
 * whole whatever node its parts run on. Hosted actors whose owner gave no tree are listed under
 * their host.
 */
import type { NodeInfo } from '../runtime/transport.js';
import type { TreeNode } from '../runtime/cell.js';
import type { NodeTree } from '../runtime/node-status.js';
import { paint, type Io } from './io.js';

/** What `arbor status` reports (also its `--json` output). */
export interface StatusReport {
  transport: 'rabbitmq' | 'in-memory';
  cluster?: string;
  nodes: NodeInfo[];
  trees: NodeTree[];
  unreachable: string[];
}

/** The hosted actors of every tree, by path. */
function hostedByPath(trees: readonly NodeTree[]): Map<string, TreeNode> {
  const map = new Map<string, TreeNode>();
  for (const tree of trees) for (const h of tree.hosted) map.set(h.path, h);
  return map;
}

/** The report as text, for a terminal or a log. */
export function formatStatus(report: StatusReport, io: Io, now = Date.now()): string {
  const out: string[] = [];
  const where = report.transport === 'rabbitmq' ? `cluster "${report.cluster ?? 'arbor'}" (RabbitMQ)` : 'embedded transport (this process only; pass --broker to see a cluster)';
  out.push(`${report.nodes.length} ${report.nodes.length === 1 ? 'node' : 'nodes'} on ${where}`);
  const width = Math.max(0, ...report.nodes.map((n) => n.node.length));
  for (const n of [...report.nodes].sort((a, b) => a.node.localeCompare(b.node))) {
    const seen = Math.max(0, now - n.lastSeen) / 1000;
    out.push(`  ${n.node.padEnd(width)}  kinds: ${n.kinds.length ? n.kinds.join(', ') : '-'}  ${paint(io, 'dim', `seen ${seen.toFixed(1)} s ago`)}`);
  }
  if (report.unreachable.length) out.push(paint(io, 'red', `unreachable: ${report.unreachable.join(', ')} (did not answer in time)`));

  const hosted = hostedByPath(report.trees);
  const shown = new Set<string>();
  for (const tree of [...report.trees].sort((a, b) => a.node.localeCompare(b.node))) {
    out.push('', paint(io, 'bold', tree.node));
    if (tree.roots.length === 0) out.push(paint(io, 'dim', '  (no root actors)'));
    for (const root of tree.roots) out.push(...renderTree(root, io, hosted, shown));
  }
  const orphans = report.trees.flatMap((t) => t.hosted.filter((h) => !shown.has(h.path)));
  if (orphans.length) {
    out.push('', paint(io, 'bold', 'hosted for supervisors not shown above'));
    for (const h of orphans) out.push(...renderTree(h, io, hosted, shown));
  }
  return out.join('\n') + '\n';
}

function renderTree(root: TreeNode, io: Io, hosted: Map<string, TreeNode>, shown: Set<string>): string[] {
  const lines: string[] = [];
  const walk = (node: TreeNode, prefix: string, branch: string, label: string): void => {
    const view = resolve(node, hosted, shown);
    lines.push(`  ${prefix}${branch}${label}  ${describeNode(view, node, io)}`);
    const children = view.children ?? [];
    const childPrefix = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    children.forEach((child, i) => walk(child, childPrefix, i === children.length - 1 ? '└─ ' : '├─ ', child.id));
  };
  walk(root, '', '', root.path);
  return lines;
}

/** A remote child as its host sees it, when the host answered. */
function resolve(node: TreeNode, hosted: Map<string, TreeNode>, shown: Set<string>): TreeNode {
  if (node.type !== 'remote') return node;
  const host = hosted.get(node.path);
  if (!host) return node;
  shown.add(node.path);
  // The host knows its state and mailbox; the owner's supervisor knows how often it restarted it.
  return node.restarts === undefined ? host : { ...host, restarts: node.restarts };
}

function describeNode(view: TreeNode, placed: TreeNode, io: Io): string {
  // A placed child the host described shows the host's type; one it did not stays "remote".
  const placedType = placed.type === 'remote' && view !== placed ? `${view.type}, placed remotely` : view.type;
  const type = view.singleton ? `${placedType}, singleton` : placedType;
  const kind = view.kind ?? placed.kind;
  const kindText = kind ? paint(io, 'dim', `  kind ${kind}`) : '';
  // A placed child with no host yet is not running anywhere, whatever its slot says.
  if (view.node === '' && view.status === 'running') return `${type}  ${paint(io, 'red', 'waiting for a node')}${kindText}${details(view)}`;
  const status = paint(io, statusStyle(view.status), view.status);
  const node = view.node === '' ? paint(io, 'dim', '@(no node)') : `@${view.node}`;
  return `${type}  ${status}  ${node}${kindText}${details(view)}`;
}

/** State value, mailbox depth and restarts, when the node reported them. */
function details(view: TreeNode): string {
  const parts: string[] = [];
  if (view.state !== undefined && view.type === 'worker') parts.push(`state ${typeof view.state === 'string' ? view.state : JSON.stringify(view.state)}`);
  if (view.mailbox !== undefined) parts.push(`mailbox ${view.mailbox.depth}`);
  if (view.restarts !== undefined) parts.push(`restarts ${view.restarts}`);
  return parts.length ? `  ${parts.join('  ')}` : '';
}

function statusStyle(status: string): 'green' | 'red' | 'dim' {
  if (status === 'running') return 'green';
  if (status === 'stopped' || status === 'done') return 'dim';
  return 'red';
}
