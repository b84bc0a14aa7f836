/**
 * The cluster's dead-letter queue in the dead-letters tab: its entries (`GET /api/dlq`) and a
 * redrive action per entry and for all shown (`POST /api/dlq/redrive`, what `arbor dlq redrive`
 * does). Loaded when the tab opens and after each redrive, not live: listing walks the queue.
 */
import { el, getJson, postJson } from './api.js';
import type { DlqEntry, DlqList, RedriveReport } from './types.js';

export class DlqView {
  private busy = false;

  constructor(private readonly root: HTMLElement) {}

  /** Lists the queue again (`message` is shown above the list, e.g. the last redrive's outcome). */
  async load(message?: string): Promise<void> {
    let list: DlqList;
    try {
      list = await getJson<DlqList>('/api/dlq');
    } catch (err) {
      this.draw(message, undefined, err instanceof Error ? err.message : String(err));
      return;
    }
    this.draw(message, list);
  }

  private draw(message: string | undefined, list: DlqList | undefined, error?: string): void {
    this.root.innerHTML = '';
    const head = el('h2', '', 'Dead-letter queue');
    const refresh = el('button', '', 'Refresh');
    refresh.dataset['action'] = 'dlq-refresh';
    refresh.addEventListener('click', () => void this.load());
    head.append(' ', refresh);
    this.root.append(head);
    if (message) this.root.append(el('p', 'dlq-result', message));
    if (error) return void this.root.append(el('p', 'hint', `could not list the dead-letter queue: ${error}`));
    if (!list) return;
    if (!list.available) return void this.root.append(el('p', 'hint', list.reason ?? 'no dead-letter queue'));
    if (list.entries.length === 0) return void this.root.append(el('p', 'hint', `${list.queue ?? 'the queue'} is empty.`));
    const all = el('button', '', `Redrive all ${list.entries.length}`);
    all.dataset['action'] = 'dlq-redrive-all';
    all.addEventListener('click', () => void this.redrive({}, `all ${list.entries.length} entries`));
    this.root.append(el('p', 'hint', `${list.entries.length} entr${list.entries.length === 1 ? 'y' : 'ies'} in ${list.queue ?? 'the queue'}, oldest first. `), all);
    const table = el('table');
    table.innerHTML = '<thead><tr><th>to</th><th>event</th><th>reason</th><th>attempts</th><th>last failed</th><th></th></tr></thead>';
    const body = el('tbody');
    for (const e of list.entries) body.append(this.row(e));
    table.append(body);
    this.root.append(table);
  }

  private row(e: DlqEntry): HTMLTableRowElement {
    const tr = el('tr', 'dlq-entry');
    tr.dataset['id'] = e.id;
    const reason = el('td');
    reason.append(el('code', '', e.code), document.createTextNode(` ${e.reason}`));
    const ev = el('td', '', e.eventType ?? '?');
    ev.title = JSON.stringify(e.event);
    const button = el('button', '', 'Redrive');
    button.dataset['action'] = 'dlq-redrive';
    button.addEventListener('click', () => void this.redrive({ id: e.id }, e.id));
    const act = el('td');
    act.append(button);
    const attempts = `${e.attempts}${e.redrives > 0 ? ` (redriven ${e.redrives}×)` : ''}`;
    tr.append(el('td', '', e.recipient), ev, reason, el('td', '', attempts), el('td', '', e.lastFailedAt ? new Date(e.lastFailedAt).toLocaleTimeString() : '?'), act);
    return tr;
  }

  private async redrive(filter: { id?: string }, what: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    for (const b of this.root.querySelectorAll('button')) b.disabled = true;
    let message: string;
    try {
      const report = await postJson<RedriveReport>('/api/dlq/redrive', filter);
      const where = Object.entries(report.recipients).map(([to, n]) => `${n} → ${to}`).join(', ');
      message = `redrove ${report.redriven} (${what})${where ? `: ${where}` : ''}${report.kept > 0 ? `; kept ${report.kept}: ${report.problems.join('; ')}` : ''}`;
    } catch (err) {
      message = `redrive failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.busy = false;
    }
    await this.load(message);
  }
}
