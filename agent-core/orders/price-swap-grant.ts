import { encodeFunctionData, erc20Abi, formatUnits } from 'viem';
import { periodDelegations } from '../../smart-accounts/delegations.ts';
import { type DailySwapGrant, type dailySwapGrant, pinnedSwapCaveats, when } from './daily-swap-grant.ts';

/** Longest a price order waits for its price: a month, as a daily grant. */
export const MAX_PRICE_ORDER_DAYS = 31;
const DAY = 86_400n;

/**
 * What a price order "sell 1 WETH for USDC if WETH goes above 3,300" (or "below 2,500": a stop) lets
 * the agent key do: one delegation, valid from now until the order expires, for a single call, the
 * same pinned swap a daily grant allows (pinnedSwapCaveats), whose floor is the order's own price less
 * the user's slippage ceiling. The chain holds the floor, not the trigger: a stolen agent key could
 * sell before the price is reached, but never for less than the floor, so the words say so. For a
 * stop that is a stop-limit: if the price falls through the floor before the runner acts, the swap
 * reverts and nothing is sold. The grant is a DailySwapGrant with one period spanning the order and
 * a `condition` the runner waits for.
 */
export function priceSwapGrant(grant: DailySwapGrant): ReturnType<typeof dailySwapGrant> {
  const { condition } = grant;
  if (!condition) throw new Error('A price order needs its condition.');
  if (grant.days < 1 || grant.days > MAX_PRICE_ORDER_DAYS) {
    throw new Error(`A price order waits 1 to ${MAX_PRICE_ORDER_DAYS} days for its price.`);
  }
  if (grant.amountIn <= 0n || grant.minAmountOut <= 0n || !(condition.price > 0)) {
    throw new Error('A price order needs an amount, a price and the least it must bring in.');
  }
  const periodSeconds = DAY * BigInt(grant.days);
  const { enforcers } = grant;
  const delegations = periodDelegations({
    delegate: grant.agent,
    delegator: grant.user,
    caveats: pinnedSwapCaveats(grant),
    enforcers: { timestamp: enforcers.TimestampEnforcer, limitedCalls: enforcers.LimitedCallsEnforcer },
    start: grant.start,
    periodSeconds,
    periods: 1,
    callsPerPeriod: 1n,
    salt: grant.salt,
  });
  const amount = `${formatUnits(grant.amountIn, grant.tokenIn.decimals)} ${grant.tokenIn.symbol}`;
  const floor = `${formatUnits(grant.minAmountOut, grant.tokenOut.decimals)} ${grant.tokenOut.symbol}`;
  const trigger = `${condition.price.toLocaleString('en-US', { maximumSignificantDigits: 8 })} ${grant.tokenOut.symbol}`;
  const words =
    `Sextant may swap ${amount} into at least ${floor} on ${grant.protocol} (its ${grant.fee / 10_000}% pool), once, ` +
    `when ${grant.tokenIn.symbol}'s 10-minute average price in its pool goes ${condition.direction} ${trigger}, ` +
    `until ${when(grant.start + periodSeconds)}, paid to your address ${grant.user}; nothing else. ` +
    `The chain holds the ${floor} floor, not the trigger: a stolen agent key could make this swap earlier, but never for less` +
    `${condition.direction === 'below' ? `; if the price falls through the floor before Sextant acts, nothing is sold` : ''}. ` +
    `Your address allows the ${grant.protocol} router ${amount} for it.`;
  return {
    delegations,
    approval: {
      to: grant.tokenIn.address,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [grant.router, grant.amountIn] }),
    },
    words,
  };
}
