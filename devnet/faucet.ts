import { type Address, createWalletClient, http, type PublicClient, parseEther, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { findKnownNetwork } from '../common/chains/registry.ts';
import type { Token } from '../common/chains/types.ts';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { MINTABLE_ERC20_ARTIFACT, WETH9_ARTIFACT } from './deploy-tokens.ts';
import { DevnetError } from './errors.ts';

/** What one `sextant faucet` gives, in human units. */
export const FAUCET_AMOUNTS: Readonly<Record<string, string>> = {
  ETH: '10',
  WETH: '5',
  USDC: '10000',
  USDT: '10000',
  DAI: '10000',
  WBTC: '0.5',
};

/**
 * Funds `recipient` on the devnet: ETH credited by anvil, test tokens minted, WETH wrapped and sent.
 * A fresh throwaway account sends the transactions, so concurrent faucet calls never share a nonce.
 */
export async function fundFromFaucet(
  publicClient: PublicClient,
  rpcUrl: string,
  tokens: readonly Token[],
  recipient: Address,
): Promise<{ symbol: string; amount: string }[]> {
  const chainId = await publicClient.getChainId();
  // The devnet's chains (31337, and the second one's own id) are anvils with test tokens: a chain
  // with a real network's id (a fork of it, say) or that is no anvil is refused.
  const anvil = await publicClient
    .request({ method: 'anvil_nodeInfo' } as never)
    .then(() => true)
    .catch(() => false);
  if (findKnownNetwork(chainId) || !anvil) {
    throw new DevnetError(`The faucet runs on the devnet only (this chain is ${chainId}).`, {
      hint: 'On a real network, send funds to the account from a wallet.',
    });
  }
  const sender = privateKeyToAccount(generatePrivateKey());
  const wallet = createWalletClient({
    account: sender,
    chain: toViemChain(chainId, rpcUrl),
    // viem's default (10 s, 3 retries, timeouts retried) lets one stalled call take ~41 s.
    transport: http(rpcUrl, { retryCount: 1, timeout: 10_000 }),
  });
  const request = publicClient.request as (args: { method: string; params: unknown[] }) => Promise<unknown>;
  const setBalance = async (address: Address, value: bigint) =>
    request({ method: 'anvil_setBalance', params: [address, `0x${value.toString(16)}`] });
  const given: { symbol: string; amount: string }[] = [];

  const eth = parseEther(FAUCET_AMOUNTS.ETH ?? '0');
  await setBalance(recipient, (await publicClient.getBalance({ address: recipient })) + eth);
  given.push({ symbol: 'ETH', amount: FAUCET_AMOUNTS.ETH ?? '0' });
  await setBalance(sender.address, parseEther('1000'));

  // The sender is a fresh key, so its nonces start at 0: every transaction is signed and sent at once,
  // with its nonce, gas and fees given (no estimate, no nonce lookup each), and the receipts are read
  // together after. Anvil mines them in nonce order, so the WETH deposit lands before its transfer.
  const fees = await publicClient.estimateFeesPerGas();
  let nonce = 0;
  const sendOptions = () => ({
    nonce: nonce++,
    gas: 200_000n,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  const sent: { symbol: string; amount: string; hashes: `0x${string}`[] }[] = [];
  for (const token of tokens) {
    const amountText = FAUCET_AMOUNTS[token.symbol];
    if (!amountText) continue;
    const amount = parseUnits(amountText, token.decimals);
    const hashes =
      token.symbol === 'WETH'
        ? [
            await wallet.writeContract({
              address: token.address,
              abi: loadArtifact(WETH9_ARTIFACT).abi,
              functionName: 'deposit',
              value: amount,
              ...sendOptions(),
            }),
            await wallet.writeContract({
              address: token.address,
              abi: loadArtifact(WETH9_ARTIFACT).abi,
              functionName: 'transfer',
              args: [recipient, amount],
              ...sendOptions(),
            }),
          ]
        : [
            await wallet.writeContract({
              address: token.address,
              abi: loadArtifact(MINTABLE_ERC20_ARTIFACT).abi,
              functionName: 'mint',
              args: [recipient, amount],
              ...sendOptions(),
            }),
          ];
    sent.push({ symbol: token.symbol, amount: amountText, hashes });
  }
  const receipts = await Promise.all(
    sent.map(({ hashes }) => Promise.all(hashes.map((hash) => minedReceipt(publicClient, hash)))),
  );
  for (const [index, { symbol, amount }] of sent.entries()) {
    if (receipts[index]?.some((receipt) => receipt.status !== 'success')) {
      throw new DevnetError(`The faucet could not give ${symbol}.`);
    }
    given.push({ symbol, amount });
  }
  return given;
}
