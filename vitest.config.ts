import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Broker tests share one RabbitMQ; keep files from stepping on each other's cluster names
    // by giving each test its own cluster, and run files in parallel otherwise.
    pool: 'forks',
  },
});
