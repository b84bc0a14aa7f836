import { defineConfig } from 'vitest/config';

/**
 * Tests that disturb the one RabbitMQ every broker test shares (they restart it with
 * `rabbitmqctl stop_app` / `start_app`), or start brokers of their own (the three-node cluster of
 * `test/scaleout`, which needs the machine's memory and cores to itself), or run node processes whose
 * timing a loaded machine would upset (the chaos scenarios below). The main run (`vitest.config.ts`) leaves them out; this
 * config runs them alone, one file at a time, after it: `npm test` does both. Without a broker
 * they skip with a notice, as every broker test does (or fail with ARBOR_REQUIRE_BROKER=1).
 */
export const DISRUPTIVE_TESTS = [
  'test/broker/broker-restart.test.ts',
  'test/cluster/broker-restart-ledger.test.ts',
  'test/scaleout/broker-cluster.test.ts',
  // Chaos scenarios with real node processes, real SIGKILL/SIGTERM and CPU-bound actors: they do
  // not disturb the broker, but their failure detection needs the machine's cores to themselves.
  'test/chaos/kill-queued.test.ts',
  'test/chaos/term-host.test.ts',
  'test/chaos/slow-actor.test.ts',
  // Junk published straight into a node's queue: 10,000 frames at a time load the broker.
  'test/chaos/junk.test.ts',
];

export default defineConfig({
  test: {
    include: DISRUPTIVE_TESTS,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
