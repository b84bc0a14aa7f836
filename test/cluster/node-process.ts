/**
 * One Arbor node in a process of its own, for the multi-process tests and the failover benchmark:
 *   node --import tsx test/cluster/node-process.ts <node> <cluster> [heartbeat ms]
 *
 * It hosts kind `rep` (a `reporterOn(<node>)`: reports each `work` id to the ledger in its input)
 * and kind `echo` (answers `ping` with `pong` and its node), connects to `AMQP_URL`, and prints
 * one line `ready <node>` on stdout once its transport runs. It exits when its stdin closes (the
 * parent went away, however it died), so no node outlives the test that started it; SIGTERM shuts
 * it down gracefully.
 */
import pino from 'pino';
import { sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem, rabbitmqTransport } from '../../src/index.js';
import { reporterOn } from '../support/acc.js';
import { runScript, serveUntilStopped } from '../support/node-script.js';

/** Answers `{ type: 'ping', replyTo }` with `{ type: 'pong', node }`. */
const echoOn = (node: string) =>
  setup({ types: { events: {} as { type: 'ping'; replyTo: AnyActorRef } } }).createMachine({
    on: { ping: { actions: sendTo(({ event }) => event.replyTo, { type: 'pong', node }) } },
  });

async function main(): Promise<void> {
  const [node, cluster, heartbeat = '250'] = process.argv.slice(2);
  if (!node || !cluster) throw new Error('usage: node-process.ts <node> <cluster> [heartbeat ms]');
  const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' }, pino.destination(2));
  const system = await createSystem({
    node,
    logger,
    kinds: { rep: reporterOn(node), echo: echoOn(node) },
    transport: rabbitmqTransport({ cluster, heartbeat: Number(heartbeat), sendTimeout: 10_000 }),
  });
  serveUntilStopped(system, node);
}

runScript('node-process', main);
