/**
 * Simulated actors: during a check every invoked or spawned actor is replaced by a stand-in that
 * does nothing until the checker tells it how it ends (done with an output, or an error). Its
 * outcome then reaches the machine exactly as the real one would (`xstate.done.actor.<id>`,
 * `xstate.error.actor.<id>`, the child removed from `children`), so an outcome is delivered only
 * while the actor runs, and no promise, timer or socket of the real actor is ever started.
 *
 * Actors are replaced by `src` name (`setup({ actors })` or `provide`), and inline logic in an
 * `invoke` by rewriting the config; an actor the options mark `run: true` keeps its real logic.
 * Inline logic passed to `spawn(logic)` cannot be reached this way and runs for real.
 */
import { createMachine } from 'xstate';
import type { ActorLogic, AnyActorRef, AnyMachineSnapshot, AnyStateMachine, EventObject, Snapshot } from 'xstate';

/** The command a stand-in understands: end as done with `output`, or with `error`. */
type StandInCommand = { type: 'arbor.check.done'; output: unknown } | { type: 'arbor.check.error'; error: unknown };

type StandInSnapshot = Snapshot<unknown> & { input: unknown };

/** The logic of every simulated actor: active until commanded, then done or failed. */
export const STAND_IN: ActorLogic<StandInSnapshot, StandInCommand | EventObject, unknown> = {
  config: 'arbor.check.stand-in',
  transition: (snapshot, event) => {
    if (snapshot.status !== 'active') return snapshot;
    if (event.type === 'arbor.check.done') return { ...snapshot, status: 'done', output: (event as { output?: unknown }).output } as StandInSnapshot;
    if (event.type === 'arbor.check.error') return { ...snapshot, status: 'error', error: (event as { error?: unknown }).error } as StandInSnapshot;
    return snapshot;
  },
  getInitialSnapshot: (_scope, input) => ({ status: 'active', output: undefined, error: undefined, input }) as StandInSnapshot,
  getPersistedSnapshot: (snapshot) => snapshot,
};

const OUTCOME = /^xstate\.(done|error)\.actor\.(.+)$/;

/** `'done'`/`'error'` and the child id of an outcome event type, or `undefined`. */
export function parseOutcome(type: string): { kind: 'done' | 'error'; id: string } | undefined {
  const match = OUTCOME.exec(type);
  return match ? { kind: match[1] as 'done' | 'error', id: match[2] as string } : undefined;
}

/**
 * The name by which options address an actor: its `src` name; for inline logic its invoke id
 * (XState names inline sources `xstate.invoke.<index>.<state id>`, which nobody writes), or, as
 * diagrams name it, the key of the state that invokes it (see {@link optionKeys}).
 */
export function actorName(child: AnyActorRef, id: string): string {
  const src = (child as { src?: unknown }).src;
  return typeof src === 'string' && !src.startsWith('xstate.invoke.') ? src : id;
}

/**
 * The keys under which options may describe an actor, most specific first: its name, then for
 * inline logic with a generated id (`0.creditCheck.checking.equifax.querying`) the invoking
 * state's key (`querying`).
 */
export function optionKeys(name: string): string[] {
  const generated = /^\d+\.(.+)$/.exec(name);
  if (!generated) return [name];
  const stateId = generated[1] as string;
  return [name, stateId.slice(stateId.lastIndexOf('.') + 1)];
}

/** True for a child that is a stand-in and still running (its outcome can still happen). */
export function isRunningStandIn(child: AnyActorRef | undefined): child is AnyActorRef {
  return child !== undefined && (child as { logic?: unknown }).logic === STAND_IN && child.getSnapshot().status === 'active';
}

/** Running stand-in children of a snapshot, as `[id, ref]` in creation order. */
export function runningStandIns(snapshot: AnyMachineSnapshot): [string, AnyActorRef][] {
  return Object.entries(snapshot.children as Record<string, AnyActorRef | undefined>).filter((e): e is [string, AnyActorRef] => isRunningStandIn(e[1]));
}

/** True when a child of the snapshot runs real logic (opted in with `run: true`, or spawned inline). */
export function hasRealChild(snapshot: AnyMachineSnapshot): boolean {
  return Object.values(snapshot.children as Record<string, AnyActorRef | undefined>).some(
    (child) => child !== undefined && (child as { logic?: unknown }).logic !== STAND_IN && child.getSnapshot().status === 'active',
  );
}

/**
 * Delivers an outcome event to the running stand-in it names, which ends and so reports to the
 * machine as the real actor would. Returns `false` (and does nothing) when no such actor runs.
 */
export function deliverOutcome(snapshot: AnyMachineSnapshot, event: EventObject): boolean {
  const outcome = parseOutcome(event.type);
  if (!outcome) return false;
  const child = (snapshot.children as Record<string, AnyActorRef | undefined>)[outcome.id];
  if (!isRunningStandIn(child)) return false;
  const payload = event as EventObject & { output?: unknown; error?: unknown };
  child.send(outcome.kind === 'done' ? { type: 'arbor.check.done', output: payload.output } : { type: 'arbor.check.error', error: payload.error });
  return true;
}

/** `machine` with every actor replaced by {@link STAND_IN}, except those `runs(name)` keeps real. */
export function simulatedMachine(machine: AnyStateMachine, runs: (name: string) => boolean): AnyStateMachine {
  const referenced = new Set<string>();
  const config = rewriteInvokes(machine.config as ConfigNode, machine.id, runs, referenced);
  // Sources named in an invoke but never provided are simulated too, rather than failing to start.
  const provided = Object.keys((machine.implementations.actors ?? {}) as Record<string, unknown>);
  const named = [...new Set([...provided, ...referenced])].filter((name) => !runs(name));
  const actors = { ...(machine.implementations.actors as Record<string, unknown>), ...Object.fromEntries(named.map((name) => [name, STAND_IN])) };
  return createMachine(config as Parameters<typeof createMachine>[0], { ...machine.implementations, actors } as Parameters<typeof createMachine>[1]);
}

interface ConfigNode {
  readonly id?: string;
  readonly invoke?: InvokeConfig | readonly InvokeConfig[];
  readonly states?: Readonly<Record<string, ConfigNode>>;
  readonly [key: string]: unknown;
}

interface InvokeConfig {
  readonly id?: string;
  readonly src?: unknown;
  readonly [key: string]: unknown;
}

// Only inline logic needs the config rewritten: named sources are swapped through `actors`.
function rewriteInvokes(node: ConfigNode, stateId: string, runs: (name: string) => boolean, referenced: Set<string>): ConfigNode {
  const out: Record<string, unknown> = { ...node };
  if (node.invoke !== undefined) {
    const list = Array.isArray(node.invoke) ? (node.invoke as readonly InvokeConfig[]) : [node.invoke as InvokeConfig];
    const rewritten = list.map((inv, i) => {
      if (typeof inv.src === 'string') referenced.add(inv.src);
      if (typeof inv.src === 'string' || inv.src === undefined) return inv;
      // The invoke id XState would generate, so that options name the actor as reports do.
      return optionKeys(inv.id ?? `${i}.${stateId}`).some(runs) ? inv : { ...inv, src: STAND_IN };
    });
    out['invoke'] = Array.isArray(node.invoke) ? rewritten : rewritten[0];
  }
  if (node.states !== undefined) {
    out['states'] = Object.fromEntries(
      Object.entries(node.states).map(([key, child]) => [key, rewriteInvokes(child, child.id ?? `${stateId}.${key}`, runs, referenced)]),
    );
  }
  return out;
}
