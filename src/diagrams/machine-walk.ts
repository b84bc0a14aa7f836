/**
 * Diagrams: one walk over a machine's state nodes and transitions, shared by every renderer, so
 * the Mermaid and DOT pictures of a machine cannot disagree about what it contains. Renderers only
 * lay out the {@link MachineModel}; they never read XState internals themselves.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** What kind of state node a {@link StateModel} is (XState's own `type`). */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** Where a transition comes from in the machine config. */
export type TransitionKind = 'event' | 'delayed' | 'always' | 'done' | 'error' | 'snapshot';

/** One state node, with its children in definition order. */
export interface StateModel {
  /** The XState id, e.g. `order.pending`; unique in the machine. */
  readonly id: string;
  /** The key in the parent's `states`; the machine id for the root. */
  readonly key: string;
  /** Keys from the root, e.g. `['pending', 'review']`; empty for the root. */
  readonly path: readonly string[];
  readonly type: StateKind;
  /** `'shallow'` or `'deep'` for history nodes. */
  readonly history?: 'shallow' | 'deep';
  /** Ids of the initial children of a compound state (empty otherwise). */
  readonly initial: readonly string[];
  readonly children: readonly StateModel[];
  /** Transitions whose source is this node, in definition order. */
  readonly transitions: readonly TransitionModel[];
}

/** One transition; a transition with several targets (into parallel regions) keeps them together. */
export interface TransitionModel {
  readonly source: string;
  /** Target ids; empty for a targetless transition (actions only), which renderers draw as a self-loop. */
  readonly targets: readonly string[];
  readonly kind: TransitionKind;
  /** The XState event descriptor (`submit`, `xstate.after.5000.order.pending`, ...). */
  readonly event: string;
  /**
   * A readable guard name: `isValid`, `!isBad`, `a && b`; for an anonymous function its text when
   * short (`context.n > 2`), else `guard 1`, `guard 2`, ... (distinct per function).
   */
  readonly guard?: string;
  /** The `after` key: a number of ms or the name of a configured delay. */
  readonly delay?: number | string;
  /** What diagrams print on the edge: `submit [isValid]`, `after 5000ms`, `always`, ... */
  readonly label: string;
}

/** A whole machine: its id and its root state node. */
export interface MachineModel {
  readonly id: string;
  readonly root: StateModel;
}

/** Walks `machine` once into a renderer-neutral model. */
export function walkMachine(machine: AnyStateMachine): MachineModel {
  // Anonymous guards that cannot be shown by their text get numbers, so two never read alike.
  const numbers = new Map<unknown, string>();
  const anonymous = (fn: unknown): string => {
    if (!numbers.has(fn)) numbers.set(fn, `guard ${numbers.size + 1}`);
    return numbers.get(fn) ?? 'inline';
  };
  return { id: machine.id, root: walkNode(machine.root, anonymous) };
}

/** Every state node of the model, parents before children, in definition order. */
export function allStates(root: StateModel): StateModel[] {
  return [root, ...root.children.flatMap(allStates)];
}

/**
 * The innermost state that strictly contains both `a` and `b` (so when one contains the other,
 * that one's parent), or `undefined` when none does (one of them is the root). Renderers put an
 * edge, or its label, there.
 */
export function strictOwner(root: StateModel, a: StateModel, b: StateModel): StateModel | undefined {
  let common = 0;
  while (common < a.path.length && common < b.path.length && a.path[common] === b.path[common]) common++;
  if (common === a.path.length || common === b.path.length) common--;
  if (common < 0) return undefined;
  let node: StateModel = root;
  for (const key of a.path.slice(0, common)) node = node.children.find((c) => c.key === key) ?? node;
  return node;
}

/** Names an anonymous guard function that is too long to show as text. */
type AnonymousNamer = (fn: unknown) => string;

function walkNode(node: AnyStateNode, anonymous: AnonymousNamer): StateModel {
  const children = Object.values(node.states as Record<string, AnyStateNode>).map((child) => walkNode(child, anonymous));
  const initial = node.type === 'compound' ? (node.initial?.target ?? []).map((t: AnyStateNode) => t.id) : [];
  const history = node.type === 'history' && node.history ? node.history : undefined;
  return {
    id: node.id,
    key: node.parent ? node.key : node.machine.id,
    path: node.path,
    type: node.type,
    ...(history ? { history } : {}),
    initial,
    children,
    transitions: nodeTransitions(node, anonymous),
  };
}

function nodeTransitions(node: AnyStateNode, anonymous: AnonymousNamer): TransitionModel[] {
  // `after` keys are numbers or delay names; XState's type also admits expressions, never produced from keys.
  const delays = new Map<string, number | string>(node.after.map((t) => [t.eventType, typeof t.delay === 'function' ? 'delay' : t.delay] as const));
  const out: TransitionModel[] = [];
  for (const [event, defs] of node.transitions) {
    for (const def of defs) out.push(toModel(node, event, def, delays.get(event), anonymous));
  }
  for (const def of node.always ?? []) out.push(toModel(node, '', def, undefined, anonymous));
  return out;
}

interface TransitionLike {
  target?: ReadonlyArray<{ id: string }> | undefined;
  guard?: unknown;
}

function toModel(node: AnyStateNode, event: string, def: TransitionLike, delay: number | string | undefined, anonymous: AnonymousNamer): TransitionModel {
  const kind = transitionKind(event, delay);
  const guard = guardLabel(def.guard, anonymous);
  const base = eventLabel(node, kind, event, delay);
  return {
    source: node.id,
    targets: (def.target ?? []).map((t) => t.id),
    kind,
    event,
    ...(guard === undefined ? {} : { guard }),
    ...(delay === undefined ? {} : { delay }),
    label: guard === undefined ? base : `${base} [${guard}]`,
  };
}

function transitionKind(event: string, delay: number | string | undefined): TransitionKind {
  if (delay !== undefined) return 'delayed';
  if (event === '') return 'always';
  if (event.startsWith('xstate.done.')) return 'done';
  if (event.startsWith('xstate.error.')) return 'error';
  if (event.startsWith('xstate.snapshot.')) return 'snapshot';
  return 'event';
}

// XState's internal descriptors are long and carry ids; print what the user wrote in the config.
function eventLabel(node: AnyStateNode, kind: TransitionKind, event: string, delay: number | string | undefined): string {
  switch (kind) {
    case 'delayed':
      return typeof delay === 'number' ? `after ${delay}ms` : `after ${String(delay)}`;
    case 'always':
      return 'always';
    case 'done':
      return event.startsWith('xstate.done.actor.') ? `done: ${actorLabel(node, event.slice('xstate.done.actor.'.length))}` : 'onDone';
    case 'error':
      return `error: ${actorLabel(node, event.slice('xstate.error.actor.'.length))}`;
    case 'snapshot':
      return `snapshot ${event.slice('xstate.snapshot.'.length)}`;
    case 'event':
      return event;
  }
}

/**
 * How the config names the actor with invoke id `id`: its own `id` when it was given one, else
 * its `src` name, else (inline logic) the key of the state that invokes it. XState's generated
 * ids (`0.publishSaga.running.run_reserve_slot`) repeat the whole state path.
 */
function actorLabel(node: AnyStateNode, id: string): string {
  const index = node.invoke.findIndex((inv) => inv.id === id);
  if (index < 0) return id; // a spawned actor: its id is the one the user chose
  const raw = node.config.invoke as InvokeConfigLike | readonly InvokeConfigLike[] | undefined;
  const config = Array.isArray(raw) ? (raw as readonly InvokeConfigLike[])[index] : (raw as InvokeConfigLike | undefined);
  if (typeof config?.id === 'string') return config.id;
  if (typeof config?.src === 'string') return config.src;
  return node.parent ? node.key : node.machine.id;
}

interface InvokeConfigLike {
  readonly id?: unknown;
  readonly src?: unknown;
}

/** Longest guard function body shown as the guard's name. */
const SHOWN_BODY = 40;

/** The expression of a short arrow function (`({ context }) => context.n > 2`), or `undefined`. */
function arrowBody(fn: (...args: never[]) => unknown): string | undefined {
  const match = /^\s*(?:async\s*)?(?:\([^)]*\)|[\w$]+)\s*=>\s*([^{\s][\s\S]*)$/.exec(Function.prototype.toString.call(fn));
  const body = match?.[1]?.replace(/\s+/g, ' ').trim();
  return body !== undefined && body.length <= SHOWN_BODY ? body : undefined;
}

/**
 * A readable name for any XState guard: a named guard, `{ type }`, the higher-order `not`, `and`
 * and `or` (which XState represents as functions carrying a `guards` array), `stateIn`, or
 * `inline` for an anonymous function.
 */
export function guardLabel(guard: unknown, anonymous: AnonymousNamer = () => 'inline'): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object') return 'type' in guard ? String(guard.type) : 'inline';
  if (typeof guard !== 'function') return String(guard);
  const fn = guard as { name?: string; guards?: unknown[]; stateValue?: unknown };
  if (Array.isArray(fn.guards)) return combinatorLabel(fn.name ?? '', fn.guards, anonymous);
  if (fn.stateValue !== undefined) return `in ${typeof fn.stateValue === 'string' ? fn.stateValue.replace(/^#/, '') : JSON.stringify(fn.stateValue)}`;
  // An arrow function in a config literal is named after its property (`guard`): that says
  // nothing. Its text does, when short; else it gets a number.
  if (fn.name && fn.name !== 'guard') return fn.name;
  return arrowBody(guard as (...args: never[]) => unknown) ?? anonymous(guard);
}

function combinatorLabel(name: string, guards: unknown[], anonymous: AnonymousNamer): string {
  const parts = guards.map((g) => {
    const label = guardLabel(g, anonymous) ?? 'inline';
    return label.includes(' ') ? `(${label})` : label;
  });
  if (name === 'not') return `!${parts[0] ?? 'inline'}`;
  return parts.join(name === 'or' ? ' || ' : ' && ');
}
