import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../common/ports.ts';
import { startDevnet } from '../devnet.ts';
import type { DevnetManifest } from '../manifest.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    devnet: DevnetManifest;
    devnetDataDir: string;
  }
}

/** Starts the one devnet the whole test run shares, on free ports so a developer's own devnet can keep running. */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-test-'));
  const started = performance.now();
  const devnet = await startDevnet({
    anvilPort: await findFreePort(),
    bundlerPort: await findFreePort(),
    paymasterPort: await findFreePort(),
    dataDir,
  });
  console.log(
    `devnet for the tests ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${devnet.manifest.rpcUrl}`,
  );
  project.provide('devnet', devnet.manifest);
  project.provide('devnetDataDir', dataDir);
  return async () => {
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
