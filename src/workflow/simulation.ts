/**
 * One simulated cluster: node `a` (which runs `root`) and `spec.nodes`, each a real
 * `ActorSystem` with a {@link NodeClock}, a {@link SimTransport} and a dispatcher whose turns are
 * handed to this simulation (the dispatcher's `scheduler` port). Nothing happens on its own: the
 * simulation lists the actions enabled now ({@link Simulation.actions}) and carries out the one
 * the schedule picks ({@link Simulation.execute}), one actor turn, one delivery, one timer or one
 * fault at a time. What a node defers to a later turn of the event loop (progress reports, the
 * drain of a dead node) runs at the end of the step ({@link Simulation.endTurn}), never on a
 * wall-clock timer.
 */
import pino from 'pino';
import type { XStateCell } from '../actors/xstate-cell.js';
import type { Cell } from '../runtime/cell.js';
import { ArborError, InvalidSpecError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import type { JournalEntry } from '../runtime/journal.js';
import { Cluster } from '../remote/cluster.js';
import { ActorSystem } from '../runtime/actor-system.js';
import type { DeadLetter, SupervisorReport } from '../runtime/system-events.js';
import { supervisorCellFactory } from '../supervision/supervisor-cell.js';
import type { System } from '../create-system.js';
import { cloneInput } from './clone.js';
import type { Channel } from './network.js';
import { SimNetwork } from './network.js';
import { matchesAny, relPath, stateOf } from './paths.js';
import { validateWorkers } from './source.js';
import { NodeClock, SimTime } from './time.js';
import type { Step, WorkflowInput, WorkflowSpec } from './types.js';
import { simulatedWorkerFactory, withCrash } from './workers.js';

/** One silent logger for every simulated node: a pino instance per node per run costs more than the run. */
const SILENT = pino({ enabled: false });

/** The node that runs `root`. */
export const ROOT_NODE = 'a';

interface SimNode {
  id: string;
  system: ActorSystem;
  clock: NodeClock;
}

/**
 * A cell on the simulation's run queue. One per cell for the whole run, with its two actions made
 * once: the enabled actions are listed at every step.
 */
interface Ready {
  node: SimNode;
  cell: Cell;
  turn: Action;
  crash: Action;
}

/** Work a node deferred to a later turn of the event loop (its dispatcher's `afterTurn` or `later`). */
interface Deferred {
  node: SimNode;
  task: () => void;
}

/**
 * The actions enabled at a step ({@link Simulation.actions}): `progress` up to `progressCount`,
 * then `faults` up to `faultCount` (entries past the counts are left over from earlier steps).
 */
export interface Enabled {
  readonly progress: Action[];
  progressCount: number;
  readonly faults: Action[];
  faultCount: number;
}

/** Something the schedule can do next. */
export type Action =
  | { kind: 'turn' | 'crash'; entry: Ready }
  | { kind: 'deliver' | 'duplicate'; channel: Channel }
  | { kind: 'input' }
  | { kind: 'timer' }
  | { kind: 'nodeDown' | 'nodeUp' | 'partition' | 'heal'; node: string };

/** What identifies a step for replay: its kind and what it acts on. */
export function stepKey(s: Step): string {
  switch (s.kind) {
    case 'turn':
    case 'crash':
      return `${s.kind} ${s.node} ${s.actor}`;
    case 'deliver':
    case 'duplicate':
      return `${s.kind} ${s.from} ${s.to}`;
    case 'input':
    case 'timer':
      return s.kind;
    default:
      return `${s.kind} ${s.node}`;
  }
}

export class Simulation<W = unknown> {
  readonly time = new SimTime();
  readonly network = new SimNetwork(this.time);
  readonly nodes = new Map<string, SimNode>();
  private ready: Ready[] = [];
  /** What {@link Simulation.actions} fills. */
  private readonly enabled: Enabled = { progress: [], progressCount: 0, faults: [], faultCount: 0 };
  /** Work the nodes left for the end of the current step (see {@link Simulation.endTurn}). */
  private deferred: Deferred[] = [];
  /** Each cell's run-queue entry (see {@link Ready}). */
  private readonly entries = new Map<Cell, Ready>();
  /** Each channel's deliver and duplicate actions, made once. */
  private readonly channelActions = new Map<Channel, { deliver: Action; duplicate: Action }>();
  /** Node faults by kind and node, made once. */
  private readonly nodeActions = new Map<string, Action>();
  /** Whether the worker at a path matches the crash patterns (a path's answer never changes). */
  private readonly crashTargets = new Map<string, boolean>();
  /** The latest worker cell at each path, wherever it runs. */
  readonly workers = new Map<string, { node: string; cell: XStateCell }>();
  readonly results = new Map<string, unknown>();
  readonly deadLetters: DeadLetter[] = [];
  readonly reports: SupervisorReport[] = [];
  readonly journal: JournalEntry[] = [];
  readonly world: W;
  rootFailure: Error | undefined;
  faults = 0;
  private readonly kinds: Record<string, unknown>;
  private readonly crashPatterns: readonly string[];

  /**
   * @param record whether steps carry what they did for a timeline (each actor's state after its
   *   turn); a search does without until it replays its counterexample
   */
  private constructor(
    private readonly spec: WorkflowSpec<W>,
    private readonly record: boolean,
  ) {
    this.world = spec.world ? spec.world() : (undefined as W);
    const kinds = typeof spec.kinds === 'function' ? spec.kinds(this.world) : (spec.kinds ?? {});
    this.kinds = kinds;
    this.crashPatterns = spec.faults?.crash ?? [];
  }

  /** Builds the cluster and spawns `root` on node `a`. */
  static async create<W>(spec: WorkflowSpec<W>, record = true): Promise<Simulation<W>> {
    const sim = new Simulation(spec, record);
    const others = spec.nodes ?? [];
    await sim.startNode(ROOT_NODE, others.length === 0 ? sim.kinds : {});
    for (const n of others) await sim.startNode(n, sim.kinds);
    for (const n of sim.nodes.keys()) sim.network.announce(n);
    const a = sim.nodes.get(ROOT_NODE) as SimNode;
    const logic = typeof spec.root === 'function' ? (spec.root as (s: System, w: W) => unknown)(a.system as unknown as System, sim.world) : spec.root;
    const ref = a.system.spawn(logic, { id: 'root' });
    ref.result().then(
      (v) => sim.results.set(ref.path, v),
      (err: unknown) => (sim.rootFailure = err instanceof Error ? err : new Error(String(err))),
    );
    sim.endTurn();
    return sim;
  }

  private async startNode(id: string, kinds: Record<string, unknown>): Promise<void> {
    const clock = new NodeClock(this.time, id);
    const node = { id, clock } as SimNode;
    const system = new ActorSystem(
      {
        node: id,
        transport: this.network.transport(id),
        clock,
        logger: SILENT,
        kinds,
        random: seededRandom(id),
        dispatcher: {
          scheduler: {
            ready: (r) => this.nodes.get(id) === node && !clock.down && this.ready.push(this.entry(node, r as Cell)),
            defer: (task) => this.nodes.get(id) === node && !clock.down && this.deferred.push({ node, task }),
          },
        },
        journal: { append: (entry) => this.journal.push(entry) },
      },
      {
        // The same distribution layer `createSystem` plugs in: the protocol under test is the real one.
        distribution: (s) => new Cluster(s),
        cells: [
          supervisorCellFactory,
          simulatedWorkerFactory((cell) => {
            this.workers.set(cell.path, { node: id, cell });
            cell.result.promise().then(
              (v) => this.results.set(cell.path, v),
              () => undefined,
            );
          }),
        ],
      },
    );
    node.system = system;
    this.nodes.set(id, node);
    system.on('deadLetter', (d) => this.deadLetters.push(d));
    system.on('report', (r) => this.reports.push(r));
    await system._start();
  }

  private entry(node: SimNode, cell: Cell): Ready {
    let e = this.entries.get(cell);
    if (e === undefined) {
      e = { node, cell } as Ready;
      e.turn = { kind: 'turn', entry: e };
      e.crash = { kind: 'crash', entry: e };
      this.entries.set(cell, e);
    }
    return e;
  }

  get root(): ActorSystem {
    return (this.nodes.get(ROOT_NODE) as SimNode).system;
  }

  // --- what can happen next -------------------------------------------------------------------

  /**
   * The enabled actions: progress first (turns, deliveries, the next input, the next timer), then
   * faults. The actions are made once and the lists are this simulation's own, refilled at each
   * call (valid up to their counts): a step lists them once, and two fresh arrays a step were a
   * tenth of what the simulation itself allocated.
   */
  actions(inputsLeft: boolean, faultsLeft: boolean): Enabled {
    const enabled = this.enabled;
    const progress = enabled.progress;
    const faults = enabled.faults;
    let p = 0;
    let n = 0;
    const f = this.spec.faults ?? {};
    const crashes = faultsLeft && this.crashPatterns.length > 0;
    for (const entry of this.ready) {
      progress[p++] = entry.turn;
      if (crashes && this.crashable(entry)) faults[n++] = entry.crash;
    }
    for (const channel of this.network.channelList) {
      if (!this.network.deliverable(channel)) continue;
      const acts = this.actionsOf(channel);
      progress[p++] = acts.deliver;
      if (faultsLeft && f.duplicate) faults[n++] = acts.duplicate;
    }
    if (inputsLeft) progress[p++] = INPUT;
    if (this.time.pending > 0) progress[p++] = TIMER;
    if (faultsLeft) {
      for (const id of this.spec.nodes ?? []) {
        const up = this.network.isUp(id);
        if (f.nodeDown) faults[n++] = this.nodeAction(up ? 'nodeDown' : 'nodeUp', id);
        if (f.partition && up) faults[n++] = this.nodeAction(this.network.isIsolated(id) ? 'heal' : 'partition', id);
      }
    }
    enabled.progressCount = p;
    enabled.faultCount = n;
    return enabled;
  }

  private actionsOf(channel: Channel): { deliver: Action; duplicate: Action } {
    let acts = this.channelActions.get(channel);
    if (acts === undefined) {
      acts = { deliver: { kind: 'deliver', channel }, duplicate: { kind: 'duplicate', channel } };
      this.channelActions.set(channel, acts);
    }
    return acts;
  }

  private nodeAction(kind: 'nodeDown' | 'nodeUp' | 'partition' | 'heal', node: string): Action {
    const key = `${kind} ${node}`;
    let a = this.nodeActions.get(key);
    if (a === undefined) {
      a = { kind, node };
      this.nodeActions.set(key, a);
    }
    return a;
  }

  private crashable(entry: Ready): boolean {
    const cell = entry.cell;
    if (cell.status !== 'running' || cell.mailbox.systemSize > 0 || cell.mailbox.user.size === 0) return false;
    if (this.workers.get(cell.path)?.cell !== cell) return false;
    let target = this.crashTargets.get(cell.path);
    if (target === undefined) {
      target = matchesAny(relPath(cell.path), this.crashPatterns);
      this.crashTargets.set(cell.path, target);
    }
    return target;
  }

  /** The step an action would be, before it runs (for matching a recorded schedule). */
  describe(a: Action): Step {
    const at = this.time.now();
    switch (a.kind) {
      case 'turn':
        return { kind: 'turn', at, node: a.entry.node.id, actor: relPath(a.entry.cell.path), event: '' };
      case 'crash':
        return { kind: 'crash', at, node: a.entry.node.id, actor: relPath(a.entry.cell.path), event: String(a.entry.cell.mailbox.user.peek()?.type) };
      case 'deliver':
      case 'duplicate':
        return { kind: a.kind, at, from: a.channel.from, to: a.channel.to, message: a.channel.peek()?.label ?? '' };
      case 'input':
        return { kind: 'input', at, to: '', event: { type: '' } };
      case 'timer':
        return { kind: 'timer', at, node: this.time.next()?.owner ?? '' };
      default:
        return { kind: a.kind, at, node: a.node };
    }
  }

  // --- doing it ---------------------------------------------------------------------------------

  /**
   * Carries out `a`; `input` is the event an `input` action sends. Returns the step as it
   * happened: at once, except for `nodeUp` (a node starting is asynchronous), so that the other
   * steps cost no promise of their own.
   */
  execute(a: Action, input?: WorkflowInput): Step | Promise<Step> {
    const at = this.time.now();
    switch (a.kind) {
      case 'turn':
      case 'crash':
        return this.turn(a.entry, a.kind === 'crash');
      case 'deliver':
      case 'duplicate': {
        if (a.kind === 'duplicate') this.faults++;
        const m = this.network.deliver(a.channel, a.kind === 'duplicate');
        return { kind: a.kind, at, from: a.channel.from, to: a.channel.to, message: m?.label ?? '' };
      }
      case 'input':
        return this.input(input as WorkflowInput);
      case 'timer': {
        const fired = this.time.fireNext();
        return { kind: 'timer', at: fired?.at ?? at, node: fired?.owner ?? '' };
      }
      case 'nodeDown':
      case 'partition':
        this.faults++;
        this.lose(a.node, a.kind === 'nodeDown');
        return { kind: a.kind, at, node: a.node };
      case 'nodeUp':
        this.faults++;
        return this.startNode(a.node, this.kinds).then((): Step => {
          this.network.announce(a.node);
          return { kind: 'nodeUp', at, node: a.node };
        });
      case 'heal':
        this.faults++;
        this.network.partition(a.node, false);
        return { kind: 'heal', at, node: a.node };
    }
  }

  /**
   * Ends the event-loop turn a step stands for: runs what the nodes deferred to a later turn
   * (progress reports batched per turn, a host looking again while busy, draining a dead node),
   * in the order deferred. What that defers again waits for the next step's end, as a re-armed
   * timer waits for a later turn, so a busy host cannot spin here; a node that went down runs
   * none of it, as a dead process fires nothing. Being part of the step and not of the wall
   * clock, it keeps runs deterministic, and a run leaves no real timer behind.
   */
  endTurn(): void {
    const tasks = this.deferred;
    if (tasks.length === 0) return;
    this.deferred = [];
    for (const { node, task } of tasks) if (this.nodes.get(node.id) === node && !node.clock.down) task();
  }

  /** How many tasks wait for the end of the step (see {@link Simulation.endTurn}). */
  get deferredCount(): number {
    return this.deferred.length;
  }

  private turn(entry: Ready, crash: boolean): Step {
    const cell = entry.cell;
    removeFrom(this.ready, entry);
    const at = this.time.now();
    const record = this.record;
    // What the turn took, for the step: read only when steps are recorded (`mailbox.system` makes
    // the control queue of a cell that never had one).
    const userBefore = record ? cell.mailbox.user.size : 0;
    const head = record ? cell.mailbox.user.peek() : undefined;
    const control = record && cell.mailbox.systemSize > 0 ? cell.mailbox.system.peek()?.name : undefined;
    cell._scheduled = false;
    if (crash) {
      this.faults++;
      withCrash(cell, () => cell.run(1));
    } else cell.run(1);
    if (!cell._scheduled && cell.hasWork()) {
      cell._scheduled = true;
      this.ready.push(entry);
    }
    if (!record) return TURN;
    const took = head !== undefined && (cell.mailbox.user.size < userBefore || cell.mailbox.user.peek() !== head);
    const event = took ? String(head.type) : control !== undefined ? `(${control})` : '(idle)';
    const node = entry.node.id;
    const actor = relPath(cell.path);
    if (crash) return { kind: 'crash', at, node, actor, event };
    const worker = this.workers.get(cell.path);
    return worker?.cell === cell ? { kind: 'turn', at, node, actor, event, state: stateOf(cell) } : { kind: 'turn', at, node, actor, event };
  }

  private input(input: WorkflowInput): Step {
    const event = cloneInput(input.event) as ArborEvent;
    const system = this.root;
    const ref = system.lookup(input.to);
    if (ref) ref.send(event);
    else system.deadLetter(input.to, event, new ArborError('NOT_FOUND', `no actor at ${input.to}`, { path: input.to }));
    return { kind: 'input', at: this.time.now(), to: input.to, event: input.event };
  }

  /** `node` crashes (or is cut off): the others are told and the first of them drains its queue. */
  private lose(id: string, crash: boolean): void {
    const node = this.nodes.get(id);
    if (!node) return;
    if (crash) {
      node.clock.down = true;
      this.time.clearOwner(id);
      this.ready = this.ready.filter((e) => e.node !== node);
      this.network.down(id);
    } else {
      this.network.partition(id, true);
    }
    const drainer = [...this.nodes.keys()].find((n) => n !== id && this.network.sees(n, n) && !this.network.isIsolated(n));
    if (drainer !== undefined) this.network.drain(id, drainer);
  }

  // --- what it looks like -------------------------------------------------------------------------

  /** A worker (wherever it runs), else the cell at `path` on any node. */
  cellAt(path: string): Cell | undefined {
    const full = path.startsWith('arbor://') ? path : `arbor://${ROOT_NODE}/${path}`;
    const worker = this.workers.get(full);
    if (worker) return worker.cell;
    for (const n of this.nodes.values()) {
      const c = n.system._cellAt(full);
      if (c) return c;
    }
    return undefined;
  }

  nodeOf(path: string): string | undefined {
    return this.workers.get(path.startsWith('arbor://') ? path : `arbor://${ROOT_NODE}/${path}`)?.node;
  }

  resultAt(path: string): unknown {
    return this.results.get(path.startsWith('arbor://') ? path : `arbor://${ROOT_NODE}/${path}`);
  }

  /** Every worker's status and state, by path (with `@node` when it runs off node `a`). */
  states(): Record<string, string> {
    const out: Record<string, string> = {};
    const paths = [...this.workers.keys()].sort();
    for (const p of paths) {
      const { node, cell } = this.workers.get(p) as { node: string; cell: XStateCell };
      const where = node === ROOT_NODE ? '' : `@${node}${this.network.isUp(node) ? '' : ' (down)'}`;
      out[`${relPath(p)}${where}`] = cell.status === 'running' ? stateOf(cell) : `${cell.status} ${stateOf(cell)}`;
    }
    return out;
  }

  /** Whether some work can never proceed: user messages held by actors that are not running, or queued for unreachable nodes. */
  stuck(): boolean {
    for (const { cell } of this.workers.values()) if (cell.status !== 'running' && cell.status !== 'stopped' && cell.mailbox.user.size > 0) return true;
    return this.network.inFlight > 0;
  }
}

/** The `input` and `timer` actions: nothing to tell one from another. */
const INPUT: Action = { kind: 'input' };
const TIMER: Action = { kind: 'timer' };

/** The step a turn returns when steps are not recorded. */
const TURN: Step = { kind: 'turn', at: 0, node: '', actor: '', event: '' };

/** Takes `item` out of `list`, keeping the order of the rest (no array made, as `splice` makes one). */
function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i < 0) return;
  for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j] as T;
  list.pop();
}

/** A small deterministic PRNG (mulberry32) seeded from a string, for backoff jitter. */
function seededRandom(seed: string): () => number {
  let a = 0x9e3779b9;
  for (let i = 0; i < seed.length; i++) a = Math.imul(a ^ seed.charCodeAt(i), 0x85ebca6b);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Validates the parts of a spec the simulation relies on. */
export function validateSpec(spec: WorkflowSpec<unknown>): void {
  if (typeof spec !== 'object' || spec === null) throw new InvalidSpecError('spec', spec, 'must be an object');
  if (typeof spec.name !== 'string' || spec.name === '') throw new InvalidSpecError('name', spec.name, 'must be a non-empty string');
  if (spec.root === undefined) throw new InvalidSpecError('root', spec.root, 'must be logic, a supervisor spec, or a function making one');
  for (const n of spec.nodes ?? []) if (n === ROOT_NODE) throw new InvalidSpecError('nodes', spec.nodes, `must not name "${ROOT_NODE}" (it is the root node)`);
  const f = spec.faults?.maxFaults;
  if (f !== undefined && !(Number.isInteger(f) && f >= 0)) throw new InvalidSpecError('faults.maxFaults', f, 'must be a non-negative integer');
  for (const [field, v] of [['numRuns', spec.numRuns], ['maxSteps', spec.maxSteps]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new InvalidSpecError(field, v, 'must be a positive integer');
  }
  if (spec.seed !== undefined && !Number.isInteger(spec.seed)) throw new InvalidSpecError('seed', spec.seed, 'must be an integer');
  validateWorkers(spec);
}
