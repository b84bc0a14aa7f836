/**
 * HOOK (issue 13): `system.metrics()` is being added concurrently. When a system has it, `GET
 * /metrics` serves what it returns (text as the Prometheus exposition format, anything else as
 * JSON); until then `/metrics` answers 404 and the page computes its sparklines from the status.
 */
export function metricsOf(system: object): unknown {
  const metrics = (system as { metrics?: unknown }).metrics;
  if (typeof metrics !== 'function') return undefined;
  return (metrics as () => unknown).call(system);
}
