/**
 * The inspector page: one event stream (`/events`) brings a snapshot, then diffs of the tree,
 * node lists, metric samples and dead letters; the views below draw them. `window.__arbor`
 * exposes timings (first paint, updates applied) for the measurement script and the tests.
 */
import { duration, el, withToken } from './api.js';
import { DetailView } from './detail.js';
import { DlqView } from './dlq.js';
import { MetricsView } from './metrics.js';
import { TreeView } from './tree.js';
import type { DeadLetterView, MetricSample, NodeView, RowDiff, Snapshot } from './types.js';
import { WorkflowsView } from './workflows.js';

interface Probe {
  /** ms from navigation start to the first tree painted. */
  firstPaint?: number;
  /** Diffs applied, and the rows they carried. */
  updates: number;
  rowsUpdated: number;
  /** ms spent applying the last diff (up to the next frame). */
  lastApplyMs?: number;
}
const probe: Probe = { updates: 0, rowsUpdated: 0 };
(window as unknown as { __arbor: Probe }).__arbor = probe;

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const detail = new DetailView($('tab-actor'));
const workflows = new WorkflowsView($('tab-workflows'));
const metrics = new MetricsView($('metrics'));
const tree = new TreeView(
  $('tree'),
  $('tree-spacer'),
  (row) => {
    showTab('actor');
    detail.show(row);
  },
  (shown, total) => ($('count').textContent = shown === total ? `${total.toLocaleString()} actors` : `${shown.toLocaleString()} of ${total.toLocaleString()}`),
);
let deadLetters: DeadLetterView[] = [];
const dlqRoot = el('section', 'dlq');
const dlq = new DlqView(dlqRoot);

$('search').addEventListener('input', (e) => tree.search((e.target as HTMLInputElement).value));
$('expand').addEventListener('click', () => tree.expandAll());
$('collapse').addEventListener('click', () => tree.collapseAll());
for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.addEventListener('click', () => showTab(b.dataset['tab'] as string));

function showTab(name: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.classList.toggle('active', b.dataset['tab'] === name);
  for (const t of document.querySelectorAll<HTMLElement>('.tab')) t.classList.toggle('active', t.id === `tab-${name}`);
  workflows.active(name === 'workflows');
  if (name === 'dead') {
    renderDeadLetters();
    void dlq.load();
  }
}

function renderNodes(nodes: NodeView[]): void {
  const root = $('nodes');
  root.innerHTML = '';
  const now = Date.now();
  for (const n of nodes) {
    const chip = el('span', 'node-chip');
    chip.dataset['node'] = n.node;
    chip.title = `kinds: ${n.kinds.join(', ') || '—'}`;
    chip.append(el('span', `dot ${n.up ? 'up' : 'down'}`), el('b', '', n.node), document.createTextNode(`${n.actors} actors`));
    if (n.kinds.length) chip.append(el('small', '', n.kinds.join(', ')));
    chip.append(el('small', '', `seen ${duration(Math.max(0, now - n.lastSeen))} ago`));
    root.append(chip);
  }
}

function renderDeadLetters(): void {
  $('dead-count').textContent = deadLetters.length ? String(deadLetters.length) : '';
  const root = $('tab-dead');
  if (!root.classList.contains('active')) return;
  root.innerHTML = '';
  root.append(dlqRoot, el('h2', '', 'Recent dead letters'), el('p', 'hint', 'As each node saw them, newest first; those of clustered nodes are also in the queue above.'));
  const table = el('table');
  table.innerHTML = '<thead><tr><th>when</th><th>node</th><th>to</th><th>event</th><th>reason</th></tr></thead>';
  const body = el('tbody');
  for (const d of [...deadLetters].reverse().slice(0, 200)) {
    const tr = el('tr');
    const reason = el('td');
    reason.append(el('code', '', d.code), document.createTextNode(` ${d.reason}`));
    const ev = el('td', '', d.type);
    ev.title = d.event;
    tr.append(el('td', '', new Date(d.at).toLocaleTimeString()), el('td', '', d.node), el('td', '', d.recipient), ev, reason);
    body.append(tr);
  }
  table.append(body);
  root.append(table);
}

function connect(): void {
  const source = new EventSource(withToken('/events'));
  const conn = $('conn');
  source.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'conn live';
  });
  source.addEventListener('error', () => {
    conn.textContent = 'reconnecting…';
    conn.className = 'conn down';
  });
  source.addEventListener('snapshot', (e) => {
    const snap = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    tree.reset(snap.rows, snap.nodes);
    renderNodes(snap.nodes);
    metrics.reset(snap.samples);
    deadLetters = snap.deadLetters;
    renderDeadLetters();
    if (probe.firstPaint === undefined) requestAnimationFrame(() => (probe.firstPaint = performance.now()));
  });
  source.addEventListener('tree', (e) => {
    const started = performance.now();
    const diff = JSON.parse((e as MessageEvent<string>).data) as RowDiff;
    tree.apply(diff);
    probe.updates++;
    probe.rowsUpdated += diff.upsert.length + diff.remove.length;
    requestAnimationFrame(() => (probe.lastApplyMs = performance.now() - started));
    const chosen = detail.path;
    if (chosen) for (const row of diff.upsert) if (row.path === chosen) detail.changed(row);
  });
  source.addEventListener('nodes', (e) => {
    const nodes = JSON.parse((e as MessageEvent<string>).data) as NodeView[];
    tree.setNodes(nodes);
    renderNodes(nodes);
  });
  source.addEventListener('metrics', (e) => metrics.add(JSON.parse((e as MessageEvent<string>).data) as MetricSample));
  source.addEventListener('deadLetter', (e) => {
    deadLetters.push(JSON.parse((e as MessageEvent<string>).data) as DeadLetterView);
    if (deadLetters.length > 200) deadLetters.shift();
    renderDeadLetters();
  });
}

connect();
