/**
 * A spec's `source`: how a worker thread, which cannot be handed functions, builds the spec the
 * calling thread checks. Its shape is validated in the calling thread; it is built in the worker,
 * and first in the calling thread too (`source-build.ts`).
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArborError, describe, InvalidSpecError } from '../runtime/errors.js';
import './error-codes.js';
import type { WorkflowSource, WorkflowSpec } from './types.js';
import { WORKERS_START } from './worker-start.js';

/** A source as it crosses to a worker thread: the module as a file URL. */
export interface SourceData {
  module: string;
  export: string;
  args: readonly unknown[];
}

/**
 * The fields of a spec that are plain data, sent to the workers to override the built spec's, so
 * that a spec spread with a new seed or run count checks the same thing in every thread.
 */
export const DATA_FIELDS = ['name', 'nodes', 'faults', 'maxSteps', 'numRuns', 'seed', 'shrink'] as const;

/** The part of a spec a worker cannot build by itself: its data fields. */
export type SpecData = Partial<Pick<WorkflowSpec, (typeof DATA_FIELDS)[number]>>;

/** What a worker checks the spec it built against: the names of the properties. */
export interface SpecShape {
  invariants: string[];
  eventually: string[];
}

/** The data fields of `spec` that are set. */
export function specData(spec: WorkflowSpec<unknown>): SpecData {
  const data: Record<string, unknown> = {};
  for (const field of DATA_FIELDS) if (spec[field] !== undefined) data[field] = spec[field];
  return data as SpecData;
}

/** The names of `spec`'s properties, in order. */
export function specShape(spec: WorkflowSpec<unknown>): SpecShape {
  return { invariants: Object.keys(spec.invariants ?? {}), eventually: Object.keys(spec.eventually ?? {}) };
}

/** `workers`, `workersStart` and `source`, validated: a positive integer, a known start, and a source whenever `workers` is above 1. */
export function validateWorkers(spec: WorkflowSpec<unknown>): void {
  const w = spec.workers;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1)) throw new InvalidSpecError('workers', w, 'must be a positive integer');
  const start = spec.workersStart;
  if (start !== undefined && !WORKERS_START.includes(start)) throw new InvalidSpecError('workersStart', start, `must be one of ${WORKERS_START.map((s) => `'${s}'`).join(', ')}`);
  const source = spec.source as Partial<WorkflowSource> | undefined;
  if (source === undefined) {
    if (w !== undefined && w > 1) throw new InvalidSpecError('source', source, `must say where worker threads get the spec from (module and export) when workers is ${w}`);
    return;
  }
  if (typeof source !== 'object' || source === null) throw new InvalidSpecError('source', source, 'must be an object { module, export, args? }');
  const m = source.module;
  if (!(m instanceof URL) && (typeof m !== 'string' || m === '')) throw new InvalidSpecError('source.module', m, 'must be a file URL or a path');
  if (m instanceof URL && m.protocol !== 'file:') throw new InvalidSpecError('source.module', m.href, 'must be a file URL');
  if (typeof source.export !== 'string' || source.export === '') throw new InvalidSpecError('source.export', source.export, 'must be a non-empty export name');
  if (source.args !== undefined && !Array.isArray(source.args)) throw new InvalidSpecError('source.args', source.args, 'must be an array of arguments');
}

/** The source as sent to a worker: a path or URL made an absolute file URL. */
export function sourceData(source: WorkflowSource): SourceData {
  const m = source.module;
  const href = m instanceof URL ? m.href : m.startsWith('file:') ? m : pathToFileURL(resolve(m)).href;
  return { module: href, export: source.export, args: source.args ?? [] };
}

/**
 * Imports the source's module and builds the spec from its export. Throws `SOURCE_NOT_FOUND` for a
 * module that is not there and `SOURCE_INVALID` for one that does not load or build a spec.
 */
export async function loadSource(source: SourceData): Promise<WorkflowSpec<unknown>> {
  const details = { module: source.module, export: source.export };
  try {
    await access(fileURLToPath(source.module));
  } catch {
    throw new ArborError('SOURCE_NOT_FOUND', `workflow source module not found: ${source.module}`, details);
  }
  let value: unknown;
  try {
    value = unwrapCommonJs((await import(source.module)) as Record<string, unknown>);
  } catch (err) {
    throw new ArborError('SOURCE_INVALID', `workflow source module ${source.module} failed to load: ${err instanceof Error ? err.message : String(err)}`, details, { cause: err });
  }
  for (const key of source.export.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined) throw new ArborError('SOURCE_INVALID', `workflow source ${source.module} has no export "${source.export}"`, details);
  }
  if (typeof value === 'function') {
    try {
      value = await (value as (...args: unknown[]) => unknown)(...source.args);
    } catch (err) {
      throw new ArborError('SOURCE_INVALID', `workflow source ${source.export} of ${source.module} threw: ${err instanceof Error ? err.message : String(err)}`, details, { cause: err });
    }
  }
  if (typeof value !== 'object' || value === null || !('root' in value)) {
    throw new ArborError('SOURCE_INVALID', `workflow source ${source.export} of ${source.module} is not a workflow spec (no "root"), got ${describe(value)}`, details);
  }
  return value as WorkflowSpec<unknown>;
}

/**
 * The exports as the module wrote them: a `.ts` file outside a `"type": "module"` package is
 * compiled to CommonJS, and `import()` hands its `module.exports` over as `default`.
 */
function unwrapCommonJs(mod: Record<string, unknown>): Record<string, unknown> {
  const inner = mod['default'];
  return typeof inner === 'object' && inner !== null && (inner as { __esModule?: unknown }).__esModule === true ? (inner as Record<string, unknown>) : mod;
}

/**
 * The spec a worker checks: the one built from the source with the calling thread's data fields
 * over it. Throws `SOURCE_INVALID` when its properties differ from the calling thread's (the
 * source builds another spec).
 */
export function workerSpec(built: WorkflowSpec<unknown>, data: SpecData, shape: SpecShape, source: SourceData): WorkflowSpec<unknown> {
  const spec = { ...built, ...data, workers: 1 };
  delete spec.source;
  const got = specShape(spec);
  if (JSON.stringify(got) !== JSON.stringify(shape)) {
    throw new ArborError('SOURCE_INVALID', `workflow source ${source.export} of ${source.module} builds another spec: properties ${JSON.stringify(got)}, expected ${JSON.stringify(shape)}`, { module: source.module, export: source.export });
  }
  return spec;
}
