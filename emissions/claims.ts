import { type Address, encodeFunctionData, type Hex, type PublicClient } from 'viem';
import type { RewardsSource } from '../agent-core/plan/rewards.ts';
import type { Chain } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { EmissionsError, loadEmissionsConfig } from './config.ts';
import { distributorAbi } from './distribute.ts';
import { migrateEmissions } from './ledger/schema.ts';
import { distributedClaimsOf, getEpoch, type StoredClaim } from './store.ts';

export type RewardClaim = StoredClaim & { distributor: Address; rewardToken: Address; claimed: boolean };

/**
 * An account's claims in every distributed epoch, each checked against its distributor on chain:
 * the contract must hold the stored root and pay the stored reward token (a record that disagrees
 * with the chain is refused, never sent), and `claimed` is what the contract says.
 */
export async function rewardClaimsOf(
  db: Db,
  client: PublicClient,
  account: Address,
  options: { epochs?: readonly number[] } = {},
): Promise<RewardClaim[]> {
  const wanted = options.epochs && new Set(options.epochs);
  const claims = distributedClaimsOf(db, account).filter((claim) => !wanted || wanted.has(claim.epoch));
  const checked: RewardClaim[] = [];
  for (const claim of claims) {
    const record = getEpoch(db, claim.epoch);
    if (!record?.root || !record.rewardToken) continue;
    const read = <T>(functionName: 'token' | 'merkleRoot') =>
      client.readContract({ address: claim.distributor, abi: distributorAbi, functionName }) as Promise<T>;
    const [token, root] = await Promise.all([read<Address>('token'), read<Hex>('merkleRoot')]).catch((cause) => {
      throw new EmissionsError(
        `The distributor of epoch ${claim.epoch} (${claim.distributor}) does not answer on this chain.`,
        { hint: 'Check that Sextant runs on the chain the epoch was distributed on.', cause },
      );
    });
    if (token.toLowerCase() !== record.rewardToken.toLowerCase() || root.toLowerCase() !== record.root.toLowerCase()) {
      throw new EmissionsError(
        `The distributor of epoch ${claim.epoch} (${claim.distributor}) does not hold the settled root and token; not claiming from it.`,
      );
    }
    const claimed = await client.readContract({
      address: claim.distributor,
      abi: distributorAbi,
      functionName: 'isClaimed',
      args: [BigInt(claim.index)],
    });
    checked.push({ ...claim, rewardToken: record.rewardToken, claimed });
  }
  return checked;
}

/** The distributor call that pays a claim to its account (anyone may send it; the tokens go to the account). */
export function claimCall(claim: RewardClaim): { to: Address; value: bigint; data: Hex } {
  return {
    to: claim.distributor,
    value: 0n,
    data: encodeFunctionData({
      abi: distributorAbi,
      functionName: 'claim',
      args: [BigInt(claim.index), claim.account, claim.amount, claim.proof],
    }),
  };
}

/**
 * The agent's source of claimable rewards (claim_rewards), for the reward token of this network:
 * every distributed claim of the account in that token, checked on chain.
 */
export function rewardsSource(db: Db, client: PublicClient, rewardToken: Address): RewardsSource {
  return async (account) => {
    const claims = (await rewardClaimsOf(db, client, account)).filter(
      (claim) => claim.rewardToken.toLowerCase() === rewardToken.toLowerCase(),
    );
    return {
      token: rewardToken,
      rewards: claims.map((claim) => ({
        epoch: claim.epoch,
        amount: claim.amount,
        claimed: claim.claimed,
        call: claimCall(claim),
      })),
    };
  };
}

/**
 * The rewards source for the network the runtime is on: the reward token from the emissions
 * configuration, else the chain's (the devnet deploys one); none where there is no reward token.
 */
export function rewardsForNetwork(
  db: Db,
  client: PublicClient,
  chain: Chain,
  dataDir: string | undefined,
): RewardsSource | undefined {
  const rewardToken = loadEmissionsConfig(undefined, dataDir).rewardToken ?? chain.contracts.emissions?.rewardToken;
  if (!rewardToken) return undefined;
  migrateEmissions(db);
  return rewardsSource(db, client, rewardToken);
}
