import { type Address, erc20Abi, formatUnits, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { UNISWAP_ARTIFACTS } from './deploy-uniswap-v3.ts';
import { devnetClients, fundedAccount } from './testing/clients.ts';
import { testDevnet } from './testing/test-devnet.ts';

const manifest = testDevnet();
const { publicClient } = devnetClients(manifest);
const quoter = loadArtifact(UNISWAP_ARTIFACTS.quoterV2);
const router = loadArtifact(UNISWAP_ARTIFACTS.swapRouter02);
const token = (symbol: string) => {
  const found = manifest.tokens.find((t) => t.symbol === symbol);
  if (!found) throw new Error(`no ${symbol} on the devnet`);
  return found;
};

/** QuoterV2's exact-input quote for one pool, through eth_call (the quoter reverts internally by design). */
async function quote(tokenIn: Address, tokenOut: Address, amountIn: bigint, fee: number): Promise<bigint> {
  const { result } = await publicClient.simulateContract({
    address: manifest.contracts.uniswapV3.quoterV2,
    abi: quoter.abi,
    functionName: 'quoteExactInputSingle',
    args: [{ tokenIn, tokenOut, amountIn, fee, sqrtPriceLimitX96: 0n }],
  });
  return (result as readonly bigint[])[0] as bigint;
}

describe('Uniswap V3 on the devnet', () => {
  it('quotes 1 WETH at about 3,000 USDC in every seeded fee tier', async () => {
    for (const fee of [500, 3000, 10000]) {
      const out = Number(
        formatUnits(await quote(token('WETH').address, token('USDC').address, parseEther('1'), fee), 6),
      );
      expect(Math.abs(out - 3000) / 3000, `fee ${fee}: ${out} USDC`).toBeLessThan(0.02);
    }
  });

  it('prices 1 WBTC at about 20 WETH, and stables at par in the 0.01% tier', async () => {
    const weth = Number(formatUnits(await quote(token('WBTC').address, token('WETH').address, 10n ** 8n, 500), 18));
    expect(weth).toBeGreaterThan(19.6);
    expect(weth).toBeLessThan(20.4);
    const usdt = Number(
      formatUnits(await quote(token('USDC').address, token('USDT').address, 1000n * 10n ** 6n, 100), 6),
    );
    expect(usdt).toBeGreaterThan(998);
    expect(usdt).toBeLessThan(1001);
  });

  it('swaps ETH for USDC through SwapRouter02 for an ordinary account', async () => {
    const { account, walletClient } = await fundedAccount(manifest);
    const usdc = token('USDC').address;
    const hash = await walletClient.writeContract({
      account,
      chain: walletClient.chain,
      address: manifest.contracts.uniswapV3.swapRouter02,
      abi: router.abi,
      functionName: 'exactInputSingle',
      args: [
        {
          tokenIn: manifest.contracts.weth,
          tokenOut: usdc,
          fee: 500,
          recipient: account.address,
          amountIn: parseEther('0.1'),
          amountOutMinimum: 290n * 10n ** 6n,
          sqrtPriceLimitX96: 0n,
        },
      ],
      value: parseEther('0.1'),
    });
    const receipt = await minedReceipt(publicClient, hash);
    expect(receipt.status).toBe('success');
    const balance = await publicClient.readContract({
      address: usdc,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [account.address],
    });
    expect(Number(formatUnits(balance, 6))).toBeGreaterThan(290);
    expect(Number(formatUnits(balance, 6))).toBeLessThan(301);
  });
});
