/**
 * Helpers for machines whose states are generated from a spec (sagas, chains). Such state
 * configs are built outside `createMachine`, where XState cannot infer context and event types,
 * so these give the action creators their types back.
 */
import { assign } from 'xstate';

/** What an action or assigner of a generated state gets. */
export interface ActionArgs<TContext, TEvent> {
  context: TContext;
  event: TEvent;
  /** The running actor; `self.system` resolves held targets (see `targets.ts`). */
  self: { system: unknown };
}

/** A typed `assign` for generated states: `const update = assigner<Ctx>(); update<{ output: X }>(({ event }) => ...)`. */
export function assigner<TContext>() {
  return <TEvent = unknown>(f: (args: ActionArgs<TContext, TEvent>) => Partial<TContext>) => assign(f as never);
}

/** A typed plain action (side effects after the assigns of the same transition). */
export function effect<TContext>() {
  return <TEvent = unknown>(f: (args: ActionArgs<TContext, TEvent>) => void) => f as (args: never) => void;
}
