/**
 * `arbor send <path> '<event json>'`: joins the cluster as a short-lived node that hosts nothing,
 * sends one event to the actor at `path` (on whichever node it lives) and leaves. Useful to
 * operators, and to people in the loop: a durable agent waiting for an approval resumes when
 * `arbor send` delivers it, however often its process was restarted meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { createSystem, type System } from '../../create-system.js';
import { assertEvent, type ArborEvent } from '../../runtime/event.js';
import { integerFlag, parse } from '../args.js';
import { BROKER_OPTIONS, brokerFlags, brokerTransport } from '../broker-flags.js';
import type { Command } from '../command.js';
import { asCliError, CliError, EXIT } from '../errors.js';
import type { Io } from '../io.js';
import { cliLogger } from '../logger.js';

const HELP = `Usage: arbor send <path> '<event json>' --broker URL [--cluster NAME] [--id ID] [--wait MS]

Sends one event to the actor at <path> (arbor://<node>/<id>/...), on whichever node of the
cluster it runs, through the cluster's RabbitMQ. It joins as a short-lived node that hosts
nothing and leaves once the broker has the message.

Options:
  --broker URL     the cluster's RabbitMQ (amqp:// or amqps://); required
  --cluster NAME   the cluster (default: arbor)
  --id ID          sets the event's messageId: a durable actor processes an id once, so
                   sending again with the same --id does nothing more
  --wait MS        how long to listen for the cluster's nodes before sending (default 1500)
  -h, --help       show this help

Exit codes: 0 sent, 2 usage error, bad JSON or unreachable broker.
`;

const SENDER_PREFIX = 'arbor-send-';

export const sendCommand: Command = {
  name: 'send',
  summary: 'send one event (JSON) to an actor of a cluster by its path',
  help: HELP,
  run,
};

function parseEvent(text: string, id: string | undefined): ArborEvent {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    throw new CliError('INVALID_INPUT', `the event is not JSON: ${(err as Error).message}`, { value: text });
  }
  try {
    assertEvent(event);
  } catch (err) {
    throw new CliError('INVALID_INPUT', `the event must be a JSON object with a string "type": ${(err as Error).message}`, { value: text });
  }
  return id === undefined ? event : { ...event, messageId: id };
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...BROKER_OPTIONS, id: { type: 'string' }, wait: { type: 'string' } });
  const [path, json, ...extra] = positionals;
  if (path === undefined || json === undefined || extra.length > 0) throw new CliError('USAGE', `arbor send takes a path and an event, got: ${positionals.join(' ') || 'nothing'}`);
  if (!path.startsWith('arbor://')) throw new CliError('USAGE', `the path must name its node: arbor://<node>/<id>/..., got ${path}`, { value: path });
  const event = parseEvent(json, values.id);
  const broker = brokerFlags(values);
  if (!broker) throw new CliError('USAGE', 'arbor send needs --broker URL: the actor runs in another process, reached through the cluster');
  const wait = integerFlag(values.wait, 'wait') ?? 1500;
  const transport = brokerTransport(broker, { connectTimeout: 3000, ephemeral: true });
  const logger = cliLogger({ level: process.env['ARBOR_LOG_LEVEL'] ?? 'warn' });
  let system: System;
  try {
    system = await createSystem({ node: `${SENDER_PREFIX}${randomUUID().slice(0, 8)}`, logger, transport });
  } catch (err) {
    throw asCliError(err);
  }
  try {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const ref = system.lookup(path);
    if (!ref) throw new CliError('USAGE', `no actor at ${path}`, { value: path });
    ref.send(event);
    await system.idle();
  } finally {
    await system.shutdown();
  }
  io.out(`sent ${event.type} to ${path}\n`);
  return EXIT.OK;
}
