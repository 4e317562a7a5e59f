import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'scratch/**', '.sextant/**'],
    // One devnet (anvil + protocols + Alto) per test run, shared by every file through `inject('devnet')`.
    globalSetup: ['devnet/testing/global-setup.ts'],
    reporters: ['default', './vitest.summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
