import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'catalog/**/*.test.ts',
      'worker/**/*.test.ts',
      'server/**/*.test.ts',
      'store/**/*.test.ts',
      'test/**/*.test.ts',
      'clients/js/test/**/*.test.ts',
      'editor/src/**/*.test.{ts,tsx}',
    ],
    // One real Temporal dev server and one workflow bundle for the whole run.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
