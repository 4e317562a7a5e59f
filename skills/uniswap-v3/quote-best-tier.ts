import { type Address, BaseError, ContractFunctionRevertedError } from 'viem';
import type { SkillContext } from '../sdk/define-skill.ts';
import { quoterV2Abi } from './abi.ts';
import type { FeeTier } from './fee-tiers.ts';
import { existingPools, type Pool } from './pools.ts';

/** `exactIn`: `amount` is what goes in, the quote what comes out; `exactOut` the other way round. */
export type SwapKind = 'exactIn' | 'exactOut';

export type TierQuote = { fee: FeeTier; pool: Address; quoted: bigint };

export type BestTier = {
  /** Every pool the pair has (none: there is nothing to trade in). */
  pools: Pool[];
  /** The pools that gave a quote. */
  quotes: TierQuote[];
  /** Most out for exact-in, least in for exact-out; undefined when no pool could quote. */
  best: TierQuote | undefined;
};

/**
 * Quotes a single-pool swap in every fee tier the pair has, through QuoterV2, and picks the best.
 * A tier whose quote reverts (too little liquidity for an exact output, say) or comes back empty is
 * left out rather than failing the whole quote; any other error (the node, the network) is thrown.
 */
export async function quoteBestTier(
  ctx: SkillContext,
  request: { kind: SwapKind; tokenIn: Address; tokenOut: Address; amount: bigint },
): Promise<BestTier> {
  const pools = await existingPools(ctx, request.tokenIn, request.tokenOut);
  const results = await Promise.all(
    pools.map(async (pool) => {
      const quoted = await quoteTier(ctx, request, pool.fee);
      return quoted === undefined || quoted === 0n ? undefined : { fee: pool.fee, pool: pool.address, quoted };
    }),
  );
  const quotes = results.filter((quote): quote is TierQuote => quote !== undefined);
  const better = (a: TierQuote, b: TierQuote) =>
    request.kind === 'exactIn' ? (b.quoted > a.quoted ? b : a) : b.quoted < a.quoted ? b : a;
  const best = quotes.length === 0 ? undefined : quotes.reduce(better);
  return { pools, quotes, best };
}

async function quoteTier(
  ctx: SkillContext,
  request: { kind: SwapKind; tokenIn: Address; tokenOut: Address; amount: bigint },
  fee: FeeTier,
): Promise<bigint | undefined> {
  const quoter = ctx.contract('uniswapV3.quoterV2');
  const { tokenIn, tokenOut, amount } = request;
  try {
    if (request.kind === 'exactIn') {
      const { result } = await ctx.client.simulateContract({
        address: quoter,
        abi: quoterV2Abi,
        functionName: 'quoteExactInputSingle',
        args: [{ tokenIn, tokenOut, amountIn: amount, fee, sqrtPriceLimitX96: 0n }],
      });
      return result[0];
    }
    const { result } = await ctx.client.simulateContract({
      address: quoter,
      abi: quoterV2Abi,
      functionName: 'quoteExactOutputSingle',
      args: [{ tokenIn, tokenOut, amount, fee, sqrtPriceLimitX96: 0n }],
    });
    return result[0];
  } catch (error) {
    if (error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError)) {
      return undefined;
    }
    throw error;
  }
}
