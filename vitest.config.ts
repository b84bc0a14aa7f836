import { configDefaults, defineConfig } from 'vitest/config';
import { DISRUPTIVE_TESTS } from './vitest.disruptive.config.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Restarting the broker would break every broker test running beside them: these run after
    // this run, alone (`vitest run --config vitest.disruptive.config.ts`, part of `npm test`).
    exclude: [...configDefaults.exclude, ...DISRUPTIVE_TESTS],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Broker tests share one RabbitMQ; keep files from stepping on each other's cluster names
    // by giving each test its own cluster, and run files in parallel otherwise.
    pool: 'forks',
  },
});
