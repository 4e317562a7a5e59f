import {
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
  parseEther,
  type TestClient,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import type { DevnetManifest } from '../manifest.ts';

/** viem clients for a test against the shared devnet. */
export function devnetClients(manifest: DevnetManifest): {
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient;
} {
  const chain = toViemChain(manifest.chainId, manifest.rpcUrl);
  const transport = http(manifest.rpcUrl);
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    testClient: createTestClient({ chain, transport, mode: 'anvil' }),
  };
}

/**
 * A fresh account with `eth` devnet ETH. Each test gets its own, so test files can run in parallel
 * against one chain without their nonces or balances colliding.
 */
export async function fundedAccount(
  manifest: DevnetManifest,
  eth = '100',
): Promise<{ account: PrivateKeyAccount; walletClient: WalletClient }> {
  const { chain, testClient } = devnetClients(manifest);
  const account = privateKeyToAccount(generatePrivateKey());
  await testClient.setBalance({ address: account.address, value: parseEther(eth) });
  return { account, walletClient: createWalletClient({ chain, account, transport: http(manifest.rpcUrl) }) };
}
