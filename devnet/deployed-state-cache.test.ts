import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonRpc } from '../common/json-rpc.ts';
import { findFreePort } from '../common/ports.ts';
import { devnetAccount } from './accounts.ts';
import { DEVNET_STATE_CACHE_SETTING, deployedStateFile } from './deployed-state-cache.ts';
import { type Devnet, startDevnet } from './devnet.ts';

// The run's own cache, put back after each case (the worker's next files use it).
const runsCache = process.env[DEVNET_STATE_CACHE_SETTING];
const running: Devnet[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((devnet) => devnet.stop()));
  if (runsCache === undefined) delete process.env[DEVNET_STATE_CACHE_SETTING];
  else process.env[DEVNET_STATE_CACHE_SETTING] = runsCache;
});

/**
 * A one-chain devnet on free ports, and the progress lines it printed. What is saved and loaded is
 * anvil's state, and nothing here sends an operation: the devnet is given a bundler URL instead of
 * starting an Alto and a paymaster of its own (about 1.7 s a start, four starts).
 */
async function devnet() {
  const lines: string[] = [];
  const started = await startDevnet({
    anvilPort: await findFreePort(),
    bundlerPort: await findFreePort(),
    paymasterPort: await findFreePort(),
    bundlerUrl: 'http://127.0.0.1:1/never-used-by-this-test',
    dataDir: mkdtempSync(join(tmpdir(), 'sextant-state-cache-')),
    progress: (line) => lines.push(line),
  });
  running.push(started);
  return { devnet: started, lines };
}

const code = (rpcUrl: string, address: string) => jsonRpc<string>(rpcUrl, 'eth_getCode', [address, 'latest']);

/** The transactions the devnet's admin (the deployer) sent in the blocks after `block`. */
async function adminTransactionsAfter(rpcUrl: string, block: number): Promise<string[]> {
  const admin = devnetAccount('admin').address.toLowerCase();
  const latest = Number(await jsonRpc<string>(rpcUrl, 'eth_blockNumber', []));
  const sent: string[] = [];
  for (let number = block + 1; number <= latest; number++) {
    const { transactions } = await jsonRpc<{ transactions: { from: string; hash: string }[] }>(
      rpcUrl,
      'eth_getBlockByNumber',
      [`0x${number.toString(16)}`, true],
    );
    for (const transaction of transactions) if (transaction.from.toLowerCase() === admin) sent.push(transaction.hash);
  }
  return sent;
}

describe('the deployed state a test run keeps (SEXTANT_DEVNET_STATE_CACHE)', () => {
  it('the first devnet deploys and saves; the next starts from it and sends nothing; a contract missing is deployed again; a state anvil cannot load is deployed afresh', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'sextant-state-cache-dir-'));
    process.env[DEVNET_STATE_CACHE_SETTING] = cache;

    const first = await devnet();
    expect(first.lines.join('\n')).not.toContain('from the state this test run deployed');
    const [saved] = readdirSync(cache);
    expect(saved).toMatch(/^devnet-31337-[0-9a-f]{16}\.json$/);
    const file = join(cache, saved as string);
    const state = JSON.parse(readFileSync(file, 'utf8')) as {
      block: { number: string };
      accounts: Record<string, unknown>;
    };
    const savedBlock = Number(state.block.number);
    expect(savedBlock).toBeGreaterThan(100);
    const guard = first.devnet.manifest.contracts.bundleGuard;
    const guardCode = await code(first.devnet.manifest.rpcUrl, guard);
    expect(guardCode.length).toBeGreaterThan(2);

    const second = await devnet();
    expect(second.lines.join('\n')).toContain('from the state this test run deployed');
    // The deployment ran over the loaded state and found everything: the admin sent nothing after it.
    expect(await adminTransactionsAfter(second.devnet.manifest.rpcUrl, savedBlock)).toEqual([]);
    expect(second.devnet.manifest.contracts).toEqual(first.devnet.manifest.contracts);
    expect(await code(second.devnet.manifest.rpcUrl, guard)).toBe(guardCode);

    // The same state without the bundle guard: the deployment over it puts the guard back.
    const key = Object.keys(state.accounts).find((address) => address.toLowerCase() === guard.toLowerCase());
    expect(key).toBeDefined();
    delete state.accounts[key as string];
    writeFileSync(file, JSON.stringify(state));
    const third = await devnet();
    expect(third.lines.join('\n')).toContain('from the state this test run deployed');
    expect(await code(third.devnet.manifest.rpcUrl, guard)).toBe(guardCode);
    expect((await adminTransactionsAfter(third.devnet.manifest.rpcUrl, savedBlock)).length).toBeGreaterThan(0);

    // A state file anvil cannot load: the devnet starts empty, deploys, and saves a whole state again.
    writeFileSync(file, '{"not": "a state"');
    const fourth = await devnet();
    expect(fourth.lines.join('\n')).toContain('the saved state did not load');
    expect(await code(fourth.devnet.manifest.rpcUrl, guard)).toBe(guardCode);
    expect(Number(JSON.parse(readFileSync(file, 'utf8')).block.number)).toBe(savedBlock);
  });

  it('outside a test run (as for `npm start`), there is no state file to save or read, even if it is set', () => {
    delete process.env[DEVNET_STATE_CACHE_SETTING];
    expect(deployedStateFile({ slug: 'devnet', chainId: 31337 })).toBeUndefined();
    const runDir = process.env.SEXTANT_TEST_RUN_DIR;
    process.env[DEVNET_STATE_CACHE_SETTING] = mkdtempSync(join(tmpdir(), 'sextant-state-cache-dir-'));
    delete process.env.SEXTANT_TEST_RUN_DIR;
    try {
      expect(deployedStateFile({ slug: 'devnet', chainId: 31337 })).toBeUndefined();
    } finally {
      process.env.SEXTANT_TEST_RUN_DIR = runDir;
    }
  });
});
