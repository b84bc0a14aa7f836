/** The inspector's options: defaults in one place, normalised and validated by one function. */
import type { InspectorServeOptions } from '../runtime/system-options.js';
import { validator } from '../runtime/validate.js';

/** Options of {@link startInspector}. */
export interface InspectorOptions extends InspectorServeOptions {
  /**
   * How long (ms) each node has to answer a status request.
   * @default 2000
   */
  timeout?: number;
  /**
   * Nodes whose id starts with this are observers (`arbor inspect`, `arbor status`), left out of the page.
   * @default 'arbor-'
   */
  observerPrefix?: string;
}

export type ResolvedInspectorOptions = Required<Omit<InspectorOptions, 'token'>> & Pick<InspectorOptions, 'token'>;

export const DEFAULT_INSPECTOR_OPTIONS: Required<Omit<InspectorOptions, 'token'>> = {
  port: 4400,
  host: '127.0.0.1',
  interval: 1000,
  timeout: 2000,
  observerPrefix: 'arbor-',
};

const check = validator('inspector option');

/** Fills in defaults and validates; throws `INVALID_SPEC` naming the bad field. */
export function normalizeInspectorOptions(options: InspectorOptions = {}): ResolvedInspectorOptions {
  if (typeof options !== 'object' || options === null) check.invalid('inspector', options, 'must be an object');
  const allowed = new Set(['port', 'host', 'token', 'interval', 'timeout', 'observerPrefix']);
  for (const key of Object.keys(options)) if (!allowed.has(key)) check.invalid(key, (options as Record<string, unknown>)[key], 'is not an inspector option');
  const d = DEFAULT_INSPECTOR_OPTIONS;
  const host = options.host ?? d.host;
  if (typeof host !== 'string' || host.length === 0) check.invalid('host', host, 'must be a non-empty string');
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) check.invalid('token', '[redacted]', 'must be a non-empty string');
  const prefix = options.observerPrefix ?? d.observerPrefix;
  if (typeof prefix !== 'string') check.invalid('observerPrefix', prefix, 'must be a string');
  return {
    port: check.int('port', options.port ?? d.port, 0, 65535),
    host,
    interval: check.int('interval', options.interval ?? d.interval, 50, 60_000),
    timeout: check.int('timeout', options.timeout ?? d.timeout, 1, 60_000),
    observerPrefix: prefix,
    ...(token !== undefined ? { token } : {}),
  };
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
