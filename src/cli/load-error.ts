/**
 * Why a user's module did not load, said so a user can act on it: a syntax error as
 * `file:line:column: message` with the line and a caret (esbuild's TransformError and Node's
 * SyntaxError both carry these, in different places), an error thrown while the module ran with
 * the frame in the user's code that threw. The whole stack stays in `details.stack` for `--verbose`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CliError } from './errors.js';

const ESBUILD_LOCATION = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m;

/** The CLI error for a module at `path` whose import threw `err`. */
export function loadError(path: string, err: unknown): CliError {
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const message = err instanceof Error ? err.message : String(err);
  const details = { path, stack };
  const located = ESBUILD_LOCATION.exec(message);
  if (located) {
    const [, file = path, line = '0', column = '0', text = ''] = located;
    return new CliError('MODULE_LOAD_FAILED', `cannot load ${path}: syntax error at ${shown(file)}:${line}:${column}: ${text}${excerpt(file, Number(line), Number(column))}`, { ...details, line: Number(line), column: Number(column) }, { cause: err });
  }
  if (err instanceof SyntaxError) {
    // Node puts `file:///...:line` and the offending line above the message in the stack.
    const where = /^(file:\/\/\S+?|\/\S+?):(\d+)\n/.exec(stack);
    const at = where ? ` at ${shown(where[1]!.replace(/^file:\/\//, ''))}:${where[2]}` : '';
    return new CliError('MODULE_LOAD_FAILED', `cannot load ${path}: syntax error${at}: ${message}`, details, { cause: err });
  }
  const frame = userFrame(stack);
  return new CliError('MODULE_LOAD_FAILED', `cannot load ${path}: ${message.split('\n')[0]}${frame ? `\n    ${frame}` : ''}\n(--verbose shows the whole stack)`, details, { cause: err });
}

/** The first stack frame outside node's internals and node_modules: where the user's code threw. */
function userFrame(stack: string): string | undefined {
  return stack
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('at ') && !l.includes('node:internal') && !l.includes('/node_modules/'));
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** The source line and a caret under the column, or nothing when the file cannot be read. */
function excerpt(file: string, line: number, column: number): string {
  try {
    const text = readFileSync(file, 'utf8').split('\n')[line - 1];
    return text === undefined ? '' : `\n    ${text}\n    ${' '.repeat(column)}^`;
  } catch {
    return '';
  }
}
