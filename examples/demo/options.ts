/** `npm start` arguments: parsed and checked once, with the help text next to the defaults. */
import { parseArgs } from 'node:util';
import type { DemoOptions } from './run.js';

export const HELP = `Usage: npm start -- [options]

A simulated agent system on Arbor: planner -> research agents (scatter-gather) -> writer ->
reviewer -> publisher (a saga that compensates a failed publish), under a supervision tree that
restarts a crashing researcher, drawing from a token budget. Deterministic for a given seed.

Options:
  --seed N        the seed behind latencies and injected faults (default 42)
  --out DIR       where diagrams, journals and logs go (default out/demo)
  --broker URL    run across node processes over RabbitMQ (e.g. amqp://guest:guest@127.0.0.1:5672)
  --nodes N       nodes in all with --broker, the owner included (default 3)
  --speed X       latency multiplier, e.g. 0.5 for twice as fast (default 1)
  --publish-failures N
                  publish attempts that fail (default 1; 2 makes the workflow end compensated)
  --inspect       serve the inspector (a live web page of the system) while the demo runs, print
                  its URL, and keep it up after the workflow ends until Ctrl-C
  --inspect-port N
                  the inspector's port (default 4400; 0 picks a free one)
  --trace         record OpenTelemetry spans (out/demo/spans-<node>.jsonl) and print the
                  workflow's trace as a waterfall in the summary
  --kill-node     with --broker (3 nodes or more): the publisher is durable, and the node running
                  it is SIGKILLed mid-saga once two steps are committed; the saga resumes on
                  another node without running those steps again (the summary prints the ledger)
  --no-live       print progress lines even on a terminal
  -h, --help      show this help
`;

export type ParsedArgs = { help: true } | { help: false; options: DemoOptions; live: boolean };

function int(name: string, value: string | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function parseDemoArgs(argv: string[]): ParsedArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      broker: { type: 'string' },
      nodes: { type: 'string' },
      speed: { type: 'string' },
      'publish-failures': { type: 'string' },
      'no-live': { type: 'boolean' },
      inspect: { type: 'boolean' },
      'inspect-port': { type: 'string' },
      trace: { type: 'boolean' },
      'kill-node': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`--speed must be a number > 0, got ${JSON.stringify(values.speed)}`);
  const options: DemoOptions = {
    seed: int('seed', values.seed, 0, 42),
    out: values.out ?? 'out/demo',
    speed,
    publishFailures: int('publish-failures', values['publish-failures'], 0, 1),
  };
  if (values.inspect) options.inspect = { port: int('inspect-port', values['inspect-port'], 0, 4400) };
  else if (values['inspect-port'] !== undefined) throw new Error('--inspect-port needs --inspect');
  if (values.trace) options.trace = true;
  if (values.broker !== undefined) {
    options.broker = values.broker;
    options.nodes = int('nodes', values.nodes, 1, 3);
  } else if (values.nodes !== undefined && values.nodes !== '1') {
    throw new Error('--nodes needs --broker: nodes talk over RabbitMQ');
  }
  if (values['kill-node']) {
    if (options.nodes === undefined || options.nodes < 3) throw new Error('--kill-node needs --broker and --nodes 3 or more: the owner, the node killed and one to resume on');
    options.killNode = true;
  }
  return { help: false, options, live: !values['no-live'] };
}
