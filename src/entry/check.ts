/**
 * The root entry's machine checks, loaded on first use: the checker pulls in fast-check and its
 * search, which `import 'arbor'` must not pay for. `arbor/check` exports the checker itself.
 * The light parts (formatting, replay, options, the error classes) are exported as they are.
 */
import type * as CheckModule from '../check/index.js';

let loading: Promise<typeof CheckModule> | undefined;

function load(): Promise<typeof CheckModule> {
  loading ??= import('../check/index.js');
  return loading;
}

/** Checks a machine by property-based search; see `arbor/check`. Loads the checker on first call. */
export const checkMachine: typeof CheckModule.checkMachine = async (machine, options) => (await load()).checkMachine(machine, options);

/** `checkMachine` that throws a `MachineCheckError` on failure; see `arbor/check`. Loads the checker on first call. */
export const assertMachine: typeof CheckModule.assertMachine = async (machine, options) => (await load()).assertMachine(machine, options);

export { formatReport, formatEvents } from '../check/format.js';
export { replayEvents } from '../check/replay.js';
export { DEFAULT_CHECK_OPTIONS } from '../check/types.js';
export { MachineCheckError, CheckOptionsError } from '../check/errors.js';
