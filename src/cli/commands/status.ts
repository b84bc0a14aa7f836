/**
 * `arbor status`: joins the cluster as a short-lived observer node (hosting nothing), waits about
 * 1.5 heartbeats to hear every live node, asks each for its supervision trees
 * (`system.clusterStatus()`), prints them, and leaves. Without `--broker` it reports the embedded
 * single node of its own process.
 */
import { randomUUID } from 'node:crypto';
import { createSystem, type System } from '../../create-system.js';
import { integerFlag, parse } from '../args.js';
import { BROKER_OPTIONS, brokerFlags, brokerTransport } from '../broker-flags.js';
import type { Command } from '../command.js';
import { asCliError, CliError, EXIT } from '../errors.js';
import type { Io } from '../io.js';
import { cliLogger } from '../logger.js';
import { formatStatus, type StatusReport } from '../status-format.js';

const HELP = `Usage: arbor status [--broker URL --cluster NAME] [--wait MS] [--timeout MS] [--json]

Shows the live nodes of a cluster and the supervision tree across them: each node's root actors
with their children, children placed on other nodes shown where they run. It joins the cluster
as a short-lived observer node that hosts nothing, and leaves when done. Without --broker it
reports the embedded single node of its own process.

Options:
  --broker URL     the cluster's RabbitMQ (amqp:// or amqps://)
  --cluster NAME   the cluster (default: arbor); needs --broker
  --wait MS        how long to listen for heartbeats before asking (default 1500: 1.5 heartbeats)
  --timeout MS     how long each node has to answer (default 2000)
  --json           print {"transport", "cluster", "nodes", "trees", "unreachable"} instead of text
  -h, --help       show this help

Exit codes: 0 every node answered, 1 some node did not answer, 2 usage error or unreachable broker.
`;

/** The node-id prefix of observer nodes. */
const OBSERVER_PREFIX = 'arbor-status-';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the live nodes of a cluster and the supervision tree across them',
  help: HELP,
  run,
};

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...BROKER_OPTIONS, wait: { type: 'string' }, timeout: { type: 'string' } });
  if (positionals.length > 0) throw new CliError('USAGE', `arbor status takes no arguments, got: ${positionals.join(' ')}`);
  const broker = brokerFlags(values);
  const wait = integerFlag(values.wait, 'wait') ?? 1500;
  const timeout = integerFlag(values.timeout, 'timeout', 1) ?? 2000;
  const observer = `${OBSERVER_PREFIX}${randomUUID().slice(0, 8)}`;
  // A status probe should fail fast on a broker that is not there; its queue goes with its connection.
  const transport = broker ? brokerTransport(broker, { connectTimeout: 3000, ephemeral: true }) : undefined;
  // Quiet unless asked: peers coming up are what this command prints, not log noise.
  const logger = cliLogger({ level: process.env['ARBOR_LOG_LEVEL'] ?? 'warn' });
  let system: System;
  try {
    system = await createSystem({ node: observer, logger, ...(transport ? { transport } : {}) });
  } catch (err) {
    throw asCliError(err);
  }
  let report: StatusReport;
  try {
    if (broker) await new Promise((resolve) => setTimeout(resolve, wait));
    const status = await system.clusterStatus({ timeout });
    // Observers (this one, and any other "arbor status" running now) are not part of the cluster.
    const others = (node: string) => !broker || !node.startsWith(OBSERVER_PREFIX);
    report = {
      transport: broker ? 'rabbitmq' : 'in-memory',
      ...(broker ? { cluster: broker.cluster ?? 'arbor' } : {}),
      nodes: status.nodes.filter((n) => others(n.node)),
      trees: status.trees.filter((t) => others(t.node)),
      unreachable: status.unreachable.filter(others),
    };
  } finally {
    await system.shutdown();
  }
  io.out(values.json ? JSON.stringify(report) + '\n' : formatStatus(report, io));
  return report.unreachable.length > 0 ? EXIT.FAILED : EXIT.OK;
}
