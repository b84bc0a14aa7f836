/**
 * `arbor replay <journal>`: the timeline of a journal, or of one workflow in it (`--correlation`):
 * when each event was accepted (offset from the first), by which actor, its type and the ids it
 * carries. Reads a journal file, or with `--broker` the cluster's journal stream.
 */
import { readJournal, timeline, type TimelineRow } from '../../journal/index.js';
import { integerFlag, parse } from '../args.js';
import { BROKER_OPTIONS, brokerFlags } from '../broker-flags.js';
import type { Command } from '../command.js';
import { asCliError, CliError, EXIT } from '../errors.js';
import { paint, type Io } from '../io.js';

const HELP = `Usage: arbor replay <journal> [--correlation ID] [--json]
       arbor replay --broker URL --cluster NAME [--correlation ID] [--idle MS] [--json]

Prints the timeline of a journal written by "arbor run --journal FILE" (or fileJournal), or of a
cluster's journal stream (streamJournal): for each event, its time offset, the recipient actor,
its type, and the id, correlation and causation ids it carries. Gaps (entries the writer had to
drop) are shown where they occurred. To re-run events in a fresh system, use replayJournal().

Options:
  --correlation ID  only the events of one workflow (events whose correlationId is ID)
  --broker URL      read the journal stream of a RabbitMQ cluster instead of a file
  --cluster NAME    the cluster (default: arbor); needs --broker
  --idle MS         with --broker: stop reading after this long without a new entry (default 500)
  --json            print {"source", "correlationId", "rows": [...]} instead of text
  -h, --help        show this help

Exit codes: 0 events printed, 1 no event matched, 2 usage error, missing or malformed journal.
`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'print the timeline of a journal, or of one workflow in it (--correlation)',
  help: HELP,
  run,
};

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...BROKER_OPTIONS, correlation: { type: 'string' }, idle: { type: 'string' } });
  const broker = brokerFlags(values);
  const idleTimeout = integerFlag(values.idle, 'idle', 1);
  if (!broker && idleTimeout !== undefined) throw new CliError('USAGE', '--idle needs --broker URL');
  if (broker && positionals.length > 0) throw new CliError('USAGE', `with --broker the journal is the cluster's stream: drop ${positionals.join(' ')}`);
  if (!broker && positionals.length !== 1) throw new CliError('USAGE', positionals.length === 0 ? 'missing <journal> argument (or --broker URL)' : `expected one <journal>, got ${positionals.length}: ${positionals.join(' ')}`);
  const file = positionals[0];
  const source = broker ? { url: broker.url, ...(broker.cluster !== undefined ? { cluster: broker.cluster } : {}), ...(idleTimeout !== undefined ? { idleTimeout } : {}) } : (file as string);
  const correlationId = values.correlation;
  let rows: TimelineRow[];
  try {
    rows = await timeline(readJournal(source), correlationId !== undefined ? { correlationId } : {});
  } catch (err) {
    throw asCliError(err);
  }
  const shownSource = broker ? `cluster ${broker.cluster ?? 'arbor'} journal stream` : (file as string);
  const events = rows.filter((r) => r.kind === 'event').length;
  if (values.json) io.out(JSON.stringify({ source: shownSource, correlationId: correlationId ?? null, rows }) + '\n');
  else io.out(formatTimeline(io, shownSource, correlationId, rows));
  if (events > 0) return EXIT.OK;
  if (!values.json) io.err(`arbor: ${correlationId !== undefined ? `no event with correlation id ${JSON.stringify(correlationId)} in ${shownSource}` : `${shownSource} holds no event`}\n`);
  return EXIT.FAILED;
}

function formatTimeline(io: Io, source: string, correlationId: string | undefined, rows: readonly TimelineRow[]): string {
  const events = rows.filter((r) => r.kind === 'event');
  if (events.length === 0) return '';
  const span = (rows[rows.length - 1]?.offset ?? 0) / 1000;
  const nodes = new Set(events.map((r) => r.node));
  const head = `${source}${correlationId !== undefined ? `, workflow ${correlationId}` : ''}: ${events.length} ${events.length === 1 ? 'event' : 'events'} over ${span.toFixed(3)} s${nodes.size > 1 ? ` on ${nodes.size} nodes` : ''}`;
  const toWidth = Math.min(40, Math.max(...events.map((r) => r.to.length)));
  const typeWidth = Math.min(32, Math.max(...events.map((r) => r.type.length)));
  const lines = rows.map((r) => {
    const offset = `+${(r.offset / 1000).toFixed(3)}s`.padStart(10);
    if (r.kind === 'gap') return paint(io, 'red', `${offset}  … ${r.dropped} ${r.dropped === 1 ? 'entry' : 'entries'} missing from the journal (${r.reason}, seq ${r.firstSeq}-${r.lastSeq} on ${r.node})`);
    const ids = [r.id !== undefined ? `id=${r.id}` : '', r.correlationId !== undefined && correlationId === undefined ? `corr=${r.correlationId}` : '', r.causationId !== undefined ? `cause=${r.causationId}` : '']
      .filter(Boolean)
      .join('  ');
    const node = nodes.size > 1 ? paint(io, 'dim', ` @${r.node}`) : '';
    return `${offset}  ${r.to.padEnd(toWidth)}  ${paint(io, 'bold', r.type.padEnd(typeWidth))}  ${paint(io, 'dim', ids)}${node}`.trimEnd();
  });
  return [head, ...lines].join('\n') + '\n';
}
