/**
 * What the live view shows, gathered as it happens: each agent's current state (from XState
 * inspection, on this node directly, from other nodes as published `demo.agent.state` events),
 * supervisor reports (crashes, restarts), and a timeline of notable moments.
 */
import type { InspectionEvent } from 'xstate';
import type { SupervisorReport } from '../../src/index.js';

/** A state change of one agent, as inspection sees it (and as node processes publish it). */
export interface StateUpdate {
  /** The agent's full path. */
  path: string;
  /** Its state, or for `sub` the state of its running saga. */
  state?: string;
  sub?: string;
  node: string;
}

export type Tone = 'info' | 'ok' | 'warn' | 'bad';

export interface TimelineEntry {
  /** Ms since the board started. */
  at: number;
  who: string;
  text: string;
  tone: Tone;
}

export interface AgentView {
  state: string;
  sub: string | undefined;
  node: string | undefined;
  status: 'running' | 'restarting' | 'stopped';
  restarts: number;
  error: string | undefined;
}

/** `arbor://node/root/a/b` → `root/a/b`. */
export const relative = (path: string): string => path.replace(/^arbor:\/\/[^/]+\//, '');

/** The leaf of a state value: `{ running: 'run_x' }` → `run_x`. */
export function leafOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, inner] = Object.entries(value)[0] ?? ['?', undefined];
    return inner === undefined ? key : leafOf(inner);
  }
  return String(value);
}

const message = (reason: unknown): string => (reason instanceof Error ? reason.message : typeof reason === 'object' && reason !== null && 'message' in reason ? String((reason as { message: unknown }).message) : String(reason));

export class Board {
  readonly started = performance.now();
  readonly agents = new Map<string, AgentView>();
  readonly timeline: TimelineEntry[] = [];
  restarts = 0;
  crashes = 0;
  private readonly listeners: ((entry: TimelineEntry) => void)[] = [];

  /** @param tracked the agents' paths below the root node (`root/writer`): states of anything else are ignored. */
  constructor(private readonly tracked: ReadonlySet<string>) {}

  /** Calls `listener` with every new timeline entry. */
  onEntry(listener: (entry: TimelineEntry) => void): void {
    this.listeners.push(listener);
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  agent(path: string): AgentView {
    const key = relative(path);
    let view = this.agents.get(key);
    if (!view) this.agents.set(key, (view = { state: 'starting', sub: undefined, node: undefined, status: 'running', restarts: 0, error: undefined }));
    return view;
  }

  note(who: string, text: string, tone: Tone = 'info'): void {
    const entry = { at: this.elapsed(), who, text, tone };
    this.timeline.push(entry);
    for (const l of this.listeners) l(entry);
  }

  apply(update: StateUpdate): void {
    if (!this.tracked.has(relative(update.path))) return;
    const view = this.agent(update.path);
    const who = relative(update.path);
    view.node = update.node;
    if (update.sub !== undefined && update.sub !== view.sub) {
      view.sub = update.sub;
      if (update.sub !== 'done') this.note(who, `saga ${update.sub}`, update.sub.startsWith('undo_') || update.sub.startsWith('wait_') ? 'warn' : 'info');
    }
    if (update.state !== undefined && update.state !== view.state) {
      view.state = update.state;
      if (update.state !== 'publishing') view.sub = undefined;
      if (update.state !== 'drawing') this.note(who, update.state, stateTone(update.state));
    }
  }

  report(r: SupervisorReport): void {
    const path = `${relative(r.supervisor)}/${r.child}`;
    const view = this.agent(path);
    if (r.kind === 'child_exited' && r.reason !== 'normal') {
      this.crashes++;
      view.status = 'restarting';
      view.error = message(r.reason);
      this.note(path, `crashed: ${view.error}`, 'bad');
    } else if (r.kind === 'child_restarted') {
      this.restarts++;
      view.restarts++;
      view.status = 'running';
      view.state = 'idle';
      this.note(path, `restarted by ${relative(r.supervisor)} (restart ${view.restarts})`, 'warn');
    } else if (r.kind === 'child_terminated') {
      view.status = 'stopped';
    } else if (r.kind === 'child_exited') {
      view.status = 'stopped';
    }
  }
}

function stateTone(state: string): Tone {
  if (state === 'failed' || state === 'compensated') return 'bad';
  if (state === 'published') return 'ok';
  if (state === 'backingOff' || state === 'recovering') return 'warn';
  return 'info';
}

/**
 * An XState inspection observer that turns snapshots of agents (actors whose id is an Arbor path)
 * and of the sagas they run into {@link StateUpdate}s, each only when the state changed.
 */
export function stateInspector(node: string, emit: (update: StateUpdate) => void): (event: InspectionEvent) => void {
  const last = new Map<string, string>();
  return (event) => {
    if (event.type !== '@xstate.snapshot') return;
    const id = (event.actorRef as { id?: string }).id ?? '';
    const snapshot = event.snapshot as { value?: unknown; status?: string };
    if (snapshot.value === undefined) return;
    const parent = (event.actorRef as { _parent?: { id: string } })._parent?.id;
    let update: StateUpdate;
    if (id.startsWith('arbor://')) update = { path: id, state: leafOf(snapshot.value), node };
    else if (id === 'saga' && parent?.startsWith('arbor://')) update = { path: parent, sub: snapshot.status === 'done' ? 'done' : leafOf(snapshot.value), node };
    else return;
    const key = `${update.path}|${update.sub === undefined ? 's' : 'sub'}`;
    const value = update.state ?? update.sub!;
    if (last.get(key) === value) return;
    last.set(key, value);
    emit(update);
  };
}
