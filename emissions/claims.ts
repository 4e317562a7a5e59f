import { type Address, encodeFunctionData, type Hex, type PublicClient } from 'viem';
import type { RewardsSource } from '../agent-core/plan/rewards.ts';
import type { Chain } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { loadEmissionsConfig } from './config.ts';
import { distributorAbi } from './distribute.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { distributedClaimsOf, type StoredClaim } from './store.ts';

export type RewardClaim = StoredClaim & {
  distributor: Address;
  rewardToken: Address;
  claimed: boolean;
  /** Why this claim cannot be made here (its distributor does not answer, or disagrees with the record). */
  unavailable?: string;
};

/**
 * An account's claims in the epochs distributed on this chain in this reward token, each checked
 * against its distributor on chain: the contract must hold the stored root and pay the stored token
 * (a claim whose distributor is missing or disagrees is marked unavailable, never sent), and
 * `claimed` is what the contract says.
 */
export async function rewardClaimsOf(
  db: Db,
  client: PublicClient,
  account: Address,
  where: { chainId: number; rewardToken: Address },
): Promise<RewardClaim[]> {
  const checked: RewardClaim[] = [];
  for (const { root, ...claim } of distributedClaimsOf(db, account, where)) {
    const read = <T>(functionName: 'token' | 'merkleRoot') =>
      client.readContract({ address: claim.distributor, abi: distributorAbi, functionName }) as Promise<T>;
    const onChain = await Promise.all([read<Address>('token'), read<Hex>('merkleRoot')]).catch(() => undefined);
    if (!onChain) {
      checked.push({
        ...claim,
        claimed: false,
        unavailable: `its distributor ${claim.distributor} is not on this chain`,
      });
      continue;
    }
    const [token, onChainRoot] = onChain;
    if (token.toLowerCase() !== claim.rewardToken.toLowerCase() || onChainRoot.toLowerCase() !== root.toLowerCase()) {
      checked.push({
        ...claim,
        claimed: false,
        unavailable: `its distributor ${claim.distributor} does not hold the settled root and token`,
      });
      continue;
    }
    const claimed = await client.readContract({
      address: claim.distributor,
      abi: distributorAbi,
      functionName: 'isClaimed',
      args: [BigInt(claim.index)],
    });
    checked.push({ ...claim, claimed });
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
 * The agent's source of claimable rewards (claim_rewards): every claim of the account distributed on
 * this chain in this reward token, checked on chain.
 */
export function rewardsSource(db: Db, client: PublicClient, chainId: number, rewardToken: Address): RewardsSource {
  return async (account) => ({
    token: rewardToken,
    rewards: (await rewardClaimsOf(db, client, account, { chainId, rewardToken })).map((claim) => ({
      epoch: claim.epoch,
      amount: claim.amount,
      claimed: claim.claimed,
      ...(claim.unavailable ? { unavailable: claim.unavailable } : {}),
      call: claimCall(claim),
    })),
  });
}

/**
 * The rewards source for the network the runtime is on: the reward token from DATA_DIR/emissions.json,
 * else the chain's (the devnet deploys one); none where there is no reward token. A configuration that
 * cannot be read fails claiming only (with its reason), never the rest of the agent.
 */
export function rewardsForNetwork(
  db: Db,
  client: PublicClient,
  chain: Chain,
  dataDir: string | undefined,
): RewardsSource | undefined {
  let rewardToken: Address | undefined;
  try {
    rewardToken = loadEmissionsConfig(undefined, dataDir).rewardToken ?? chain.contracts.emissions?.rewardToken;
  } catch (error) {
    return async () => {
      throw error;
    };
  }
  if (!rewardToken) return undefined;
  migrateEmissions(db);
  return rewardsSource(db, client, chain.chainId, rewardToken);
}
