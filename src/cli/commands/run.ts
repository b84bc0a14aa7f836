/**
 * `arbor run <module>`: starts the system a module's default export defines (a supervisor spec or
 * XState logic) as the root actor of one node, on the embedded transport or, with `--broker`, as a
 * node of a RabbitMQ cluster hosting the module's `kinds`. It runs until the root exits by itself
 * (its result printed; exit 0, or 1 when it failed) or a SIGINT/SIGTERM stops it gracefully (exit
 * 0; a second signal forces exit 130).
 */
import { inspect } from 'node:util';
import type { Logger } from 'pino';
import { fileJournal } from '../../journal/index.js';
import type { JournalSink } from '../../runtime/journal.js';
import type { ActorRef } from '../../runtime/ref.js';
import { isSupervisorLogic } from '../../supervision/supervisor.js';
import type { Server } from 'node:http';
import { createSystem, type System } from '../../create-system.js';
import { serveMetrics } from '../metrics-server.js';
import { integerFlag, onePositional, parse } from '../args.js';
import { BROKER_OPTIONS, brokerFlags, brokerTransport } from '../broker-flags.js';
import type { Command } from '../command.js';
import { asCliError, EXIT } from '../errors.js';
import type { Io } from '../io.js';
import { paint } from '../io.js';
import { cliLogger } from '../logger.js';
import { kindsOf, loadModule, startOf, systemOf, type RunnableLogic, type StartHook } from '../load-module.js';
import type { Transport } from '../../runtime/transport.js';

const HELP = `Usage: arbor run <module> [--broker URL --cluster NAME] [--node NAME] [--id ID] [--journal FILE] [--metrics-port N] [--wait MS] [--json]

Starts the system the module's default export defines (supervisor(...), plain supervisor options,
or any XState logic) as the root actor "root" of one node, and runs it until the root exits or the
process gets SIGINT/SIGTERM. The module may export "kinds": { [kind]: logic } this node hosts for
supervisors on other nodes, and "start": (system, root) => void | Promise<void>, called once the
root is up (to send first events, say); if it throws, the run fails. Logs go to stderr through pino: pretty on a terminal (NO_COLOR
respected), JSON lines otherwise; ARBOR_LOG_LEVEL sets the level.

Options:
  --broker URL     join a RabbitMQ cluster (amqp:// or amqps://) instead of the embedded transport
  --cluster NAME   the cluster to join (default: arbor); needs --broker
  --node NAME      this node's id (default: a generated one)
  --id ID          the root actor's id (default: root)
  --journal FILE   append every event the actors accept to FILE (see "arbor replay")
  --metrics-port N serve this node's Prometheus metrics at http://localhost:N/metrics (0: any free port)
  --wait MS        with --broker: listen this long for the other nodes before starting the root,
                   so children placed by kind find their hosts (default 1500: 1.5 heartbeats)
  --json           print the root's result as one JSON object
  -h, --help       show this help

When the root exits by itself its result is printed on stdout. A first SIGINT/SIGTERM shuts the
system down gracefully (children stop in reverse start order); a second one forces the exit.

Exit codes: 0 the root exited normally or the system was stopped by a signal, 1 the root failed,
2 usage or input error (bad flag, missing module, no default export, unreachable broker),
130 forced by a second signal.
`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the system a module defines, on this machine or as a node of a RabbitMQ cluster',
  help: HELP,
  run,
};

type Outcome = { kind: 'done'; result: unknown } | { kind: 'failed'; error: unknown } | { kind: 'signal'; signal: string };

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...BROKER_OPTIONS, node: { type: 'string' }, id: { type: 'string' }, journal: { type: 'string' }, wait: { type: 'string' }, 'metrics-port': { type: 'string' } });
  const path = onePositional(positionals, 'module');
  const broker = brokerFlags(values);
  const wait = integerFlag(values.wait, 'wait') ?? (broker ? 1500 : 0);
  const metricsPort = integerFlag(values['metrics-port'], 'metrics-port');
  const mod = await loadModule(path);
  const logic = systemOf(mod, path);
  const kinds = kindsOf(mod, path);
  const start = startOf(mod, path);
  const transport = broker ? brokerTransport(broker) : undefined;
  const logger = cliLogger();
  const journal = values.journal === undefined ? undefined : openJournal(values.journal, logger);
  // Listening before anything is logged: a signal sent as soon as "started" shows must find the handler.
  const signals = onSignals(logger, io);
  try {
    return await runSystem(io, { path, logic, kinds, start, transport, journal, logger, signals, node: values.node, id: values.id ?? 'root', json: values.json === true, wait, metricsPort });
  } finally {
    signals.dispose();
  }
}

interface RunPlan {
  path: string;
  logic: RunnableLogic;
  kinds: Record<string, RunnableLogic>;
  start: StartHook | undefined;
  transport: Transport | undefined;
  journal: JournalSink | undefined;
  logger: Logger;
  signals: { first: Promise<string> };
  node: string | undefined;
  id: string;
  json: boolean;
  /** Time to listen for heartbeats before spawning the root, so children placed by kind find their nodes. */
  wait: number;
  /** Serve `/metrics` on this port. */
  metricsPort: number | undefined;
}

async function runSystem(io: Io, plan: RunPlan): Promise<number> {
  const { path, logic, kinds, start, transport, journal, logger, signals } = plan;
  let system: System;
  try {
    system = await createSystem({ logger, kinds, metrics: plan.metricsPort !== undefined, ...(plan.node !== undefined ? { node: plan.node } : {}), ...(transport ? { transport } : {}), ...(journal ? { journal } : {}) });
  } catch (err) {
    await journal?.close?.();
    throw asCliError(err);
  }
  let metricsServer: Server | undefined;
  if (plan.metricsPort !== undefined) {
    try {
      const served = await serveMetrics(() => system.metrics(), plan.metricsPort, logger);
      metricsServer = served.server;
      logger.info({ url: `http://localhost:${served.port}/metrics` }, 'arbor run: serving metrics');
    } catch (err) {
      await system.shutdown();
      throw err;
    }
  }
  if (plan.wait > 0) {
    logger.info({ waitMs: plan.wait }, 'arbor run: joining the cluster');
    const joined = await Promise.race([sleep(plan.wait).then(() => true), signals.first.then(() => false)]);
    if (!joined) {
      await system.shutdown();
      return EXIT.OK;
    }
    logger.info({ nodes: system.nodes().map((n) => n.node) }, 'arbor run: live nodes');
  }
  let root: ActorRef;
  try {
    const options = { id: plan.id };
    root = isSupervisorLogic(logic) ? system.spawn(logic, options) : system.spawn(logic, options);
  } catch (err) {
    await system.shutdown();
    throw asCliError(err);
  }
  logger.info({ module: path, node: system.node, root: root.path, transport: transport ? 'rabbitmq' : 'in-memory', kinds: Object.keys(kinds) }, 'arbor run: started');

  // A node whose actors are all waiting has nothing on the event loop; it must stay up all the same.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const exited = root.result().then(
    (result): Outcome => ({ kind: 'done', result }),
    (error: unknown): Outcome => ({ kind: 'failed', error }),
  );
  const started = start ? Promise.resolve().then(() => start(system, root)).then(() => exited, (error: unknown): Outcome => ({ kind: 'failed', error: startFailed(error) })) : exited;
  const outcome = await Promise.race<Outcome>([started, signals.first.then((signal): Outcome => ({ kind: 'signal', signal }))]);
  if (outcome.kind === 'signal') logger.info({ signal: outcome.signal }, 'arbor run: shutting down (send the signal again to force)');
  await system.shutdown();
  metricsServer?.close();
  clearInterval(keepAlive);
  if (outcome.kind === 'signal') {
    logger.info('arbor run: stopped');
    return EXIT.OK;
  }
  report(io, root.path, outcome, plan.json);
  return outcome.kind === 'done' ? EXIT.OK : EXIT.FAILED;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function openJournal(file: string, logger: Logger): JournalSink {
  try {
    return fileJournal(file, { logger });
  } catch (err) {
    throw asCliError(err, '--journal');
  }
}

/** The first SIGINT/SIGTERM resolves `first`; the second forces the exit. */
function onSignals(logger: Logger, io: Io): { first: Promise<string>; dispose: () => void } {
  let count = 0;
  let resolve!: (signal: string) => void;
  const first = new Promise<string>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => {
    if (++count === 1) return resolve(signal);
    logger.warn({ signal }, 'arbor run: forced exit');
    logger.flush?.();
    io.err(`arbor: ${signal} again: forced exit\n`);
    process.exit(EXIT.FORCED);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    first,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

function report(io: Io, path: string, outcome: Exclude<Outcome, { kind: 'signal' }>, json: boolean): void {
  if (outcome.kind === 'done') {
    io.out(json ? JSON.stringify({ ok: true, root: path, result: outcome.result ?? null }) + '\n' : `${paint(io, 'green', '✓')} ${path} exited normally: ${inspect(outcome.result, { depth: 6, colors: io.color, breakLength: 100 })}\n`);
    return;
  }
  const error = errorData(outcome.error);
  if (json) io.out(JSON.stringify({ ok: false, root: path, error }) + '\n');
  else io.err(`arbor: ${path} failed: ${error.code ? `${error.code}: ` : ''}${error.message}${error.rootCause ? `; root cause: ${error.rootCause.code ? `${error.rootCause.code}: ` : ''}${error.rootCause.message}` : ''}\n`);
}

function startFailed(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(`the module's start(system, root) threw: ${message}`, { cause: err }), { code: 'START_FAILED' });
}

interface ErrorData {
  name: string;
  message: string;
  code?: string;
  /** The child the failure came through, down the escalation chain (`research/agent`). */
  child?: string;
  /** The innermost cause: the crash that started it all. */
  rootCause?: { name: string; message: string; code?: string };
}

function errorData(err: unknown): ErrorData {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const data: ErrorData = { name: err.name, message: err.message, ...codeOf(err) };
  // A supervisor that gave up names its child in `details.child`, and its `cause` is that child's
  // error: when that is another supervisor giving up, its own child and cause follow, and so on.
  const children: string[] = [];
  let cause: unknown = err;
  for (let depth = 0; cause instanceof Error && depth < 32; depth++) {
    const child = (cause as { details?: { child?: unknown } }).details?.child;
    if (typeof child === 'string') children.push(child);
    if (!(cause.cause instanceof Error)) break;
    cause = cause.cause;
  }
  if (children.length > 0) data.child = children.join('/');
  if (cause !== err && cause instanceof Error) data.rootCause = { name: cause.name, message: cause.message, ...codeOf(cause) };
  return data;
}

function codeOf(err: Error): { code?: string } {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}
