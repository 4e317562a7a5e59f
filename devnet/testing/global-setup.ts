import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../common/ports.ts';
import { startDevnet } from '../devnet.ts';
import type { DevnetManifest } from '../manifest.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One devnet per test worker (devnet/testing/test-devnet.ts picks this worker's). */
    devnets: DevnetManifest[];
    devnetDataDirs: string[];
  }
}

/**
 * Starts one devnet per test worker, on free ports (a developer's own devnet can keep running): the
 * files that run side by side never share a chain, so one file's clock jumps, large swaps or epochs
 * cannot break another's assumptions. Files run by the same worker share its devnet, one at a time.
 */
export default async function setup(project: TestProject) {
  const workers = Math.max(1, Number(project.config.maxWorkers || project.vitest.config.maxWorkers || 1));
  const started = performance.now();
  const devnets = await Promise.all(
    Array.from({ length: workers }, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sextant-test-'));
      const devnet = await startDevnet({
        anvilPort: await findFreePort(),
        bundlerPort: await findFreePort(),
        paymasterPort: await findFreePort(),
        dataDir,
      });
      return { devnet, dataDir };
    }),
  );
  console.log(
    `${workers} devnet(s) for the tests ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${devnets.map((d) => d.devnet.manifest.rpcUrl).join(', ')}`,
  );
  project.provide(
    'devnets',
    devnets.map((d) => d.devnet.manifest),
  );
  project.provide(
    'devnetDataDirs',
    devnets.map((d) => d.dataDir),
  );
  return async () => {
    await Promise.all(devnets.map((d) => d.devnet.stop()));
    for (const { dataDir } of devnets) rmSync(dataDir, { recursive: true, force: true });
  };
}
