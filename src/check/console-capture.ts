/**
 * Keeps what machines print during a check out of the report: a check runs a machine thousands
 * of times, and a `console.log` in an action would otherwise bury (or, for `--json`, corrupt) the
 * report on stdout. XState's `log()` actions are already silenced by the runner's logger.
 */

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

type Printer = (...args: unknown[]) => void;

// Reached through globalThis: this module replaces the console's methods, it never prints.
const target = globalThis.console as unknown as Record<(typeof METHODS)[number], Printer>;

/** What was printed while capturing. */
export interface CapturedOutput {
  /** Number of console calls. */
  readonly count: number;
  /** The first few, as text. */
  readonly first: readonly string[];
}

/** How many printed lines {@link captureConsole} keeps as examples. */
const KEPT = 3;

/**
 * Runs `fn` with the console's printing methods replaced by a recorder, restoring them after,
 * and returns `fn`'s result with what was printed.
 */
export async function captureConsole<T>(fn: () => Promise<T>): Promise<{ result: T; printed: CapturedOutput }> {
  const saved = METHODS.map((m) => [m, target[m]] as const);
  let count = 0;
  const first: string[] = [];
  const record = (...args: unknown[]): void => {
    count++;
    if (first.length < KEPT) first.push(args.map((a) => (typeof a === 'string' ? a : safeString(a))).join(' '));
  };
  for (const m of METHODS) target[m] = record;
  try {
    const result = await fn();
    return { result, printed: { count, first } };
  } finally {
    for (const [m, original] of saved) target[m] = original;
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
