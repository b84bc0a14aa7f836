/**
 * `await system.metrics()`: the Prometheus exposition text with `createSystem({ metrics: true })`,
 * empty otherwise. `GET /metrics` serves it (text as the exposition format, anything else as JSON);
 * a system without metrics answers 404, and the page computes its sparklines from the status.
 */

/** True when the system offers `metrics()`. */
export function hasMetrics(system: object): boolean {
  return typeof (system as { metrics?: unknown }).metrics === 'function';
}

/** What `system.metrics()` gives, or `undefined` when the system has no metrics. */
export async function metricsOf(system: object): Promise<unknown> {
  if (!hasMetrics(system)) return undefined;
  return await (system as { metrics: () => unknown }).metrics();
}
