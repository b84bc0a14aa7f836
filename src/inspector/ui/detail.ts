/**
 * The chosen actor: its facts, its state diagram with the current state highlighted, its context
 * and last events. The diagram's SVG is fetched once per actor; each refresh only moves the
 * highlight (Graphviz gives every state a `<title>` with its id, which is what the actor reports
 * as its active states).
 */
import { duration, el, getJson, getText, shortPath } from './api.js';
import type { ActorDetail, Row } from './types.js';

const REFRESH_MS = 500;
/** A context can change while the state stays: the chosen actor is asked again this often anyway. */
const POLL_MS = 2000;

export class DetailView {
  private row: Row | undefined;
  private diagramFor: string | undefined;
  private pending: number | undefined;
  private lastFetch = 0;
  private loading = false;

  constructor(private readonly root: HTMLElement) {
    window.setInterval(() => {
      if (this.row && document.visibilityState === 'visible' && Date.now() - this.lastFetch >= POLL_MS) void this.refresh();
    }, POLL_MS);
  }

  show(row: Row): void {
    this.row = row;
    this.diagramFor = undefined;
    this.root.innerHTML = '';
    this.root.append(el('p', 'hint', `Loading ${shortPath(row.path)}…`));
    void this.refresh();
  }

  /** The selected actor's row changed (a diff touched it): refresh, at most twice a second. */
  changed(row: Row): void {
    if (!this.row || row.path !== this.row.path) return;
    this.row = row;
    if (this.pending !== undefined) return;
    const wait = Math.max(0, this.lastFetch + REFRESH_MS - Date.now());
    this.pending = window.setTimeout(() => {
      this.pending = undefined;
      void this.refresh();
    }, wait);
  }

  get path(): string | undefined {
    return this.row?.path;
  }

  private async refresh(): Promise<void> {
    const row = this.row;
    if (!row || this.loading) return;
    this.loading = true;
    this.lastFetch = Date.now();
    try {
      const detail = await getJson<ActorDetail>(`/api/actor?path=${encodeURIComponent(row.path)}&node=${encodeURIComponent(row.node)}`);
      if (this.row?.path !== row.path) return;
      await this.render(detail);
    } catch (err) {
      if (this.row?.path !== row.path) return;
      this.root.innerHTML = '';
      this.root.append(el('p', 'hint', `${shortPath(row.path)}: ${(err as Error).message}`));
      this.diagramFor = undefined;
    } finally {
      this.loading = false;
    }
  }

  private async render(d: ActorDetail): Promise<void> {
    let facts = this.root.querySelector<HTMLElement>('.facts');
    if (!facts || this.diagramFor !== d.path) {
      this.root.innerHTML = '';
      this.root.append(el('h2', '', shortPath(d.path)));
      facts = el('dl', 'facts');
      this.root.append(facts);
      const diagram = el('div', 'diagram');
      diagram.id = 'diagram';
      this.root.append(el('h2', '', 'State diagram'), diagram, el('h2', '', 'Context'), el('pre', 'context'), el('h2', '', 'Last events'), el('pre', 'events'));
      this.diagramFor = d.path;
      if (d.dot) {
        const svg = await getText(`/api/diagram?path=${encodeURIComponent(d.path)}&node=${encodeURIComponent(d.node)}`);
        diagram.innerHTML = svg ?? '';
      } else {
        diagram.replaceWith(el('p', 'hint', d.type === 'supervisor' ? 'A supervisor: its children are in the tree.' : 'No diagram: this actor is not a state machine.'));
      }
    }
    facts.innerHTML = '';
    const add = (k: string, v: string, id?: string) => {
      const dd = el('dd', '', v);
      if (id) dd.id = id;
      facts.append(el('dt', '', k), dd);
    };
    add('node', d.node);
    add('type', d.type);
    add('status', d.status, 'detail-status');
    add('state', d.state ?? '—', 'detail-state');
    add('restarts', String(d.restarts), 'detail-restarts');
    add('mailbox', `${d.mailbox.depth} queued${d.mailbox.depth > 0 ? `, oldest waiting ≥ ${duration(d.mailbox.oldestAge)}` : ''}`);
    (this.root.querySelector('pre.context') as HTMLElement).textContent = d.context ?? '—';
    (this.root.querySelector('pre.events') as HTMLElement).textContent = d.recentEvents.length ? d.recentEvents.join('\n') : '—';
    highlight(this.root.querySelector('#diagram svg'), d.activeStates ?? []);
  }
}

/** Marks the SVG groups of the active states (nodes, or clusters of compound states). */
function highlight(svg: SVGElement | null, active: readonly string[]): void {
  if (!svg) return;
  const ids = new Set(active);
  for (const g of svg.querySelectorAll<SVGGElement>('g.node, g.cluster')) {
    const title = g.querySelector('title')?.textContent ?? '';
    const id = g.classList.contains('cluster') ? title.replace(/^cluster_/, '') : title;
    const on = ids.has(id) && !(g.classList.contains('cluster') && hasActiveLeafInside(id, ids));
    g.classList.toggle('active', on || (g.classList.contains('node') && ids.has(id)));
    if (g.classList.contains('node')) g.setAttribute('data-state', id);
  }
}

/** A compound state is drawn as a cluster; when one of its children is active, the child is the highlight. */
function hasActiveLeafInside(id: string, ids: ReadonlySet<string>): boolean {
  for (const other of ids) if (other !== id && other.startsWith(id + '.')) return true;
  return false;
}
