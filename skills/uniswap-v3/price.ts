import { isAddressEqual } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { defineSkill } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { TokenName } from '../sdk/inputs.ts';
import { poolAbi } from './abi.ts';
import { UNISWAP_V3_CHAINS } from './chains.ts';
import { feeLabel } from './fee-tiers.ts';
import { formatRatio } from './format.ts';
import { poolToken } from './pool-token.ts';
import { existingPools } from './pools.ts';

/** slot0 holds sqrt(token1 per token0) in Q64.96; its square is over 2^192. */
const Q192 = 2n ** 192n;

export const uniswapV3Price = defineSkill({
  id: 'uniswap-v3/price',
  version: '1.0.0',
  title: 'Uniswap V3 price',
  description:
    'Reads the current price of a token in another (USDC unless named) from the Uniswap V3 pool with the ' +
    'most in-range liquidity for the pair. ETH is priced as WETH.',
  protocol: 'uniswap',
  author: SEXTANT_AUTHOR,
  actions: ['price'],
  chains: UNISWAP_V3_CHAINS,
  input: z.object({
    token: TokenName.describe(
      'The token to price: a symbol from the token list (e.g. "WETH", "ETH") or its 0x address.',
    ),
    quote: TokenName.describe('What to express the price in (e.g. "USDC", "WETH"); USDC when left out.').optional(),
  }),
  contracts: {},
  async read(input, ctx) {
    const [base, quote] = await Promise.all([poolToken(ctx, input.token), poolToken(ctx, input.quote ?? 'USDC')]);
    if (isAddressEqual(base.pool.address, quote.pool.address)) {
      throw new SkillError(`${base.named.symbol} priced in ${quote.named.symbol} is 1 by definition.`, {
        hint: 'Name a different token to price it in, e.g. "USDC" or "WETH".',
      });
    }
    const pair = `${base.named.symbol}/${quote.named.symbol}`;
    const pools = await existingPools(ctx, base.pool.address, quote.pool.address);
    if (pools.length === 0) {
      throw new SkillError(`Uniswap V3 has no ${pair} pool on ${ctx.chain.name}.`, {
        hint: 'Price it in a token it has a pool with (USDC, WETH), or name a pair that trades directly.',
      });
    }
    // Each pool's own price; the deepest at the current price (most in-range liquidity) is the
    // hardest to push away from the market, so it is the one to believe.
    const states = await Promise.all(
      pools.map(async (pool) => {
        const [slot0, liquidity] = await Promise.all([
          ctx.client.readContract({ address: pool.address, abi: poolAbi, functionName: 'slot0' }),
          ctx.client.readContract({ address: pool.address, abi: poolAbi, functionName: 'liquidity' }),
        ]);
        return { ...pool, sqrtPriceX96: slot0[0], liquidity };
      }),
    );
    const deepest = states
      .filter((state) => state.sqrtPriceX96 > 0n && state.liquidity > 0n)
      .reduce<(typeof states)[number] | undefined>(
        (best, state) => (best === undefined || state.liquidity > best.liquidity ? state : best),
        undefined,
      );
    if (!deepest) {
      throw new SkillError(`No ${pair} pool on Uniswap V3 has liquidity at its current price on ${ctx.chain.name}.`, {
        hint: 'Its price there means nothing; price it in a token with a live pool (USDC, WETH).',
      });
    }

    // Pools order their tokens by address; token1 per token0 is sqrtPrice² / 2^192, in base units.
    const baseIsToken0 = base.pool.address.toLowerCase() < quote.pool.address.toLowerCase();
    const squared = deepest.sqrtPriceX96 * deepest.sqrtPriceX96;
    const [quotePerBase, basePerQuote] = baseIsToken0 ? [squared, Q192] : [Q192, squared];
    // Base units to human units: scale by each token's own decimals, as the chain reports them.
    const baseUnit = 10n ** BigInt(base.pool.decimals);
    const quoteUnit = 10n ** BigInt(quote.pool.decimals);
    const price = formatRatio(quotePerBase * baseUnit, basePerQuote * quoteUnit);
    const inverse = formatRatio(basePerQuote * quoteUnit, quotePerBase * baseUnit);
    return {
      summary: `1 ${base.named.symbol} = ${price} ${quote.named.symbol} on Uniswap V3 (${feeLabel(deepest.fee)} pool)`,
      values: {
        token: base.named.symbol,
        quote: quote.named.symbol,
        price,
        inversePrice: inverse,
        pool: deepest.address,
        fee: String(deepest.fee),
        feeTier: feeLabel(deepest.fee),
        liquidity: deepest.liquidity.toString(),
        sqrtPriceX96: deepest.sqrtPriceX96.toString(),
      },
    };
  },
});
