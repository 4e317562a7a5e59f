import type { Address } from 'viem';
import { when } from './daily-swap-grant.ts';

/**
 * What "claim my rewards when an epoch settles" lets Sextant's agent key do: nothing over the user's
 * funds. A reward distributor (Uniswap's MerkleDistributor, one per epoch) pays the account a claim
 * names, whoever sends it, and refuses a claim paid already; so the agent key sends each claim from
 * its own address and pays its gas, and the user signs no delegation at all. A delegation would only
 * add power the claims do not need (the distributors of later epochs do not exist yet, so it could not
 * even be pinned to them). A stolen agent key can send claims that pay the user, and spend the gas ETH
 * the grant sent it; nothing else.
 */
export type ClaimRewardsGrant = {
  /** The address whose rewards are claimed (the user's account, in whichever mode). */
  user: Address;
  agent: Address;
  /** The network's reward token, as it was when the order was proposed. */
  rewardToken: { address: Address; symbol: string; decimals: number };
  /** Unix seconds; the order claims for `days` from here. */
  start: bigint;
  days: number;
};

/** As long as the other orders: a month at most. */
export const MAX_CLAIM_DAYS = 31;
const DAY = 86_400n;

/** The grant of a claim order: no delegation, no approval; its words. */
export function claimRewardsGrant(grant: ClaimRewardsGrant): {
  delegations: [];
  approval: undefined;
  words: string;
} {
  if (!Number.isInteger(grant.days) || grant.days < 1 || grant.days > MAX_CLAIM_DAYS) {
    throw new Error(`A claim order lasts 1 to ${MAX_CLAIM_DAYS} days.`);
  }
  const words =
    `Sextant may claim the ${grant.rewardToken.symbol} rewards of your address ${grant.user} as each epoch is distributed, ` +
    `from ${when(grant.start)} until ${when(grant.start + DAY * BigInt(grant.days))}. ` +
    `It needs no permission over your funds, and you sign none: a distributor pays the address a claim names, whoever sends it, so Sextant's agent key sends the claims itself.`;
  return { delegations: [], approval: undefined, words };
}
