import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { jsonRpc } from '../common/json-rpc.ts';

/**
 * A test run starts dozens of devnets (one per test worker, a second chain for each bridging file,
 * every `sextant devnet` and `sextant start` a test spawns), and each deployed the same 166
 * transactions, about 3 s of a 2-core machine each. With SEXTANT_DEVNET_STATE_CACHE set (the test
 * run sets it to a directory of its own scratch directory, removed when the run ends), the first
 * devnet of each chain saves anvil's state after its deployment, and later ones start anvil from it
 * (`anvil --load-state`, under 0.1 s). The deployment then still runs over the loaded state: it is
 * idempotent (a contract already at its address is reused, a set-up step already done is skipped),
 * so it sends nothing when the state is whole, and deploys whatever is missing when it is not.
 *
 * Not for `npm start`: a state saved days earlier would carry that day's block time into the
 * contracts that keep one (the emissions epochs, Aave's indexes). Unset, nothing is saved or read.
 */
export const DEVNET_STATE_CACHE_SETTING = 'SEXTANT_DEVNET_STATE_CACHE';

/** Where the deployed state of this chain is kept for this run, and whether it is there yet. */
export type DeployedStateFile = { path: string; saved: boolean };

export function deployedStateFile(chain: { slug: string; chainId: number }): DeployedStateFile | undefined {
  const dir = process.env[DEVNET_STATE_CACHE_SETTING];
  // Only inside a test run (vitest.scratch.ts sets both): a stray setting in someone's .env is ignored.
  if (!dir || !process.env.SEXTANT_TEST_RUN_DIR) return undefined;
  const path = join(dir, `${chain.slug}-${chain.chainId}-${deploymentFingerprint()}.json`);
  let saved = false;
  try {
    saved = statSync(path).size > 0;
  } catch {
    saved = false;
  }
  return { path, saved };
}

/**
 * Saves the state of the anvil at `rpcUrl` (just deployed) to `file.path`. anvil_dumpState answers
 * with the gzipped JSON that `anvil --load-state` reads unzipped. Written under a temporary name and
 * renamed, so a devnet starting at the same moment reads a whole file or none.
 */
export async function saveDeployedState(rpcUrl: string, file: DeployedStateFile): Promise<void> {
  const dumped = await jsonRpc<string>(rpcUrl, 'anvil_dumpState', [], 30_000);
  const json = gunzipSync(Buffer.from(dumped.replace(/^0x/, ''), 'hex'));
  mkdirSync(dirname(file.path), { recursive: true });
  const partial = `${file.path}.${process.pid}.partial`;
  writeFileSync(partial, json);
  renameSync(partial, file.path);
}

/**
 * What the deployed state depends on: the devnet's deployment code, the contracts Sextant compiles,
 * and the installed packages' versions (the protocols' bytecode comes from them). A state saved
 * before any of these changed is not used. Read at every start (a few milliseconds), not once per
 * process: in watch mode one process sees the files change.
 */
function deploymentFingerprint(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const hash = createHash('sha256');
  const files = [
    ...sourcesIn(join(root, 'devnet'), /\.(ts|mjs)$/),
    ...sourcesIn(join(root, 'common', 'contracts'), /\.(ts|sol|json)$/),
    join(root, 'package-lock.json'),
  ].filter((file) => !file.endsWith('.test.ts'));
  for (const file of files.sort()) hash.update(file.slice(root.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

function sourcesIn(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}
