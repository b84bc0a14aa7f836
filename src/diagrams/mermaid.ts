/**
 * Mermaid `stateDiagram-v2` text for a machine. Mermaid state ids are global to the diagram, so
 * each state gets an id from its key when that key is unique, else from its path; the key is
 * always what is shown.
 */
import type { AnyStateMachine } from 'xstate';
import { allStates, strictOwner, walkMachine } from './machine-walk.js';
import type { MachineModel, StateModel, TransitionModel } from './machine-walk.js';

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`: every state (compound states as nested
 * blocks, parallel regions separated by `--`), initial (`[*] -->`) and final (`--> [*]`) states,
 * and every transition labelled with its event, guard (`submit [isValid]`), delay
 * (`after 5000ms`) or `always`. A targetless transition is drawn as a self-loop. The root is drawn
 * as a block named after the machine id, so transitions defined on the machine itself have a source.
 *
 * @example
 * import { toMermaid } from 'arbor';
 * await writeFile('order.mmd', toMermaid(orderMachine));
 */
export function toMermaid(machine: AnyStateMachine): string {
  const model = walkMachine(machine);
  const ids = mermaidIds(model);
  const owners = edgesByOwner(model);
  const lines = ['stateDiagram-v2', `  [*] --> ${idOf(ids, model.root.id)}`];
  lines.push(...renderState(model.root, { ids, owners }, 1));
  lines.push(...(owners.get(TOP) ?? []).flatMap((t) => edgeLines(t, ids, 1)));
  return lines.join('\n') + '\n';
}

interface Ctx {
  readonly ids: ReadonlyMap<string, string>;
  readonly owners: ReadonlyMap<string, readonly TransitionModel[]>;
}

/** Owner key for edges that belong outside every block (transitions defined on the root). */
const TOP = '';

const RESERVED = new Set(['state', 'note', 'end', 'direction', 'class', 'classdef', 'style', 'click', 'as', 'hide', 'default']);

function mermaidIds(model: MachineModel): Map<string, string> {
  const states = allStates(model.root);
  const keyCount = new Map<string, number>();
  for (const s of states) keyCount.set(sanitize(s.key), (keyCount.get(sanitize(s.key)) ?? 0) + 1);
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const s of states) {
    const short = sanitize(s.key);
    let id = keyCount.get(short) === 1 && !RESERVED.has(short.toLowerCase()) ? short : sanitize([model.id, ...s.path].join('_'));
    // Paths can still collide after sanitising (`a-b` vs `a_b`); a counter keeps ids unique.
    for (let n = 2; taken.has(id); n++) id = `${sanitize([model.id, ...s.path].join('_'))}_${n}`;
    taken.add(id);
    ids.set(s.id, id);
  }
  return ids;
}

function sanitize(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `s_${cleaned}`;
}

function idOf(ids: ReadonlyMap<string, string>, stateId: string): string {
  return ids.get(stateId) ?? sanitize(stateId);
}

function renderState(state: StateModel, ctx: Ctx, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const id = idOf(ctx.ids, state.id);
  const shown = displayKey(state);
  const declare = shown === id ? [] : [`${pad}state "${escapeText(shown)}" as ${id}`];
  if (state.children.length === 0) return declare.length > 0 ? declare : [`${pad}${id}`];
  const body: string[] = state.initial.map((t) => `${pad}  [*] --> ${idOf(ctx.ids, t)}`);
  // Mermaid makes a region of everything between `--` separators: a parallel state's history
  // nodes are no region, so they go with the last one.
  const parallel = state.type === 'parallel';
  const regions = parallel ? state.children.filter((c) => c.type !== 'history') : state.children;
  regions.forEach((child, i) => {
    if (parallel && i > 0) body.push(`${pad}  --`);
    body.push(...renderState(child, ctx, depth + 1));
  });
  if (parallel) body.push(...state.children.filter((c) => c.type === 'history').flatMap((c) => renderState(c, ctx, depth + 1)));
  body.push(...(ctx.owners.get(state.id) ?? []).flatMap((t) => edgeLines(t, ctx.ids, depth + 1)));
  for (const child of state.children) if (child.type === 'final') body.push(`${pad}  ${idOf(ctx.ids, child.id)} --> [*]`);
  return [...declare, `${pad}state ${id} {`, ...body, `${pad}}`];
}

function displayKey(state: StateModel): string {
  if (state.type !== 'history') return state.key;
  return `${state.key} (${state.history === 'deep' ? 'H*' : 'H'})`;
}

function edgeLines(t: TransitionModel, ids: ReadonlyMap<string, string>, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const targets = t.targets.length > 0 ? t.targets : [t.source];
  return targets.map((target) => `${pad}${idOf(ids, t.source)} --> ${idOf(ids, target)} : ${escapeText(t.label)}`);
}

const ENTITIES: Readonly<Record<string, string>> = { '#': '#35;', ';': '#59;', '"': '#quot;', '\n': ' ' };

// Mermaid reads `;` as a statement end and `#` as the start of an entity code; one pass, so
// the entities inserted are not escaped again.
function escapeText(text: string): string {
  return text.replace(/[#;"\n]/g, (c) => ENTITIES[c] ?? c);
}

/**
 * Groups transitions by the block they are written in: the deepest state that strictly contains
 * both ends. Mermaid lays out edges best (and some versions only accept them) inside the innermost
 * composite that holds both states.
 */
function edgesByOwner(model: MachineModel): Map<string, TransitionModel[]> {
  const byId = new Map(allStates(model.root).map((s) => [s.id, s] as const));
  const owners = new Map<string, TransitionModel[]>();
  for (const state of byId.values()) {
    for (const t of state.transitions) {
      const targets = t.targets.length > 0 ? t.targets : [t.source];
      for (const target of targets) {
        const owner = strictOwner(model.root, state, byId.get(target) ?? state)?.id ?? TOP;
        const single: TransitionModel = { ...t, targets: [target] };
        owners.set(owner, [...(owners.get(owner) ?? []), single]);
      }
    }
  }
  return owners;
}
