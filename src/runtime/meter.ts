/**
 * The port through which the runtime reports per-message work to a metrics layer
 * (`src/observability/metrics.ts`, installed by `createSystem({ metrics: true })`). Without one the
 * cells take their unmetered path: one property read per actor turn, nothing per message.
 */

/** What a cell tells its system's meter. */
export interface Meter {
  /** One user message processed by an actor whose logic is `logic` (a bounded label), taking `seconds`. */
  processed(logic: string, seconds: number): void;
}

/**
 * The metrics label of an actor's logic: the XState machine's id (one per definition, so bounded
 * by the code, never by the data: a thousand dynamic children of one machine share one label), or
 * `actor` for logic without an id.
 */
export function logicLabel(logic: unknown): string {
  const id = (logic as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : 'actor';
}
