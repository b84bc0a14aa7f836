/**
 * The terminal view. On a TTY it redraws the tree, each agent's state, the token budget and the
 * latest moments a few times per second, in place (ANSI cursor movement; colours unless
 * `NO_COLOR` is set). Elsewhere (a pipe, a log file, CI) it prints each moment as one line.
 */
import type { Writable } from 'node:stream';
import type { Board, TimelineEntry, Tone } from './board.js';
import type { TokenAccounts } from './agents.js';
import type { LayoutNode } from './tree.js';
import { STAGES } from './plan.js';

export type ViewMode = 'live' | 'lines' | 'quiet';

export interface ViewOptions {
  mode: ViewMode;
  out: Writable & { columns?: number };
  color: boolean;
  title: string;
  /** Show which node runs each agent (a cluster). */
  showNodes: boolean;
  board: Board;
  layout: LayoutNode;
  accounts: TokenAccounts;
}

const CODES = { bad: 31, ok: 32, warn: 33, info: 0, dim: 2, bold: 1, cyan: 36 } as const;

export function painter(color: boolean) {
  return (code: keyof typeof CODES, text: string) => (color && CODES[code] !== 0 ? `\x1b[${CODES[code]}m${text}\x1b[0m` : text);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2).padStart(6)} s`;

export function formatEntry(e: TimelineEntry, paint: ReturnType<typeof painter>): string {
  const mark: Record<Tone, string> = { info: '·', ok: '✓', warn: '↻', bad: '✗' };
  return `${paint('dim', seconds(e.at))}  ${paint(e.tone, mark[e.tone])} ${e.who.padEnd(24)} ${paint(e.tone, e.text)}`;
}

function stateTone(state: string, status: string): keyof typeof CODES {
  if (status === 'restarting') return 'bad';
  if (status === 'stopped') return 'dim';
  if (state === 'idle' || state === 'open') return 'dim';
  if (state === 'published' || state === 'done') return 'ok';
  if (state === 'backingOff' || state === 'recovering' || state === 'compensated' || state === 'failed') return 'warn';
  return 'cyan';
}

function frame(o: ViewOptions): string[] {
  const paint = painter(o.color);
  const lines = [`${paint('bold', o.title)}  ${paint('dim', seconds(o.board.elapsed()).trim())}`, ''];
  const walk = (node: LayoutNode, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}`;
    const name = `${branch}${node.id}`.padEnd(26);
    if (node.supervisor) {
      lines.push(`${name}${paint('dim', `supervisor  ${node.note}`)}`);
    } else {
      const v = o.board.agents.get(node.path);
      const state = v?.status === 'restarting' ? 'crashed, restarting' : v?.status === 'stopped' ? 'stopped' : (v?.state ?? 'starting');
      const extra = [
        v?.sub ? `saga: ${v.sub}` : '',
        v?.restarts ? paint('warn', `↻ ${v.restarts}`) : '',
        o.showNodes && v?.node ? paint('dim', `@${v.node}`) : '',
        node.note ? paint('dim', node.note) : '',
      ].filter(Boolean);
      lines.push(`${name}${paint(stateTone(state, v?.status ?? ''), state.padEnd(20))}${extra.join('  ')}`);
    }
    const childPrefix = depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`;
    node.children.forEach((c, i) => walk(c, childPrefix, i === node.children.length - 1, depth + 1));
  };
  walk(o.layout, '', true, 0);
  const { total, stages } = o.accounts;
  lines.push('', `${paint('bold', 'tokens')}  ${total.used} / ${total.limit}   ${STAGES.map((s) => `${s} ${stages[s].used}/${stages[s].limit}`).join('  ')}`);
  lines.push(`${paint('bold', 'restarts')} ${o.board.restarts}   ${paint('bold', 'crashes')} ${o.board.crashes}`, '');
  for (const e of o.board.timeline.slice(-8)) lines.push(formatEntry(e, paint));
  return lines;
}

/** Starts the view; `stop()` draws the last frame and restores the terminal. */
export function startView(o: ViewOptions): { stop(): void } {
  if (o.mode === 'quiet') return { stop: () => undefined };
  if (o.mode === 'lines') {
    const paint = painter(o.color);
    o.out.write(`${o.title}\n`);
    o.board.onEntry((e) => o.out.write(`${formatEntry(e, paint)}\n`));
    return { stop: () => undefined };
  }
  let drawn = 0;
  const draw = () => {
    const width = Math.max(40, (o.out.columns ?? 100) - 1);
    // Lines are cut to the terminal's width, so each is one row and moving up `drawn` rows is exact.
    const lines = frame(o).map((l) => cut(l, width));
    o.out.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const restore = () => o.out.write('\x1b[?25h');
  // Ctrl-C ends the process without 'exit' listeners running: show the cursor again first.
  const interrupted = () => {
    restore();
    process.exit(130);
  };
  o.out.write('\x1b[?25l');
  process.once('exit', restore);
  process.once('SIGINT', interrupted);
  draw();
  const timer = setInterval(draw, 120);
  return {
    stop() {
      clearInterval(timer);
      draw();
      restore();
      process.off('exit', restore);
      process.off('SIGINT', interrupted);
    },
  };
}

/** Cuts `line` to `width` visible columns, keeping ANSI codes whole. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width) continue;
    out += line[i];
    visible++;
  }
  return out;
}
