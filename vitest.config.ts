import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { splitTestFiles } from './vitest.chain-files.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
// Which files need a chain is read from their imports (vitest.chain-files.ts).
const { chain, unit } = splitTestFiles(root);

export default defineConfig({
  // Skill packages import the SDK by name, as a third party would; the runtime maps it the same way
  // (skills/registry/module-hooks.mjs).
  resolve: { alias: { 'sextant/skills/sdk': fileURLToPath(new URL('./skills/sdk/index.ts', import.meta.url)) } },
  test: {
    exclude: ['node_modules/**', 'scratch/**', '.sextant/**', 'test-artifacts/**'],
    // The hostile suite's verdict line, then the plain count CI reads last.
    reporters: ['default', './agent-core/hostile/reporter.ts', './vitest.summary-reporter.ts'],
    // One file at a time (vitest's default on two cores). Three at a time took 5 minutes instead of
    // 7½, but files that move the shared devnet's clock or prices (emissions epochs, large swaps)
    // then broke others' assumptions; they must first be made independent of each other.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `npm run test:unit` runs the files that need no chain, with no devnet started; `npm test` runs
    // both projects.
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        // One devnet (anvil + protocols + Alto) per test run, shared by every file through `inject('devnet')`.
        test: { name: 'chain', include: chain, globalSetup: ['devnet/testing/global-setup.ts'] },
      },
    ],
  },
});
