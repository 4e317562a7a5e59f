import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Skill packages import the SDK by name, as a third party would; the runtime maps it the same way
  // (skills/registry/module-hooks.mjs).
  resolve: { alias: { 'sextant/skills/sdk': fileURLToPath(new URL('./skills/sdk/index.ts', import.meta.url)) } },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'scratch/**', '.sextant/**', 'test-artifacts/**'],
    // One devnet (anvil + protocols + Alto) per test run, shared by every file through `inject('devnet')`.
    globalSetup: ['devnet/testing/global-setup.ts'],
    // The hostile suite's verdict line, then the plain count CI reads last.
    reporters: ['default', './agent-core/hostile/reporter.ts', './vitest.summary-reporter.ts'],
    // Most of a test's time is spent waiting on anvil and Alto, not on the CPU: three files at a time
    // on two cores take about 5 minutes where vitest's default (cores − 1 = one file at a time) takes
    // about 7½.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
