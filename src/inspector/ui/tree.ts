/**
 * The supervision tree across nodes, virtualised: only the rows in view (plus a margin) exist in
 * the DOM, positioned absolutely in a spacer as tall as the whole list, so 10,000 actors cost what
 * forty do. The visible list (the tree flattened, collapsed subtrees and search misses left out)
 * is rebuilt only when the structure, the search or a collapse changes; a diff that only changes
 * fields repaints the rows in view.
 */
import { el } from './api.js';
import type { NodeView, Row, RowDiff } from './types.js';

const ROW_HEIGHT = 24;
const MARGIN = 8;

interface Line {
  key: string;
  depth: number;
  hasChildren: boolean;
}

export class TreeView {
  readonly rows = new Map<string, Row>();
  private nodes: NodeView[] = [];
  private children = new Map<string, string[]>();
  private lines: Line[] = [];
  private readonly collapsed = new Set<string>();
  private query = '';
  private structureDirty = true;
  private selected: string | undefined;
  private readonly pool: HTMLDivElement[] = [];
  private readonly flashing = new Map<string, number>();
  private frame = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly spacer: HTMLElement,
    private readonly onSelect: (row: Row) => void,
    private readonly onCount: (shown: number, total: number) => void,
  ) {
    container.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(container);
    container.addEventListener('click', (e) => this.click(e));
  }

  /** Replaces everything (a new snapshot). */
  reset(rows: readonly Row[], nodes: NodeView[]): void {
    this.rows.clear();
    for (const r of rows) this.rows.set(r.path, r);
    this.nodes = nodes;
    this.structureDirty = true;
    this.schedule();
  }

  apply(diff: RowDiff): void {
    for (const path of diff.remove) {
      this.rows.delete(path);
      this.structureDirty = true;
    }
    for (const row of diff.upsert) {
      const old = this.rows.get(row.path);
      if (!old || old.parent !== row.parent || old.index !== row.index) this.structureDirty = true;
      if (old && (row.restarts ?? 0) > (old.restarts ?? 0)) this.flashing.set(row.path, Date.now());
      this.rows.set(row.path, row);
    }
    this.schedule();
  }

  setNodes(nodes: NodeView[]): void {
    const names = (list: NodeView[]) => list.map((n) => n.node).join('\n');
    if (names(nodes) !== names(this.nodes)) this.structureDirty = true;
    this.nodes = nodes;
    this.schedule();
  }

  search(query: string): void {
    this.query = query.trim().toLowerCase();
    this.structureDirty = true;
    this.schedule();
  }

  expandAll(): void {
    this.collapsed.clear();
    this.structureDirty = true;
    this.schedule();
  }

  collapseAll(): void {
    for (const [key, kids] of this.children) if (kids.length > 0 && !key.startsWith('node:')) this.collapsed.add(key);
    this.structureDirty = true;
    this.schedule();
  }

  select(path: string | undefined): void {
    this.selected = path;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private rebuild(): void {
    const children = new Map<string, string[]>();
    const nodeKeys = new Set(this.nodes.map((n) => `node:${n.node}`));
    for (const row of this.rows.values()) {
      let list = children.get(row.parent);
      if (!list) children.set(row.parent, (list = []));
      list.push(row.path);
      if (row.parent.startsWith('node:')) nodeKeys.add(row.parent);
    }
    for (const list of children.values()) list.sort((a, b) => (this.rows.get(a)?.index ?? 0) - (this.rows.get(b)?.index ?? 0));
    this.children = children;
    const matches = this.query ? this.matching() : undefined;
    const lines: Line[] = [];
    const walk = (key: string, depth: number): void => {
      if (matches && !matches.has(key)) return;
      const kids = children.get(key) ?? [];
      lines.push({ key, depth, hasChildren: kids.length > 0 });
      if (this.collapsed.has(key) && !matches) return;
      for (const kid of kids) walk(kid, depth + 1);
    };
    for (const key of [...nodeKeys].sort()) walk(key, 0);
    this.lines = lines;
    this.structureDirty = false;
    this.onCount(matches ? lines.filter((l) => !l.key.startsWith('node:')).length : this.rows.size, this.rows.size);
  }

  /** The rows whose path contains the query, with their ancestors (so each match shows in place). */
  private matching(): Set<string> {
    const keep = new Set<string>();
    for (const row of this.rows.values()) {
      if (!row.path.toLowerCase().includes(this.query)) continue;
      let key: string | undefined = row.path;
      while (key !== undefined && !keep.has(key)) {
        keep.add(key);
        key = key.startsWith('node:') ? undefined : this.rows.get(key)?.parent;
      }
    }
    return keep;
  }

  private render(): void {
    if (this.structureDirty) this.rebuild();
    this.spacer.style.height = `${this.lines.length * ROW_HEIGHT}px`;
    const top = this.container.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - MARGIN);
    const last = Math.min(this.lines.length, Math.ceil((top + this.container.clientHeight) / ROW_HEIGHT) + MARGIN);
    const needed = last - first;
    while (this.pool.length < needed) {
      const div = el('div', 'row');
      this.container.appendChild(div);
      this.pool.push(div);
    }
    const now = Date.now();
    for (let i = 0; i < this.pool.length; i++) {
      const div = this.pool[i] as HTMLDivElement;
      const line = i < needed ? this.lines[first + i] : undefined;
      if (!line) {
        div.style.display = 'none';
        continue;
      }
      div.style.display = '';
      div.style.top = `${(first + i) * ROW_HEIGHT}px`;
      this.paint(div, line, now);
    }
  }

  private paint(div: HTMLDivElement, line: Line, now: number): void {
    const key = line.key;
    const open = !this.collapsed.has(key) || this.query !== '';
    const caret = line.hasChildren ? (open ? '▾' : '▸') : '';
    div.dataset['key'] = key;
    div.style.paddingLeft = `${6 + line.depth * 16}px`;
    const flashAt = this.flashing.get(key);
    const flash = flashAt !== undefined && now - flashAt < 1600;
    if (flashAt !== undefined && !flash) this.flashing.delete(key);
    if (key.startsWith('node:')) {
      const name = key.slice(5);
      const node = this.nodes.find((n) => n.node === name);
      div.className = 'row node-row';
      div.removeAttribute('data-path');
      div.innerHTML = '';
      div.append(el('span', 'caret', caret), el('span', `dot ${node?.up === false ? 'down' : 'up'}`), el('span', 'id', name), el('span', 'tag', `node · ${node?.actors ?? 0} actors`));
      return;
    }
    const row = this.rows.get(key);
    if (!row) return;
    div.className = `row${key === this.selected ? ' selected' : ''}${flash ? ' flash' : ''}`;
    div.dataset['path'] = key;
    div.dataset['status'] = row.status;
    div.innerHTML = '';
    div.append(el('span', 'caret', caret), el('span', `dot ${row.status}`), el('span', 'id', row.id));
    div.append(el('span', 'tag', row.type === 'supervisor' ? `sup ${row.strategy ?? ''}`.trim() : row.type));
    if (row.durable) div.append(el('span', 'tag durable', '⛁ durable'));
    if (row.singleton) div.append(el('span', 'tag singleton', '① singleton'));
    if (row.state !== undefined && row.type !== 'supervisor') div.append(el('span', 'tag state', row.state));
    if (row.type === 'remote' || (row.parent.startsWith('node:') === false && row.node !== nodeOfPath(key))) div.append(el('span', 'tag host', `on ${row.node || '?'}`));
    if (row.restarts) {
      const r = el('span', 'tag restarts', `↻ ${row.restarts}`);
      r.dataset['restarts'] = String(row.restarts);
      div.append(r);
    }
    if (row.mailbox && row.mailbox.depth > 0) div.append(el('span', 'tag mailbox', `✉ ${row.mailbox.depth}`));
    if (row.status !== 'running') div.append(el('span', 'tag', row.status));
  }

  private click(e: MouseEvent): void {
    const target = (e.target as HTMLElement).closest<HTMLElement>('.row');
    const key = target?.dataset['key'];
    if (!key) return;
    const onCaret = (e.target as HTMLElement).classList.contains('caret');
    if (key.startsWith('node:') || onCaret) {
      if (this.collapsed.has(key)) this.collapsed.delete(key);
      else this.collapsed.add(key);
      this.structureDirty = true;
      this.schedule();
      if (key.startsWith('node:') || onCaret) return;
    }
    const row = this.rows.get(key);
    if (row) {
      this.select(key);
      this.onSelect(row);
    }
  }
}

function nodeOfPath(path: string): string {
  return /^arbor:\/\/([^/]+)\//.exec(path)?.[1] ?? '';
}
