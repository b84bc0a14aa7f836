/**
 * `arbor dlq list|show|redrive|purge`: the cluster's dead-letter queue (`arbor.<cluster>.dead`),
 * where every node of the cluster puts what it gave up on, with the reason. See
 * `src/transport/dlq.ts` for how entries are held while a command runs and how a redrive avoids
 * both loss and duplicates.
 */
import { DeadLetterQueue, type DlqEntry, type DlqFilter } from '../../transport/dlq.js';
import { normalizeRabbitmqOptions } from '../../transport/options.js';
import { integerFlag, parse } from '../args.js';
import { BROKER_OPTIONS } from '../broker-flags.js';
import type { Command } from '../command.js';
import { asCliError, CliError, EXIT } from '../errors.js';
import { paint, type Io } from '../io.js';
import { cliLogger } from '../logger.js';

const HELP = `Usage: arbor dlq list    [--broker URL] [--cluster NAME] [filters] [--json]
       arbor dlq show ID  [--broker URL] [--cluster NAME] [--json]
       arbor dlq redrive  [--broker URL] [--cluster NAME] [filters] [--json]
       arbor dlq purge    [--broker URL] [--cluster NAME] [filters] [--json]

The cluster's dead-letter queue: every message a node of the cluster gave up on (its recipient
crashed on it, its mailbox was full, it was unhandled, invalid, unroutable, or failed too often),
with the reason. list prints each entry's code and reason, recipient, event type, correlation id,
attempts and first and last failure time; show prints one entry with its event. redrive sends
the matching entries back to their recipients (with a new id, so they are processed rather than
dropped as repeats; the original id stays in a header) and removes each from the queue once the
broker confirmed the resend. purge removes the matching entries. A command that is interrupted
loses nothing: entries not yet handled stay on the queue.

Options:
  --broker URL         the cluster's RabbitMQ (default: $AMQP_URL, else amqp://guest:guest@localhost:5672)
  --cluster NAME       the cluster (default: arbor)
  --code C             only entries with this reason code (ACTOR_CRASHED, MAILBOX_FULL, ...)
  --path P             only entries for the actor at this path, or below it
  --correlation ID     only entries with this correlation id
  --limit N            at most N entries
  --rate N             redrive: at most N entries per second (spares a service that just recovered)
  --json               print JSON instead of text
  -h, --help           show this help

Exit codes: 0 done, 1 (show) no such entry or (redrive) some entries could not be resent,
2 usage error or unreachable broker.
`;

export const dlqCommand: Command = {
  name: 'dlq',
  summary: "list, show, redrive or purge the cluster's dead-letter queue",
  help: HELP,
  run,
};

const ACTIONS = ['list', 'show', 'redrive', 'purge'] as const;
type Action = (typeof ACTIONS)[number];

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...BROKER_OPTIONS, code: { type: 'string' }, path: { type: 'string' }, correlation: { type: 'string' }, limit: { type: 'string' }, rate: { type: 'string' } });
  const action = positionals[0] as Action | undefined;
  if (action === undefined || !ACTIONS.includes(action)) throw new CliError('USAGE', `arbor dlq needs one of ${ACTIONS.join(', ')}${action === undefined ? '' : `, got "${action}"`}`);
  const id = action === 'show' ? positionals[1] : undefined;
  if (action === 'show' && id === undefined) throw new CliError('USAGE', 'arbor dlq show needs an entry id');
  if (positionals.length > (action === 'show' ? 2 : 1)) throw new CliError('USAGE', `unexpected arguments: ${positionals.slice(action === 'show' ? 2 : 1).join(' ')}`);
  const limit = integerFlag(values.limit, 'limit', 1);
  const rate = integerFlag(values.rate, 'rate', 1);
  if (rate !== undefined && action !== 'redrive') throw new CliError('USAGE', '--rate applies to redrive only');
  const filter: DlqFilter = { code: values.code, path: values.path, correlationId: values.correlation, id, limit };
  let options;
  try {
    options = normalizeRabbitmqOptions({ ...(values.broker !== undefined ? { url: values.broker } : {}), ...(values.cluster !== undefined ? { cluster: values.cluster } : {}) });
  } catch (err) {
    throw asCliError(err);
  }
  const logger = cliLogger({ level: process.env['ARBOR_LOG_LEVEL'] ?? 'warn' });
  const dlq = new DeadLetterQueue({ url: options.url, cluster: options.cluster, logger });
  try {
    await dlq.open();
  } catch (err) {
    throw asCliError(err);
  }
  try {
    return await act(action, dlq, filter, io, values.json === true, rate);
  } finally {
    await dlq.close();
  }
}

async function act(action: Action, dlq: DeadLetterQueue, filter: DlqFilter, io: Io, json: boolean, rate: number | undefined): Promise<number> {
  switch (action) {
    case 'list': {
      const entries = await dlq.list(filter);
      io.out(json ? JSON.stringify({ queue: dlq.topology.deadQueue, entries }) + '\n' : formatEntries(io, dlq.topology.deadQueue, entries));
      return EXIT.OK;
    }
    case 'show': {
      const [entry] = await dlq.list({ id: filter.id, limit: 1 });
      if (!entry) {
        io.err(`arbor: no entry ${JSON.stringify(filter.id)} in ${dlq.topology.deadQueue}\n`);
        return EXIT.FAILED;
      }
      io.out(json ? JSON.stringify(entry) + '\n' : formatEntries(io, dlq.topology.deadQueue, [entry]) + `  event: ${JSON.stringify(entry.event, null, 2).replace(/\n/g, '\n  ')}\n`);
      return EXIT.OK;
    }
    case 'redrive': {
      const report = await dlq.redrive(filter, { rate });
      if (json) io.out(JSON.stringify(report) + '\n');
      else {
        io.out(`redrove ${report.redriven} entr${report.redriven === 1 ? 'y' : 'ies'} from ${dlq.topology.deadQueue}${report.kept > 0 ? `, kept ${report.kept}` : ''}\n`);
        for (const [recipient, n] of Object.entries(report.recipients)) io.out(`  ${n}  → ${recipient}\n`);
        for (const problem of report.problems) io.out(paint(io, 'red', `  kept ${problem}`) + '\n');
      }
      return report.kept > 0 ? EXIT.FAILED : EXIT.OK;
    }
    case 'purge': {
      const purged = await dlq.purge(filter);
      io.out(json ? JSON.stringify({ purged }) + '\n' : `purged ${purged} entr${purged === 1 ? 'y' : 'ies'} from ${dlq.topology.deadQueue}\n`);
      return EXIT.OK;
    }
  }
}

function time(ms: number | undefined): string {
  return ms === undefined ? '?' : new Date(ms).toISOString();
}

/** The text form of `list` and `show`: two lines per entry. */
export function formatEntries(io: Io, queue: string, entries: readonly DlqEntry[]): string {
  if (entries.length === 0) return `${queue}: no matching entry\n`;
  const lines = [`${queue}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`];
  for (const e of entries) {
    const corr = e.correlationId !== undefined ? `  correlation ${e.correlationId}` : '';
    const redrives = e.redrives > 0 ? `  redriven ${e.redrives}×` : '';
    lines.push(`${paint(io, 'bold', e.id)}  ${paint(io, 'red', e.code)}  ${e.recipient}  ${e.eventType ?? '(no type)'}${corr}`);
    lines.push(`  ${e.reason}  — attempts ${e.attempts}${redrives}, first failed ${time(e.firstFailedAt)}, last ${time(e.lastFailedAt)}, on ${e.node}`);
  }
  return lines.join('\n') + '\n';
}
