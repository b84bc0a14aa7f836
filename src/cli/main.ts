/**
 * The `arbor` CLI: subcommand dispatch, top-level help, and the one place errors become exit
 * codes. User errors ({@link CliError}) print one line and exit 2; anything else is a bug: exit 70.
 */
import type { Command } from './command.js';
import { checkCommand } from './commands/check.js';
import { diagramCommand } from './commands/diagram.js';
import { dlqCommand } from './commands/dlq.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
import { sendCommand } from './commands/send.js';
import { stateCommand } from './commands/state.js';
import { statusCommand } from './commands/status.js';
import { inspectCommand } from './commands/inspect.js';
import { CliError, EXIT } from './errors.js';
import { processIo } from './io.js';
import type { Io } from './io.js';

/** Every command, in help order. Add a command here. */
const COMMANDS: readonly Command[] = [runCommand, statusCommand, replayCommand, diagramCommand, checkCommand, stateCommand, inspectCommand, dlqCommand, sendCommand];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: arbor <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "arbor <command> --help" for a command\'s options.',
    'Exit codes: 0 ok, 1 failure (a check failed, the root actor failed, ...), 2 usage or input error, 70 internal error.',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? io.err : io.out)(target ? target.help : topHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return fail(io, new CliError('USAGE', `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`));
  // Handled here so every command has it, and before flag parsing so `--help` works even
  // alongside flags that would be rejected.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return EXIT.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return fail(io, err, { json: rest.includes('--json'), verbose: rest.includes('--verbose') });
  }
}

function fail(io: Io, err: unknown, flags: { json: boolean; verbose: boolean } = { json: false, verbose: false }): number {
  if (err instanceof CliError) {
    // With --json, stdout holds one JSON object whatever happens, so scripts can parse it.
    if (flags.json) io.out(JSON.stringify({ ok: false, error: { code: err.code, message: err.message, ...(err.details.code !== undefined ? { cause: err.details.code } : {}) } }) + '\n');
    else io.err(`arbor: ${err.message}\n`);
    const stack = err.details.stack;
    if (flags.verbose && typeof stack === 'string') io.err(`${stack}\n`);
    return EXIT.USAGE;
  }
  io.err(`arbor: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.INTERNAL;
}
