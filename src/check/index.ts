/**
 * Model checking of XState machines: bounded search plus coverage-guided random walks, with
 * invoked and spawned actors simulated, finding errors, broken invariants, deadlocks and
 * unreachable states with shrunk counterexamples.
 */
export { checkMachine } from './check-machine.js';
export { assertMachine } from './assert.js';
export { MachineCheckError, CheckOptionsError } from './errors.js';
export { formatReport, formatEvents, reportReplacer } from './format.js';
export { replayEvents } from './replay.js';
export { DEFAULT_CHECK_OPTIONS } from './types.js';
export type { CheckOptions, CheckReport, CheckFailure, CheckStats, FailureKind, Invariant, EventPayloads, PayloadSource, ActorSimulation } from './types.js';
