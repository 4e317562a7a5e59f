import type { Address } from 'viem';
import type { Db } from '../../common/database.ts';
import { type DistributionTarget, distributeEpoch } from '../distribute.ts';
import { computeEpochSettlement } from '../epoch.ts';
import { migrateEmissions } from '../ledger/migrations.ts';
import { BUCKETS, type Bucket, DEFAULT_SCHEDULE } from '../schedule.ts';
import type { Weight } from '../settlement.ts';
import { claimOf, latestEpoch, saveSettlement } from '../store.ts';

/**
 * A reward `account` can really claim: the next epoch of `db`, paying it alone (the community bucket),
 * settled and distributed on the devnet in `target`'s token (a MerkleDistributor deployed and funded).
 * An agent given `rewardsSource(db, …, target.rewardToken)` then offers it to "claim my rewards".
 */
export async function rewardEpochFor(
  db: Db,
  target: DistributionTarget,
  account: Address,
): Promise<{ epoch: number; amount: bigint }> {
  migrateEmissions(db);
  const epoch = (latestEpoch(db)?.epoch ?? -1) + 1;
  const weights = Object.fromEntries(BUCKETS.map((bucket) => [bucket, [] as Weight[]])) as Record<Bucket, Weight[]>;
  weights.community.push({ contributor: account, weight: 1n });
  const { settlement, tree } = computeEpochSettlement(DEFAULT_SCHEDULE, epoch, weights);
  saveSettlement(db, settlement, tree);
  const distributed = await distributeEpoch(db, epoch, target);
  if (distributed.status !== 'distributed')
    throw new Error(`epoch ${epoch} was not distributed: ${distributed.status}`);
  const claim = claimOf(db, epoch, account);
  if (!claim) throw new Error(`epoch ${epoch} pays ${account} nothing`);
  return { epoch, amount: claim.amount };
}
