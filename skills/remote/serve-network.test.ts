import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../common/command.ts';
import { jsonRpc } from '../../common/json-rpc.ts';
import { findFreePort } from '../../common/ports.ts';
import { devnetAccount } from '../../devnet/accounts.ts';
import { type Anvil, startAnvil } from '../../devnet/anvil.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { servingNetwork } from './serve-network.ts';

const manifest = testDevnet();
let bare: Anvil | undefined;
afterAll(async () => {
  await bare?.process.stop();
});

/** What `sextant endpoint serve` hands servingNetwork: the devnet, RPC_URL, and a DATA_DIR with no manifest. */
function contextFor(rpcUrl: string) {
  const settings = { chain: 'devnet', dataDir: mkdtempSync(join(tmpdir(), 'sextant-serve-')), rpcUrl };
  return {
    settings,
    network: () => {
      throw new Error('servingNetwork reads the chain itself when DATA_DIR has no manifest');
    },
    stderr: () => {},
  } as unknown as Pick<CommandContext, 'settings' | 'network' | 'stderr'>;
}

describe('the network `sextant endpoint serve` finds at RPC_URL', () => {
  it('a running devnet: its contracts, read from the chain', async () => {
    const network = await servingNetwork(contextFor(manifest.rpcUrl));
    expect(network.chain.chainId).toBe(manifest.chainId);
    expect(network.chain.contracts).toMatchObject({ entryPointV07: manifest.contracts.entryPointV07 });
  });

  it('a bare anvil: refused as no Sextant devnet, and nothing is sent or set on it', async () => {
    bare = await startAnvil({ host: '127.0.0.1', port: await findFreePort() });
    const admin = devnetAccount('admin').address;
    await expect(servingNetwork(contextFor(bare.rpcUrl))).rejects.toThrow(/is not a running Sextant devnet/);
    expect(Number(await jsonRpc<string>(bare.rpcUrl, 'eth_getTransactionCount', [admin, 'latest']))).toBe(0);
    expect(Number(await jsonRpc<string>(bare.rpcUrl, 'eth_blockNumber', []))).toBe(0);
  });
});
