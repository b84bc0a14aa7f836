/**
 * The logger of long-running commands (`run`, `status`): pino on stderr, pretty-printed when
 * stderr is a terminal (colours unless `NO_COLOR`), JSON lines otherwise so that logs can be
 * piped and parsed. Level: `ARBOR_LOG_LEVEL`, else `info`. Writes are synchronous, so nothing is
 * lost when the process exits right after a line.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** How the CLI logger should look. */
export interface CliLoggerOptions {
  /** Pretty-print (for a terminal). @default stderr is a TTY */
  pretty?: boolean;
  /** Colour the pretty output. @default NO_COLOR unset */
  color?: boolean;
  /** @default process.env.ARBOR_LOG_LEVEL ?? 'info' */
  level?: string;
}

export function cliLogger(options: CliLoggerOptions = {}): Logger {
  const level = options.level ?? process.env['ARBOR_LOG_LEVEL'] ?? 'info';
  const isPretty = options.pretty ?? process.stderr.isTTY === true;
  if (!isPretty) return pino({ name: 'arbor', level }, pino.destination({ fd: 2, sync: true }));
  const color = options.color ?? (process.env['NO_COLOR'] ?? '') === '';
  return pino({ name: 'arbor', level }, pretty({ destination: 2, sync: true, colorize: color, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true }));
}
