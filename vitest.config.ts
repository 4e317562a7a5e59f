import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { splitTestFiles } from './vitest.chain-files.ts';
import { scratchForThisRun } from './vitest.scratch.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
// Which files need a chain is read from their imports (vitest.chain-files.ts).
const { chain, unit } = splitTestFiles(root);
// Every temporary directory a test makes goes to one per-run directory, removed at the end.
scratchForThisRun(root);

export default defineConfig({
  // Skill packages import the SDK by name, as a third party would; the runtime maps it the same way
  // (skills/registry/module-hooks.mjs).
  resolve: { alias: { 'sextant/skills/sdk': fileURLToPath(new URL('./skills/sdk/index.ts', import.meta.url)) } },
  test: {
    exclude: ['node_modules/**', 'scratch/**', '.sextant/**', 'test-artifacts/**'],
    // The hostile suite's verdict line, then the plain count CI reads last.
    reporters: ['default', './agent-core/hostile/reporter.ts', './vitest.summary-reporter.ts'],
    // Two files at a time, each worker on its own devnet (devnet/testing/global-setup.ts), so files
    // that move a chain's clock or prices (emissions epochs, large swaps) never run beside each other
    // on one chain. SEXTANT_TEST_WORKERS overrides it (1 runs everything one file at a time).
    maxWorkers: Number(process.env.SEXTANT_TEST_WORKERS ?? 2),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `npm run test:unit` runs the files that need no chain, with no devnet started; `npm test` runs
    // both projects.
    projects: [
      // Files that need no chain share their worker's module graph (no isolation): loading viem,
      // zod and the parser once per worker instead of once per file halves `npm run test:unit`.
      { extends: true, test: { name: 'unit', include: unit, isolate: false } },
      {
        extends: true,
        // One devnet (anvil + protocols + Alto) per worker; a file finds its own with `testDevnet()`.
        // Not isolated either: each chain file otherwise loads viem, the agent and the skills afresh
        // (about 1.6 s a file, 50 s of a full run on this machine).
        test: { name: 'chain', include: chain, globalSetup: ['devnet/testing/global-setup.ts'], isolate: false },
      },
    ],
  },
});
