/**
 * `arbor inspect`: joins the cluster as an observer node (hosting nothing, its queue gone with its
 * connection, like `arbor status`) and serves the inspector page until SIGINT or SIGTERM. Without
 * `--broker` it serves the embedded single node of its own process.
 */
import { randomUUID } from 'node:crypto';
import { createSystem, type System } from '../../create-system.js';
import { JournalWorkflows } from '../../inspector/journal-source.js';
import { clusterWorkflows, startInspector, type Inspector, type QueryingSystem } from '../../inspector/index.js';
import { integerFlag, parse } from '../args.js';
import { BROKER_OPTIONS, brokerFlags, brokerTransport } from '../broker-flags.js';
import type { Command } from '../command.js';
import { asCliError, CliError, EXIT } from '../errors.js';
import type { Io } from '../io.js';
import { cliLogger } from '../logger.js';

const HELP = `Usage: arbor inspect [--broker URL --cluster NAME] [--port 4400] [--host H] [--token T] [--journal FILE ...]

Serves a live web page of a cluster: its nodes, the supervision tree across them (status, state,
host, restarts), each actor's state diagram with its current state, context and mailbox, the
workflows by correlation id, dead letters and metrics. It joins the cluster as an observer node
that hosts nothing, and serves until SIGINT or SIGTERM.

Options:
  --broker URL     the cluster's RabbitMQ (amqp:// or amqps://)
  --cluster NAME   the cluster (default: arbor); needs --broker
  --port N         the port to listen on (default 4400; 0 picks a free one)
  --host H         the address to bind (default 127.0.0.1); anything else exposes the page:
                   give --token too
  --token T        require this token (Authorization: Bearer T, or ?token=T in the URL)
  --journal FILE   read workflows from this journal file (written by fileJournal); give it once
                   per node to see workflows across nodes
  --interval MS    how often the page is updated (default 1000)
  -h, --help       show this help

Exit codes: 0 stopped by a signal, 2 usage error, unreachable broker or port in use.
`;

/** Observer node ids start like this; the page leaves such nodes out. */
const OBSERVER_PREFIX = 'arbor-inspect-';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'serve a live web page of a cluster (the inspector)',
  help: HELP,
  run,
};

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...BROKER_OPTIONS,
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    journal: { type: 'string', multiple: true },
    interval: { type: 'string' },
  });
  if (positionals.length > 0) throw new CliError('USAGE', `arbor inspect takes no arguments, got: ${positionals.join(' ')}`);
  const broker = brokerFlags(values);
  const port = integerFlag(values.port, 'port') ?? 4400;
  const interval = integerFlag(values.interval, 'interval', 50);
  const transport = broker ? brokerTransport(broker, { connectTimeout: 3000, ephemeral: true }) : undefined;
  const logger = cliLogger({ level: process.env['ARBOR_LOG_LEVEL'] ?? 'warn' });
  const node = `${OBSERVER_PREFIX}${randomUUID().slice(0, 8)}`;
  let system: System;
  try {
    system = await createSystem({ node, logger, ...(transport ? { transport } : {}) });
  } catch (err) {
    throw asCliError(err);
  }
  let inspector: Inspector;
  try {
    inspector = await startInspector(
      system,
      {
        port,
        ...(values.host !== undefined ? { host: values.host } : {}),
        ...(values.token !== undefined ? { token: values.token } : {}),
        ...(interval !== undefined ? { interval } : {}),
        observerPrefix: 'arbor-',
      },
      values.journal !== undefined ? new JournalWorkflows(values.journal) : clusterWorkflows(system as unknown as QueryingSystem),
    );
  } catch (err) {
    await system.shutdown();
    throw asCliError(err);
  }
  io.out(`${values.json ? JSON.stringify({ url: inspector.url, node }) : `arbor inspect: ${inspector.url}`}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'arbor inspect: stopping');
  await inspector.close();
  await system.shutdown();
  return EXIT.OK;
}
