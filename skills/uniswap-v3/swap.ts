import { encodeFunctionData, type Hex } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount } from '../sdk/amounts.ts';
import { defineSkill, type SkillContext } from '../sdk/define-skill.ts';
import { HumanAmount, TokenName } from '../sdk/inputs.ts';
import { swapRouter02Abi } from './abi.ts';
import { UNISWAP_V3_CHAINS } from './chains.ts';
import { feeLabel } from './fee-tiers.ts';
import { formatAmountShort, formatRatio } from './format.ts';
import { planSwap, type SwapPlan } from './plan-swap.ts';
import { DEADLINE_SECONDS, ROUTER_ADDRESS_THIS } from './router-constants.ts';
import { DEFAULT_SLIPPAGE_BPS, MAX_SLIPPAGE_BPS } from './slippage.ts';

export const uniswapV3Swap = defineSkill({
  id: 'uniswap-v3/swap',
  version: '1.0.0',
  title: 'Swap on Uniswap V3',
  description:
    'Swaps one token for another in a single Uniswap V3 pool, choosing the fee tier with the best quote. ' +
    'Sells an exact amount (amountIn) or buys an exact amount (amountOut); ETH is swapped through WETH.',
  protocol: 'uniswap',
  author: SEXTANT_AUTHOR,
  actions: ['swap'],
  chains: UNISWAP_V3_CHAINS,
  input: z.object({
    tokenIn: TokenName.describe(
      'The token to sell: a symbol from the token list (e.g. "USDC", "ETH") or its 0x address.',
    ),
    tokenOut: TokenName.describe(
      'The token to buy: a symbol from the token list (e.g. "WETH", "ETH") or its 0x address.',
    ),
    amountIn: HumanAmount.describe(
      'How much tokenIn to sell, in human units (e.g. "100"). Give this or amountOut, not both.',
    ).optional(),
    amountOut: HumanAmount.describe(
      'How much tokenOut to buy, in human units (e.g. "0.5"). Give this or amountIn, not both.',
    ).optional(),
    slippageBps: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .describe(
        `The price move tolerated, in basis points (50 = 0.5%); ${DEFAULT_SLIPPAGE_BPS} when left out, at most ${MAX_SLIPPAGE_BPS}.`,
      )
      .optional(),
    minAmountOut: HumanAmount.describe(
      'The least tokenOut the user will accept, in human units, when they named one ("at least 0.03 WETH").',
    ).optional(),
  }),
  contracts: {
    '*': [
      {
        contract: 'uniswapV3.swapRouter02',
        functions: [
          'multicall(uint256,bytes[])',
          'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))',
          'exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))',
          'unwrapWETH9(uint256,address)',
          'refundETH()',
        ],
        payable: true,
      },
    ],
  },
  async build(input, ctx) {
    const plan = await planSwap(input, ctx);
    const router = ctx.contract('uniswapV3.swapRouter02');
    const { timestamp } = await ctx.client.getBlock({ blockTag: 'latest' });
    const deadline = timestamp + DEADLINE_SECONDS;
    const gives = plan.kind === 'exactIn' ? plan.amountIn : plan.limit;
    const receives = plan.kind === 'exactIn' ? plan.limit : plan.amountOut;
    return {
      calls: [
        {
          to: router,
          value: plan.tokenIn.native ? gives : 0n,
          data: encodeFunctionData({
            abi: swapRouter02Abi,
            functionName: 'multicall',
            args: [deadline, routerSteps(plan, ctx)],
          }),
        },
      ],
      bounds: {
        gives: [{ token: plan.tokenIn.named.address, amount: gives }],
        receives: [{ token: plan.tokenOut.named.address, amount: receives }],
      },
      approvals: plan.tokenIn.native ? [] : [{ token: plan.tokenIn.pool.address, spender: router, amount: gives }],
      summary: summary(plan),
    };
  },
  async quote(input, ctx) {
    const plan = await planSwap(input, ctx);
    const { named: tokenIn } = plan.tokenIn;
    const { named: tokenOut } = plan.tokenOut;
    const limit: Record<string, string> =
      plan.kind === 'exactIn'
        ? { amountOutMinimum: formatAmount(plan.limit, tokenOut), amountOutMinimumBaseUnits: plan.limit.toString() }
        : { amountInMaximum: formatAmount(plan.limit, tokenIn), amountInMaximumBaseUnits: plan.limit.toString() };
    return {
      summary: summary(plan),
      values: {
        kind: plan.kind,
        fee: String(plan.fee),
        feeTier: feeLabel(plan.fee),
        pool: plan.pool,
        amountIn: formatAmount(plan.amountIn, tokenIn),
        amountOut: formatAmount(plan.amountOut, tokenOut),
        quoted: formatAmount(plan.quoted, plan.kind === 'exactIn' ? tokenOut : tokenIn),
        quotedBaseUnits: plan.quoted.toString(),
        ...limit,
        slippageBps: plan.slippageBps.toString(),
        // The execution price of the quote itself, before slippage: tokenOut per tokenIn.
        price: formatRatio(
          plan.amountOut * 10n ** BigInt(tokenIn.decimals),
          plan.amountIn * 10n ** BigInt(tokenOut.decimals),
        ),
        priceUnit: `${tokenOut.symbol} per ${tokenIn.symbol}`,
      },
    };
  },
});

/**
 * The router calls inside the multicall. The swap itself trades WETH for ETH: with ETH in, the call
 * carries the ETH and the router wraps it while paying the pool; with ETH out, the pool pays the
 * router (ADDRESS_THIS) and unwrapWETH9 pays the account. refundETH returns ETH the swap did not use
 * (an exact-output swap sends its maximum), which would otherwise stay in the router for anyone to take.
 */
function routerSteps(plan: SwapPlan, ctx: SkillContext): Hex[] {
  const recipient = plan.tokenOut.native ? ROUTER_ADDRESS_THIS : ctx.account;
  const tokenIn = plan.tokenIn.pool.address;
  const tokenOut = plan.tokenOut.pool.address;
  const common = { tokenIn, tokenOut, fee: plan.fee, recipient, sqrtPriceLimitX96: 0n };
  const steps: Hex[] = [
    plan.kind === 'exactIn'
      ? encodeFunctionData({
          abi: swapRouter02Abi,
          functionName: 'exactInputSingle',
          args: [{ ...common, amountIn: plan.amountIn, amountOutMinimum: plan.limit }],
        })
      : encodeFunctionData({
          abi: swapRouter02Abi,
          functionName: 'exactOutputSingle',
          args: [{ ...common, amountOut: plan.amountOut, amountInMaximum: plan.limit }],
        }),
  ];
  if (plan.tokenOut.native) {
    const minimum = plan.kind === 'exactIn' ? plan.limit : plan.amountOut;
    steps.push(encodeFunctionData({ abi: swapRouter02Abi, functionName: 'unwrapWETH9', args: [minimum, ctx.account] }));
  }
  // An exact-input swap uses all its ETH unless the pool runs out of liquidity on the way; refund in
  // both cases, so no path leaves the account's ETH behind in the router.
  if (plan.tokenIn.native) steps.push(encodeFunctionData({ abi: swapRouter02Abi, functionName: 'refundETH' }));
  return steps;
}

/** "Swap 100 USDC for at least 0.0331 WETH on Uniswap V3 (0.05% pool)". */
function summary(plan: SwapPlan): string {
  const tokenIn = plan.tokenIn.named;
  const tokenOut = plan.tokenOut.named;
  const pool = `on Uniswap V3 (${feeLabel(plan.fee)} pool)`;
  return plan.kind === 'exactIn'
    ? `Swap ${formatAmount(plan.amountIn, tokenIn)} for at least ${formatAmountShort(plan.limit, tokenOut, 'down')} ${pool}`
    : `Swap at most ${formatAmountShort(plan.limit, tokenIn, 'up')} for ${formatAmount(plan.amountOut, tokenOut)} ${pool}`;
}
