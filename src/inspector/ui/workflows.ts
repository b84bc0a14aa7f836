/**
 * Workflows by correlation id: a list, and for the chosen one a sequence diagram with the actors
 * as lanes, its steps in causal order top to bottom, each with its time since the first step and
 * the time until the next (what that step took before the workflow moved on).
 */
import { duration, el, getJson, shortPath } from './api.js';
import type { WorkflowStep, WorkflowSummary } from './types.js';

const SVG = 'http://www.w3.org/2000/svg';
const LANE_W = 150;
const ROW_H = 28;
const LEFT = 120;
const TOP = 34;

export class WorkflowsView {
  private chosen: string | undefined;
  private timer: number | undefined;
  private readonly list = el('div');
  private readonly chart = el('div');

  constructor(private readonly root: HTMLElement) {
    root.append(this.list, this.chart);
  }

  /** The tab was opened (or closed): refresh the list while it is open. */
  active(on: boolean): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
    if (!on) return;
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), 2000);
  }

  private async refresh(): Promise<void> {
    const { source, workflows } = await getJson<{ source: string; workflows: WorkflowSummary[] }>('/api/workflows');
    this.list.innerHTML = '';
    if (source === 'none') {
      this.list.append(el('p', 'hint', 'No workflow source: this observer sees no journal (give arbor inspect --journal FILE).'));
      return;
    }
    this.list.append(el('p', 'hint', `${workflows.length} workflows by correlation id, from the ${source === 'live' ? 'live buffer (the newest events this node saw)' : 'journal'}.`));
    const table = el('table');
    table.innerHTML = '<thead><tr><th>correlation id</th><th>steps</th><th>span</th><th>last</th></tr></thead>';
    const body = el('tbody');
    for (const w of workflows.slice(0, 50)) {
      const tr = el('tr', `pick${w.correlationId === this.chosen ? ' selected' : ''}`);
      tr.dataset['correlation'] = w.correlationId;
      tr.append(el('td', '', w.correlationId), el('td', '', String(w.steps)), el('td', '', duration(w.last - w.first)), el('td', '', new Date(w.last).toLocaleTimeString()));
      tr.addEventListener('click', () => void this.open(w.correlationId));
      body.append(tr);
    }
    table.append(body);
    this.list.append(table);
    if (this.chosen) void this.open(this.chosen);
  }

  async open(correlationId: string): Promise<void> {
    this.chosen = correlationId;
    for (const tr of this.list.querySelectorAll<HTMLElement>('tr.pick')) tr.classList.toggle('selected', tr.dataset['correlation'] === correlationId);
    const { steps } = await getJson<{ steps: WorkflowStep[] }>(`/api/workflow?id=${encodeURIComponent(correlationId)}`);
    this.chart.innerHTML = '';
    this.chart.append(el('h2', '', `Workflow ${correlationId}`), sequence(steps));
  }
}

/** The sequence diagram of `steps`. */
function sequence(steps: readonly WorkflowStep[]): HTMLElement {
  const wrap = el('div', 'waterfall');
  wrap.id = 'waterfall';
  const lanes: string[] = [];
  const lane = (path: string) => {
    let i = lanes.indexOf(path);
    if (i < 0) i = lanes.push(path) - 1;
    return i;
  };
  for (const s of steps) {
    if (s.from) lane(s.from);
    lane(s.to);
  }
  const right = LEFT + lanes.length * LANE_W;
  const width = right + 110;
  const height = TOP + steps.length * ROW_H + 16;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  const x = (i: number) => LEFT + i * LANE_W + LANE_W / 2;
  const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const defs = document.createElementNS(SVG, 'defs');
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4fa3ff"/></marker>';
  svg.append(defs);
  add('text', { x: 8, y: 18, class: 'time' }, 'since start');
  add('text', { x: right + 8, y: 18, class: 'time' }, 'until next');
  lanes.forEach((path, i) => {
    add('text', { x: x(i), y: 18, 'text-anchor': 'middle', class: 'lane-label' }, shortPath(path).split('/').slice(-2).join('/'));
    add('line', { x1: x(i), y1: TOP - 8, x2: x(i), y2: height - 8, class: 'lifeline' });
  });
  const start = steps[0]?.at ?? 0;
  steps.forEach((s, n) => {
    const y = TOP + n * ROW_H + ROW_H / 2;
    const next = steps[n + 1];
    add('text', { x: 8, y: y + 4, class: 'time' }, `+${duration(s.at - start)}`);
    if (next) add('text', { x: right + 8, y: y + 4, class: 'time' }, duration(next.at - s.at));
    const to = x(lane(s.to));
    let mark: Element;
    if (s.from && s.from !== s.to) {
      const from = x(lane(s.from));
      mark = add('line', { x1: from, y1: y, x2: to, y2: y, class: 'msg', 'marker-end': 'url(#arrow)' });
      add('text', { x: (from + to) / 2, y: y - 5, 'text-anchor': 'middle' }, s.type);
    } else {
      mark = add('rect', { x: to - 6, y: y - 6, width: 12, height: 12, rx: 3, class: 'bar' });
      add('text', { x: to + 12, y: y + 4 }, `${s.type}${s.from ? '' : ' (from outside)'}`);
    }
    mark.setAttribute('data-step', s.type);
  });
  wrap.append(svg);
  return wrap;
}
