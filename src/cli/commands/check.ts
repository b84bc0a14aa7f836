/**
 * `arbor check <module>`: runs `checkMachine` on every machine of the module's `machines`, with
 * the invariants and payload arbitraries of its `checks` export; exit 1 when any machine fails.
 */
import type { AnyStateMachine } from 'xstate';
import { captureConsole } from '../../check/console-capture.js';
import { checkMachine, formatReport, reportReplacer } from '../../check/index.js';
import type { CheckOptions, CheckReport } from '../../check/index.js';
import { choiceFlag, integerFlag, onePositional, parse } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import { paint } from '../io.js';
import type { Io } from '../io.js';
import { loadModule, requireMachines } from '../load-module.js';
import type { ModuleExports } from '../load-module.js';
import { WORKERS_START } from '../../workflow/worker-start.js';
import { checkWorkflows, formatWorkflowReports, workflowsOf } from './check-workflows.js';

const HELP = `Usage: arbor check <module> [--seed N] [--runs N] [--max-steps N] [--workers N [--workers-start S]] [--json]

Checks every machine in the module's "machines" export for actions or guards that throw,
deadlocks, unreachable states and broken invariants. Invariants, event payloads and simulated
actor outcomes come from its optional "checks" export:
{ [machineName]: { invariants, events, actors } }. Invoked and spawned actors are simulated,
never run; what machines print while being checked is counted on stderr, not shown. Its
"workflows" export (an object of checkWorkflow specs) is checked by deterministic simulation,
and each failure is printed as a timeline of the shrunk schedule.

Options:
  --seed N       random seed (default 42); the same seed gives the same report
  --runs N       random event sequences per goal (default 100)
  --max-steps N  longest event sequence tried (default 20)
  --workers N    threads a workflow's runs may be spread over (default 1: no worker threads);
                 the report is the same whatever N
  --workers-start adaptive|eager
                 when worker threads start: adaptive (default) once a workflow's runs left
                 would take seconds on one thread, eager at once, all N - 1 of them
  --json         print {"ok": boolean, "machines": [report, ...]} instead of text
                 (with "workflows": [report, ...] when the module exports workflows)
  -h, --help     show this help

Exit codes: 0 every machine passed, 1 some machine failed, 2 usage or input error.
`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'check machines for errors, deadlocks, unreachable states and broken invariants',
  help: HELP,
  run,
};

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { seed: { type: 'string' }, runs: { type: 'string' }, 'max-steps': { type: 'string' }, workers: { type: 'string' }, 'workers-start': { type: 'string' } });
  const overrides = {
    ...optional('seed', integerFlag(values.seed, 'seed')),
    ...optional('numRuns', integerFlag(values.runs, 'runs', 1)),
    ...optional('maxSteps', integerFlag(values['max-steps'], 'max-steps', 1)),
  };
  const path = onePositional(positionals, 'module');
  const mod = await loadModule(path);
  // Workflows (issue 17): a module may export `workflows` instead of, or besides, `machines`.
  const workflows = workflowsOf(mod, path);
  const machines = workflows && mod['machines'] === undefined ? {} : requireMachines(mod, path);
  const checks = checksOf(mod, path, machines);
  const reports: CheckReport[] = [];
  for (const [name, machine] of Object.entries(machines)) {
    // Machines that print while being checked print thousands of times: stdout keeps the report.
    const { result, printed } = await captureConsole(() => checkMachine(machine, { ...checks[name], ...overrides }));
    reports.push(result);
    if (printed.count > 0) io.err(`arbor check: ${name} printed ${printed.count} line${printed.count === 1 ? '' : 's'} while being checked (not shown), first: ${JSON.stringify(printed.first[0] ?? '')}\n`);
  }
  const flows = workflows ? await checkWorkflows(workflows, overrides, { module: path, workers: integerFlag(values.workers, 'workers', 1), workersStart: choiceFlag(values['workers-start'], 'workers-start', WORKERS_START) }) : [];
  const ok = reports.every((r) => r.ok) && flows.every((r) => r.ok);
  const json = workflows ? { ok, machines: reports, workflows: flows } : { ok, machines: reports };
  io.out(values.json ? JSON.stringify(json, reportReplacer) + '\n' : reports.map((r) => colour(io, formatReport(r))).join('') + colour(io, formatWorkflowReports(flows)));
  return ok ? EXIT.OK : EXIT.FAILED;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function checksOf(mod: ModuleExports, path: string, machines: Record<string, AnyStateMachine>): Record<string, CheckOptions> {
  const checks = mod['checks'];
  if (checks === undefined) return {};
  if (typeof checks !== 'object' || checks === null) throw new CliError('INVALID_MODULE', `${path}: "checks" must be an object keyed by machine name`);
  for (const name of Object.keys(checks)) {
    if (!(name in machines)) throw new CliError('INVALID_MODULE', `${path}: checks.${name} names no machine (machines: ${Object.keys(machines).join(', ')})`);
  }
  return checks as Record<string, CheckOptions>;
}

// Only the verdict marks are coloured: the rest must stay readable when pasted into an issue.
function colour(io: Io, text: string): string {
  return text.replace(/^✓/gm, paint(io, 'green', '✓')).replace(/^✗/gm, paint(io, 'red', '✗'));
}
