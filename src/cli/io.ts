/** Output streams and colour, injectable so commands can be tested without a process. */

/** Where a command writes, and whether it may colour its text. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Colour stdout only on a terminal and never when `NO_COLOR` is set (https://no-color.org). */
  readonly color: boolean;
}

/** The process's own streams. */
export function processIo(): Io {
  const noColor = (process.env['NO_COLOR'] ?? '') !== '';
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color: !noColor && process.stdout.isTTY === true,
  };
}

const CODES = { red: 31, green: 32, dim: 2, bold: 1 } as const;

/** `text` in an ANSI style when `io.color` allows it. */
export function paint(io: Io, style: keyof typeof CODES, text: string): string {
  return io.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}
