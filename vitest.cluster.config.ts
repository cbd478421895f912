import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the scale-out topology as processes on this machine (test/cluster). Not part of `npm test`:
 * it builds on Temporal's server built from its Go module (scripts/setup-temporal-server.sh) and takes minutes.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.cluster.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
