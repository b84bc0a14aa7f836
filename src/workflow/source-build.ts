/**
 * Building a spec from its `source`, in a worker thread, and in the calling thread before any
 * worker starts: a parallel check may start no worker at all (see `worker-start.ts`), and a bad
 * source must fail it all the same, and fast.
 */
import { ArborError } from '../runtime/errors.js';
import './error-codes.js';
import { validateSpec } from './simulation.js';
import { loadSource, specData, specShape, workerSpec, type SourceData, type SpecData, type SpecShape } from './source.js';
import type { WorkflowSpec } from './types.js';

/**
 * The spec a worker checks, built from `source` with the calling thread's `data` over it and
 * validated: throws `SOURCE_NOT_FOUND`, `SOURCE_INVALID` (also when its properties are not
 * `shape`'s) or `INVALID_SPEC`.
 */
export async function buildFromSource(source: SourceData, data: SpecData, shape: SpecShape): Promise<WorkflowSpec<unknown>> {
  const spec = workerSpec(await loadSource(source), data, shape, source);
  validateSpec(spec);
  return spec;
}

/**
 * Builds `spec`'s source on this thread, as a worker would, throwing what a worker would report.
 * Returns false, without throwing, when this thread cannot import the module at all because it is
 * TypeScript and no loader is registered here (a worker registers tsx itself): only a worker can
 * tell then.
 */
export async function validateSourceHere(spec: WorkflowSpec<unknown>, source: SourceData): Promise<boolean> {
  try {
    await buildFromSource(source, specData(spec), specShape(spec));
    return true;
  } catch (err) {
    if (err instanceof ArborError && err.code === 'SOURCE_INVALID' && (err.cause as { code?: unknown } | undefined)?.code === 'ERR_UNKNOWN_FILE_EXTENSION') return false;
    throw err;
  }
}
