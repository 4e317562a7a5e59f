import { type Address, createWalletClient, encodeFunctionData, erc20Abi, type Hex, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { minedReceipt } from '../../../common/mined-receipt.ts';
import { fundFromFaucet } from '../../../devnet/faucet.ts';
import type { DevnetManifest } from '../../../devnet/manifest.ts';
import { devnetClients, devnetTransport } from '../../../devnet/testing/clients.ts';
import { quoterV2Abi, swapRouter02Abi } from '../../../skills/uniswap-v3/abi.ts';

/**
 * Someone else trades in the devnet's deepest WETH/USDC pool (0.05%): buys WETH with `usdc` whole
 * USDC (funded from the faucet, 10,000 a call), raising WETH's price there (20,000 USDC: about 0.3%).
 */
export async function buyWethInPool(manifest: DevnetManifest, usdc: number): Promise<void> {
  const { publicClient, chain } = devnetClients(manifest);
  const token = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
  const whale = privateKeyToAccount(generatePrivateKey());
  for (let given = 0; given < usdc; given += 10_000) {
    await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, whale.address);
  }
  const wallet = createWalletClient({ account: whale, chain, transport: devnetTransport(manifest.rpcUrl) });
  const router = manifest.contracts.uniswapV3.swapRouter02;
  const amount = parseUnits(String(usdc), 6);
  const send = async (to: Address, data: Hex) => {
    const receipt = await minedReceipt(publicClient, await wallet.sendTransaction({ to, data }));
    if (receipt.status !== 'success') throw new Error('The trade that moves the pool reverted.');
  };
  await send(token.address, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, amount] }));
  await send(
    router,
    encodeFunctionData({
      abi: swapRouter02Abi,
      functionName: 'exactInputSingle',
      args: [
        {
          tokenIn: token.address,
          tokenOut: manifest.contracts.weth,
          fee: 500,
          recipient: whale.address,
          amountIn: amount,
          amountOutMinimum: 0n,
          sqrtPriceLimitX96: 0n,
        },
      ],
    }),
  );
}

/**
 * Buys WETH in the pool (20,000 USDC a trade, at most ten) until `amountIn` of `tokenIn` gets less
 * than `floor` of `tokenOut` there, as QuoterV2 quotes it: a case whose premise is a pool worse than a
 * floor checks it, whatever earlier files on the same devnet left the pool at.
 */
export async function buyWethUntilPoolGivesLess(
  manifest: DevnetManifest,
  swap: { tokenIn: Address; tokenOut: Address; amountIn: bigint; fee: number },
  floor: bigint,
): Promise<void> {
  const { publicClient } = devnetClients(manifest);
  const quote = async () =>
    (
      await publicClient.simulateContract({
        address: manifest.contracts.uniswapV3.quoterV2,
        abi: quoterV2Abi,
        functionName: 'quoteExactInputSingle',
        args: [{ ...swap, sqrtPriceLimitX96: 0n }],
      })
    ).result[0];
  for (let moves = 0; (await quote()) >= floor; moves++) {
    if (moves >= 10) throw new Error('The pool still gives the floor after ten trades against it.');
    await buyWethInPool(manifest, 20_000);
  }
}
