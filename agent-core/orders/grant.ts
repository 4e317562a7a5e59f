import { type Address, encodeFunctionData, erc20Abi, type Hex } from 'viem';
import { type Delegation, disableCalldata } from '../../smart-accounts/delegations.ts';
import type { Call } from '../../smart-accounts/executions.ts';
import { claimRewardsGrant } from './claim-rewards-grant.ts';
import { dailySwapGrant } from './daily-swap-grant.ts';
import { priceSwapGrant } from './price-swap-grant.ts';
import { repayGuardGrant } from './repay-guard-grant.ts';
import type { OrderGrant } from './store.ts';

const DAY = 86_400n;

/** What a grant is: the delegations to sign, the approval the user's address makes (if any), the words. */
export type Grant = {
  delegations: Omit<Delegation, 'signature'>[];
  approval: Call | undefined;
  words: string;
};

/** What an order's grant is, by its kind. */
export function grantOf(order: OrderGrant): Grant {
  if (order.kind === 'repay-guard') return repayGuardGrant(order.terms);
  if (order.kind === 'claim-rewards') return claimRewardsGrant(order.terms);
  return order.terms.condition ? priceSwapGrant(order.terms) : dailySwapGrant(order.terms);
}

/**
 * How long each of the order's periods is (one delegation each, where it has delegations): a day,
 * or the whole order for a one-call order. A claim order's days are its periods only for its end.
 */
export function periodSecondsOf(order: OrderGrant): bigint {
  if (order.kind === 'repay-guard') return DAY * BigInt(order.terms.days);
  if (order.kind === 'claim-rewards') return DAY;
  return order.terms.periodSeconds ?? DAY;
}

/** How many periods the order has. */
export function periodsOf(order: OrderGrant): number {
  if (order.kind === 'repay-guard') return 1;
  if (order.kind === 'claim-rewards') return order.terms.days;
  return order.terms.condition ? 1 : order.terms.days;
}

/**
 * The revocation, as calls the user's address makes: the allowance the grant set taken back first
 * (alone, it already stops every run), then each of `live` disabled on chain (the DeleGator passes
 * `disableDelegation` from the address itself on to the DelegationManager).
 */
export function revokeCallsOf(
  order: OrderGrant,
  live: readonly Delegation[],
): { to: Address; value: bigint; data: Hex }[] {
  const allowance = allowanceOf(order);
  // A claim order grants nothing on chain: there is nothing to take back.
  if (!allowance) return [];
  const { token, spender } = allowance;
  return [
    {
      to: token.address,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, 0n] }),
    },
    ...live.map((delegation) => ({ to: order.terms.user, value: 0n, data: disableCalldata(delegation) })),
  ];
}

/** The allowance an order's grant sets: which token, for which spender (what two grants must not share). */
export type GrantAllowance = {
  token: { address: Address; symbol: string; decimals: number };
  spender: Address;
  protocol: string;
  /** The spender as the user knows it: "router", "pool". */
  spenderName: string;
};

/** The allowance the order's grant sets; undefined for a claim order, which sets none. */
export function allowanceOf(order: OrderGrant): GrantAllowance | undefined {
  if (order.kind === 'claim-rewards') return undefined;
  if (order.kind === 'repay-guard') {
    return { token: order.terms.asset, spender: order.terms.pool, protocol: order.terms.protocol, spenderName: 'pool' };
  }
  return {
    token: order.terms.tokenIn,
    spender: order.terms.router,
    protocol: order.terms.protocol,
    spenderName: 'router',
  };
}
