/**
 * An Arbor node in a process of its own for the chaos tests (started by `startNodeProcess` with
 * `script` set to this file): `node --import tsx test/chaos/chaos-node.ts <node> <cluster> [heartbeat ms]`.
 *
 * It hosts kind `slow`: a reporter (see `reporterOn`) that spends `ARBOR_CHAOS_WORK_MS` ms of CPU
 * (busy, as a slow agent step would) on each `work` message before reporting it to the ledger in
 * its input. With `ARBOR_CHAOS_SINK=1` it also spawns a root supervisor `sink` of its own with
 * one child `w` (a `reporterOn`, reporting to the ledger at `arbor://a/ledger`; `crash` crashes
 * it) restarted after an 8 s backoff. It prints `ready <node>` once running,
 * exits when its stdin closes, and shuts down gracefully on SIGTERM.
 */
import pino from 'pino';
import { sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem, rabbitmqTransport, supervisor } from '../../src/index.js';
import { reporterOn } from '../support/acc.js';
import { runScript, serveUntilStopped } from '../support/node-script.js';

const WORK_MS = Number(process.env.ARBOR_CHAOS_WORK_MS ?? '3');

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the event loop is blocked, as by a slow synchronous step
  }
}

/** Spends `WORK_MS` on each `work` id, then reports it (and this node) to its ledger. */
const slowOn = (node: string) =>
  setup({
    types: { context: {} as { ledger: AnyActorRef; node: string }, events: {} as { type: 'work'; id: number }, input: {} as { ledger: AnyActorRef } },
    actions: { spin: () => spin(WORK_MS) },
  }).createMachine({
    context: ({ input }) => ({ ledger: input.ledger, node }),
    on: { work: { actions: ['spin', sendTo(({ context }) => context.ledger, ({ context, event }) => ({ type: 'processed', id: event.id, node: context.node }))] } },
  });

async function main(): Promise<void> {
  const [node, cluster, heartbeat = '250'] = process.argv.slice(2);
  if (!node || !cluster) throw new Error('usage: chaos-node.ts <node> <cluster> [heartbeat ms]');
  const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' }, pino.destination(2));
  const system = await createSystem({
    node,
    logger,
    kinds: { slow: slowOn(node) },
    transport: rabbitmqTransport({ url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', cluster, heartbeat: Number(heartbeat), sendTimeout: 10_000 }),
  });
  if (process.env.ARBOR_CHAOS_SINK === '1') {
    // The ref of a path on `a` exists once `a` is known here.
    for (let i = 0; i < 200 && !system.nodes().some((n) => n.node === 'a'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const ledger = system.lookup('arbor://a/ledger');
    if (!ledger) throw new Error('no ref for arbor://a/ledger');
    // A supervisor whose child, once crashed, waits 8 s to restart: messages pile up in its mailbox.
    system.spawn(supervisor({ intensity: 5, period: 60_000, backoff: { min: 8000, max: 8000 }, children: [{ id: 'w', logic: reporterOn(node), input: { ledger } }] }), { id: 'sink' });
  }
  if (process.env.ARBOR_CHAOS_LAG === '1') {
    // Diagnostics: a line on stderr whenever a 100 ms timer fires over 100 ms late.
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      if (now - last > 200) process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), msg: 'event loop lag', lag: Math.round(now - last - 100) })}\n`);
      last = now;
    }, 100).unref();
  }
  serveUntilStopped(system, node);
}

runScript('chaos-node', main);
