/**
 * `npm start`: the main demo. Simulated agents (seeded latency and faults, no model calls) run a
 * content workflow under a supervision tree: a planner fans research out to four researchers
 * (one crashes and is restarted), a writer drafts, a reviewer approves, and a publisher runs a
 * saga whose first attempt fails and is compensated in reverse before a retry succeeds, all
 * drawing from one token budget. A live view shows the tree while it runs; then a summary, with
 * diagrams, journals and logs written to `--out` (default `out/demo`).
 *
 *   npm start
 *   npm start -- --seed 7
 *   npm start -- --broker amqp://guest:guest@127.0.0.1:5672 --nodes 3
 *   npm start -- --inspect        (the inspector's URL is printed; the page stays up until Ctrl-C)
 *
 * A bad `--broker` URL, or a broker that refuses or cannot be reached, prints one line and exits 2.
 * The demo itself lives in `examples/demo/`; `runDemo` runs it without this entry's printing.
 */
import { parseDemoArgs, HELP } from './demo/options.js';
import { runDemo } from './demo/run.js';

let parsed;
try {
  parsed = parseDemoArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const tty = process.stdout.isTTY === true;
try {
  const inspect = parsed.options.inspect && {
    ...parsed.options.inspect,
    hold: (url: string) =>
      new Promise<void>((resolve) => {
        process.stdout.write(`The workflow is done; the inspector stays up at ${url} — Ctrl-C to exit.\n`);
        // 'on', not 'once': under tsx a Ctrl-C may arrive twice (from the terminal and relayed).
        process.on('SIGINT', () => resolve());
        process.on('SIGTERM', () => resolve());
      }),
  };
  await runDemo({
    ...parsed.options,
    ...(inspect ? { inspect } : {}),
    view: tty && parsed.live ? 'live' : 'lines',
    stdout: process.stdout,
    color: tty && !process.env.NO_COLOR,
  });
  process.exit(0);
} catch (err) {
  const code = (err as { code?: unknown }).code;
  if (code === 'INVALID_SPEC' || code === 'TRANSPORT_ERROR') {
    // A bad --broker URL or a broker that cannot be used: the user's input, one line (URL redacted).
    process.stderr.write(`demo: cannot use the broker: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
