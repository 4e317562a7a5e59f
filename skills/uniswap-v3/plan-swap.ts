import { type Address, isAddressEqual } from 'viem';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import type { SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import type { FeeTier } from './fee-tiers.ts';
import { type PoolToken, poolToken } from './pool-token.ts';
import { quoteBestTier, type SwapKind } from './quote-best-tier.ts';
import { maximumIn, minimumOut, slippageBps } from './slippage.ts';

/** The swap as the user asked for it (the skill's input, after its schema). */
export type SwapRequest = {
  tokenIn: string;
  tokenOut: string;
  amountIn?: string | undefined;
  amountOut?: string | undefined;
  slippageBps?: number | undefined;
  minAmountOut?: string | undefined;
};

/**
 * A swap decided: which pool, what the quote said, and the limits the router will enforce. `build`
 * turns it into calls and `quote` into a preview, so both always agree.
 */
export type SwapPlan = {
  kind: SwapKind;
  tokenIn: PoolToken;
  tokenOut: PoolToken;
  fee: FeeTier;
  pool: Address;
  slippageBps: bigint;
  /** What goes in: exact for exact-in, the quote for exact-out. */
  amountIn: bigint;
  /** What comes out: the quote for exact-in, exact for exact-out. */
  amountOut: bigint;
  /** The pool's answer: amountOut for exact-in, amountIn for exact-out. */
  quoted: bigint;
  /** The router's limit: amountOutMinimum for exact-in, amountInMaximum for exact-out. */
  limit: bigint;
};

/**
 * Checks the request, quotes it in every fee tier, and sets the limit from the best quote: the slippage
 * taken off (exact-in) or added on (exact-out), and for exact-in never below the user's own floor.
 */
export async function planSwap(request: SwapRequest, ctx: SkillContext): Promise<SwapPlan> {
  if ((request.amountIn === undefined) === (request.amountOut === undefined)) {
    throw new SkillError(
      request.amountIn === undefined
        ? 'A swap needs an amount: how much to sell (amountIn) or how much to buy (amountOut).'
        : 'A swap takes one amount, not both: how much to sell (amountIn) or how much to buy (amountOut).',
      { hint: 'Give amountIn to sell an exact amount, or amountOut to buy an exact amount.' },
    );
  }
  const bps = slippageBps(request.slippageBps);
  const [tokenIn, tokenOut] = await Promise.all([poolToken(ctx, request.tokenIn), poolToken(ctx, request.tokenOut)]);
  assertTradablePair(tokenIn, tokenOut);

  const kind: SwapKind = request.amountIn !== undefined ? 'exactIn' : 'exactOut';
  const amount =
    kind === 'exactIn'
      ? toBaseUnits(request.amountIn as string, tokenIn.named)
      : toBaseUnits(request.amountOut as string, tokenOut.named);
  const floor = request.minAmountOut === undefined ? undefined : toBaseUnits(request.minAmountOut, tokenOut.named);

  const { pools, best } = await quoteBestTier(ctx, {
    kind,
    tokenIn: tokenIn.pool.address,
    tokenOut: tokenOut.pool.address,
    amount,
  });
  const pair = `${tokenIn.named.symbol}/${tokenOut.named.symbol}`;
  if (pools.length === 0) {
    throw new SkillError(`Uniswap V3 has no ${pair} pool on ${ctx.chain.name}.`, {
      hint: 'This skill trades in a single pool; swap through a token that has pools with both (WETH, USDC), in two steps.',
    });
  }
  if (!best) {
    throw new SkillError(`No ${pair} pool on Uniswap V3 can quote this swap on ${ctx.chain.name}.`, {
      hint:
        kind === 'exactOut'
          ? 'The pools may not hold that much; ask for a smaller amount.'
          : 'The pools may be empty or the amount too small; try another amount.',
    });
  }

  if (kind === 'exactIn') {
    const fromSlippage = minimumOut(best.quoted, bps);
    if (floor !== undefined && floor > best.quoted) {
      throw new SkillError(
        `The best quote, ${formatAmount(best.quoted, tokenOut.named)} for ${formatAmount(amount, tokenIn.named)}, is below the minimum you asked for (${formatAmount(floor, tokenOut.named)}).`,
        { hint: 'Lower the minimum, or wait for a better price.' },
      );
    }
    const limit = floor !== undefined && floor > fromSlippage ? floor : fromSlippage;
    if (limit === 0n) {
      throw new SkillError(`${formatAmount(amount, tokenIn.named)} is too small to swap with any protection.`, {
        hint: 'Its minimum output rounds to zero; swap a larger amount.',
      });
    }
    return {
      kind,
      tokenIn,
      tokenOut,
      fee: best.fee,
      pool: best.pool,
      slippageBps: bps,
      amountIn: amount,
      amountOut: best.quoted,
      quoted: best.quoted,
      limit,
    };
  }

  if (floor !== undefined && floor > amount) {
    throw new SkillError(
      `The swap buys exactly ${formatAmount(amount, tokenOut.named)}, less than the minimum you asked for (${formatAmount(floor, tokenOut.named)}).`,
      { hint: 'Buy at least the minimum (amountOut), or leave minAmountOut out.' },
    );
  }
  return {
    kind,
    tokenIn,
    tokenOut,
    fee: best.fee,
    pool: best.pool,
    slippageBps: bps,
    amountIn: best.quoted,
    amountOut: amount,
    quoted: best.quoted,
    limit: maximumIn(best.quoted, bps),
  };
}

/** Refuses a pair a Uniswap swap makes no sense for: the same token twice, or ETH against WETH. */
function assertTradablePair(tokenIn: PoolToken, tokenOut: PoolToken): void {
  if (isAddressEqual(tokenIn.named.address, tokenOut.named.address)) {
    throw new SkillError(`Cannot swap ${tokenIn.named.symbol} for itself.`, {
      hint: 'Name two different tokens.',
    });
  }
  if (isAddressEqual(tokenIn.pool.address, tokenOut.pool.address)) {
    const wrap = tokenIn.native;
    throw new SkillError(
      `${tokenIn.named.symbol} and ${tokenOut.named.symbol} are the same asset; there is nothing to swap.`,
      {
        hint: wrap
          ? `Wrap ETH into ${tokenOut.named.symbol} one for one with weth/wrap.`
          : `Unwrap ${tokenIn.named.symbol} into ETH one for one with weth/unwrap.`,
      },
    );
  }
}
