import { type Address, encodeFunctionData, erc20Abi, formatUnits, type Hex, slice } from 'viem';
import type { DelegationEnforcer } from '../../common/chains/types.ts';
import { swapRouter02Abi } from '../../skills/uniswap-v3/abi.ts';
import { type Caveat, caveatTerms, type Delegation, periodDelegations } from '../../smart-accounts/delegations.ts';
import { declaredSelector, SWAP_CALL } from './skill-declarations.ts';

/**
 * What a standing order "swap 50 USDC into WETH every day for 30 days" lets Sextant's agent key do,
 * as delegations the chain enforces (smart-accounts/delegations.ts, MetaMask's framework 1.3.0): one
 * delegation per day, each valid only that day and for one call, and that call only the router's
 * exactInputSingle with its token pair, fee tier, amount and recipient (the user's own address)
 * pinned, and no ETH sent with it; across each swap the user's tokenOut must grow by at least the
 * grant's floor (a price the user accepts, shown in the words), so a swap through a bad or moved pool
 * reverts. The router is allowed the total once, from the user's address. A stolen agent key can make
 * at most that one swap a day, at no worse than that price, and nothing else.
 *
 * Known limits, for the orders that will use it: two grants on the same token and router share one
 * allowance (approve sets it, it does not add), and what is left of the allowance after the last day
 * stays until revoked.
 */
export type DailySwapGrant = {
  /** The user's own address, delegated to the framework's EIP-7702 DeleGator. */
  user: Address;
  /** Sextant's agent key, the only one that may redeem. */
  agent: Address;
  tokenIn: Token;
  tokenOut: Token;
  /** Base units of tokenIn each day. */
  amountIn: bigint;
  /** The least tokenOut (base units) each day's swap must bring the user: the worst price accepted. */
  minAmountOut: bigint;
  /** The Uniswap V3 pool's fee tier (hundredths of a basis point). */
  fee: number;
  router: Address;
  /** Named in the grant's words ("Uniswap V3"). */
  protocol: string;
  /** Unix seconds: the first day starts here. */
  start: bigint;
  days: number;
  /** The first day's delegation salt (the others follow); a new grant takes new salts. */
  salt: bigint;
  /**
   * A price order (price-swap-grant.ts): one period of `periodSeconds` (from start to expiry) with a
   * single swap, made only once the pool's average price crosses `price`. Absent: one swap a day.
   */
  condition?: PriceCondition;
  periodSeconds?: bigint;
  /** The framework's caveat enforcers on this chain (the chain registry's delegationFramework). */
  enforcers: GrantEnforcers;
};

type Token = { address: Address; symbol: string; decimals: number };

/** The caveat enforcers a grant names, by their framework names. */
export type GrantEnforcers = Record<DelegationEnforcer, Address>;

/** "If ETH goes above 3,300 USDC": the pool's average price of tokenIn, in tokenOut, crossing `price`. */
export type PriceCondition = { direction: 'above' | 'below'; price: number; pool: Address };
type Call = { to: Address; value: bigint; data: Hex };

const DAY = 86_400n;
/**
 * Revoking disables every day's delegation in one transaction from the user's address; a month's
 * fits (about 70 KB of calldata, 2.8M gas). A longer order is granted again when this one ends.
 */
export const MAX_GRANT_DAYS = 31;

/** The one function a swap grant allows: the one the audited swap skill declares (skill-declarations.ts). */
const EXACT_INPUT_SINGLE = declaredSelector(SWAP_CALL);

/**
 * The day's swap as the agent key makes it: the router's own minimum is the grant's floor unless a
 * higher one is given (the chain holds the floor either way).
 */
export function dailySwapCall(
  grant: DailySwapGrant,
  amountOutMinimum = grant.minAmountOut,
): { to: Address; data: Hex } {
  return { to: grant.router, data: swapData(grant, grant.amountIn, grant.user, amountOutMinimum) };
}

/**
 * The grant: the delegations to sign (one per day), the approval the user's address makes for the
 * total, and the grant in words, to be shown and confirmed like a plan.
 */
export function dailySwapGrant(grant: DailySwapGrant): {
  delegations: Omit<Delegation, 'signature'>[];
  approval: Call;
  words: string;
} {
  if (grant.days < 1 || grant.amountIn <= 0n || grant.minAmountOut <= 0n) {
    throw new Error('A daily swap grant needs at least one day, an amount and the least it must bring in.');
  }
  if (grant.days > MAX_GRANT_DAYS) {
    throw new Error(
      `A daily swap grant lasts at most ${MAX_GRANT_DAYS} days (so that one transaction revokes it); grant again after.`,
    );
  }
  if (grant.start <= 1n) throw new Error('A daily swap grant needs its start time.');
  const caveats = pinnedSwapCaveats(grant);
  const { enforcers } = grant;
  const delegations = periodDelegations({
    delegate: grant.agent,
    delegator: grant.user,
    caveats,
    enforcers: { timestamp: enforcers.TimestampEnforcer, limitedCalls: enforcers.LimitedCallsEnforcer },
    start: grant.start,
    periodSeconds: DAY,
    periods: grant.days,
    callsPerPeriod: 1n,
    salt: grant.salt,
  });
  const total = grant.amountIn * BigInt(grant.days);
  const amount = (units: bigint) => `${formatUnits(units, grant.tokenIn.decimals)} ${grant.tokenIn.symbol}`;
  const floor = `${formatUnits(grant.minAmountOut, grant.tokenOut.decimals)} ${grant.tokenOut.symbol}`;
  const words =
    `Sextant may swap ${amount(grant.amountIn)} into at least ${floor} on ${grant.protocol} ` +
    `(its ${grant.fee / 10_000}% pool) once a day ` +
    `for ${grant.days} day${grant.days === 1 ? '' : 's'}, from ${when(grant.start)} until ` +
    `${when(grant.start + DAY * BigInt(grant.days))}, paid to your address ${grant.user}; nothing else. ` +
    `Your address allows the ${grant.protocol} router ${amount(total)} for it.`;
  return {
    delegations,
    approval: {
      to: grant.tokenIn.address,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [grant.router, total] }),
    },
    words,
  };
}

/**
 * The caveats every swap grant carries: only the router's exactInputSingle, with its token pair, fee
 * tier, amount and recipient (the user's own address) pinned, no ETH with it, only the agent key as
 * redeemer, and across the swap the user's tokenOut must grow by at least the grant's floor.
 */
export function pinnedSwapCaveats(grant: DailySwapGrant): Caveat[] {
  // tokenIn, tokenOut, fee, recipient and amountIn: the call's bytes 4 to 164 (the selector is 0 to 3).
  const pinned = slice(swapData(grant, grant.amountIn, grant.user, 0n), 4, 164);
  const { enforcers } = grant;
  return [
    { enforcer: enforcers.AllowedTargetsEnforcer, terms: caveatTerms.allowedTargets([grant.router]), args: '0x' },
    { enforcer: enforcers.AllowedMethodsEnforcer, terms: caveatTerms.allowedMethods([EXACT_INPUT_SINGLE]), args: '0x' },
    { enforcer: enforcers.AllowedCalldataEnforcer, terms: caveatTerms.allowedCalldata(4n, pinned), args: '0x' },
    { enforcer: enforcers.RedeemerEnforcer, terms: caveatTerms.redeemer([grant.agent]), args: '0x' },
    // No ETH with the call: exactInputSingle is payable, and ETH left in the router is anyone's to take
    // (its refundETH pays the caller), so a redemption carrying value would drain the address.
    { enforcer: enforcers.ValueLteEnforcer, terms: caveatTerms.valueLte(0n), args: '0x' },
    // The price: the swap's minimum out is the agent's to write, so the chain checks what arrived.
    {
      enforcer: enforcers.ERC20BalanceChangeEnforcer,
      terms: caveatTerms.erc20BalanceChange('increase', grant.tokenOut.address, grant.user, grant.minAmountOut),
      args: '0x',
    },
  ];
}

function swapData(grant: DailySwapGrant, amountIn: bigint, recipient: Address, amountOutMinimum: bigint): Hex {
  return encodeFunctionData({
    abi: swapRouter02Abi,
    functionName: 'exactInputSingle',
    args: [
      {
        tokenIn: grant.tokenIn.address,
        tokenOut: grant.tokenOut.address,
        fee: grant.fee,
        recipient,
        amountIn,
        amountOutMinimum,
        sqrtPriceLimitX96: 0n,
      },
    ],
  });
}

/** "6 December 2026, 15:57 UTC". */
export function when(seconds: bigint): string {
  const date = new Date(Number(seconds) * 1000);
  const day = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}
