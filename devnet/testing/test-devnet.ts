import { inject } from 'vitest';
import type { DevnetManifest } from '../manifest.ts';

/** Which of the devnets (one per worker, devnet/testing/global-setup.ts) this test file runs on. */
function workerIndex(count: number): number {
  // VITEST_POOL_ID is the worker's slot, 1 to maxWorkers: the same slot never runs two files at once.
  const slot = Number(process.env.VITEST_POOL_ID ?? '1');
  return (Number.isInteger(slot) && slot > 0 ? slot - 1 : 0) % count;
}

/** The devnet this test file runs on, shared only with the files its worker runs before and after it. */
export function testDevnet(): DevnetManifest {
  const devnets = inject('devnets');
  const devnet = devnets[workerIndex(devnets.length)];
  if (!devnet) throw new Error('No devnet was started for the tests: run them through vitest (npm test).');
  return devnet;
}

/** The DATA_DIR of this file's devnet (where its manifest is written). */
export function testDevnetDataDir(): string {
  const dirs = inject('devnetDataDirs');
  const dir = dirs[workerIndex(dirs.length)];
  if (!dir) throw new Error('No devnet was started for the tests: run them through vitest (npm test).');
  return dir;
}
