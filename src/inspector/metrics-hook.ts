/**
 * HOOK (issue 13): `await system.metrics()` (the Prometheus exposition text, with
 * `createSystem({ metrics: true })`) is being added concurrently. When a system has it, `GET
 * /metrics` serves what it returns (text as the exposition format, anything else as JSON); until
 * then `/metrics` answers 404 and the page computes its sparklines from the status.
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
