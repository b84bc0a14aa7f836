/** The shape of a CLI command: adding one is a module exporting a {@link Command} plus a table entry in `main.ts`. */
import type { Io } from './io.js';

export interface Command {
  /** The subcommand word, e.g. `diagram`. */
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /** The full `--help` text; `main` prints it for `--help` / `-h`, so `run` never sees those. */
  readonly help: string;
  /** Runs with the arguments after the subcommand; resolves with the exit code. */
  run(argv: readonly string[], io: Io): Promise<number>;
}
