import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One scratch directory per test run, removed when the run ends. Tests make their data directories
 * with `mkdtempSync(join(tmpdir(), ...))`; pointing TMPDIR here (the workers and every process a test
 * spawns inherit it) means a run leaves nothing behind, where it used to leave a few hundred
 * directories in the system's temporary directory each time. Skill registries that must sit under
 * the repository (skills/testing/registry.ts) get their own directory under test-artifacts/ the same way.
 */
export function scratchForThisRun(root: string): void {
  if (process.env.SEXTANT_TEST_RUN_DIR) return; // a nested vitest (or a second config load) shares the outer run's
  const systemTmp = mkdtempSync(join(tmpdir(), 'sextant-tests-'));
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  const repoScratch = mkdtempSync(join(root, 'test-artifacts', 'run-'));
  process.env.TMPDIR = systemTmp;
  process.env.SEXTANT_TEST_RUN_DIR = repoScratch;
  // The devnets this run starts deploy once per chain and start from that state afterwards
  // (devnet/deployed-state-cache.ts); the states go with the run's scratch directory.
  process.env.SEXTANT_DEVNET_STATE_CACHE = join(systemTmp, 'devnet-state');
  process.on('exit', () => {
    if (process.env.SEXTANT_KEEP_TEST_DATA) {
      console.log(`test data kept in ${systemTmp} and ${repoScratch}`);
      return;
    }
    rmSync(systemTmp, { recursive: true, force: true });
    rmSync(repoScratch, { recursive: true, force: true });
  });
}
