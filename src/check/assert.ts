/** `assertMachine`: `checkMachine` for test suites, throwing a readable error on failure. */
import type { AnyStateMachine } from 'xstate';
import { checkMachine } from './check-machine.js';
import { MachineCheckError } from './errors.js';
import type { CheckOptions, CheckReport } from './types.js';

/**
 * Checks `machine` like {@link checkMachine} and throws a {@link MachineCheckError} whose
 * message lists every failure with its counterexample; resolves with the report when it passes.
 *
 * @example
 * import { test } from 'vitest'; // or node:test
 * import { assertMachine } from 'arbor';
 * test('the order machine has no errors, deadlocks or unreachable states', async () => {
 *   await assertMachine(orderMachine, { invariants: { 'total >= 0': (s) => s.context.total >= 0 } });
 * });
 */
export async function assertMachine<TMachine extends AnyStateMachine>(machine: TMachine, options: CheckOptions<TMachine> = {}): Promise<CheckReport> {
  const report = await checkMachine(machine, options);
  if (!report.ok) throw new MachineCheckError(report);
  return report;
}
