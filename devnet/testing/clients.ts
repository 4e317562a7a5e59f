import {
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
  parseEther,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import type { DevnetManifest } from '../manifest.ts';

/**
 * The devnet's RPC for a test's wallet: viem's http transport, but every gas estimate answered 20% +
 * 50,000 higher, as Sextant's own senders add headroom too (smart-accounts/self-sent.ts,
 * agent-core/orders/runner.ts).
 *
 * A wallet client sends with exactly the estimate, and an estimate is exact only for the block it ran
 * in. Anvil stamps every block mined within one wall-clock second with the same timestamp, so an
 * estimate can take a contract's cheaper same-second branch and the transaction, mined a second later,
 * the dearer one: Aave's supply skips its interest update when the reserve was updated at this
 * timestamp (an estimate of 183,116 then ran out of gas at 178,416 a second later, measured). A test's
 * own set-up transaction failed CI that way.
 */
export function devnetTransport(rpcUrl: string): Transport {
  const inner = http(rpcUrl);
  const padded = (gas: string) => {
    const estimate = BigInt(gas);
    return `0x${(estimate + estimate / 5n + 50_000n).toString(16)}`;
  };
  return (params) => {
    const transport = inner(params);
    const request = (async (args: { method: string }, options?: unknown) => {
      const answer: unknown = await transport.request(args as never, options as never);
      if (args.method === 'eth_estimateGas' && typeof answer === 'string') return padded(answer);
      // viem fills a wallet's transaction with eth_fillTransaction where the node has it (anvil does).
      if (args.method === 'eth_fillTransaction' && isFilled(answer)) {
        return { ...answer, tx: { ...answer.tx, gas: padded(answer.tx.gas) } };
      }
      return answer;
    }) as typeof transport.request;
    return { ...transport, request };
  };
}

function isFilled(answer: unknown): answer is { tx: { gas: string } } {
  const tx = (answer as { tx?: { gas?: unknown } } | null)?.tx;
  return typeof tx?.gas === 'string';
}

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
  return { account, walletClient: createWalletClient({ chain, account, transport: devnetTransport(manifest.rpcUrl) }) };
}
