import { createHash } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { type Claim, MerkleDistributionTree } from './merkle.ts';
import { type Bucket, dayStart, emittedBetween, type Schedule } from './schedule.ts';
import { mergePayouts, splitBucket, type Weight } from './settlement.ts';

/** One bucket of a settled epoch: what it had to pay, what it paid whom, and what it carries on. */
export type BucketSettlement = {
  bucket: Bucket;
  /** The schedule's emission for the epoch. */
  emitted: bigint;
  /** What rounding (or a bucket nobody contributed to) left in the epoch settled before. */
  carriedIn: bigint;
  paid: bigint;
  /** emitted + carriedIn − paid, to the wei: carried into the next settled epoch. */
  carriedOut: bigint;
  /** In contributor order (lower-case address); zero payouts left out. */
  payouts: { contributor: Address; amount: bigint }[];
};

/** An epoch's settlement: every bucket's split, and one claim per contributor in the Merkle distribution. */
export type EpochSettlement = {
  epoch: number;
  /** The epoch's period, unix seconds [from, to). */
  from: number;
  to: number;
  buckets: BucketSettlement[];
  /** The distribution: a contributor's buckets added into one claim, indexed in address order. */
  claims: Claim[];
  /** The distribution's Merkle root; null when nobody is paid (then nothing is deployed). */
  root: Hex | null;
  /** What the claims add up to: what the epoch's distributor is funded with. */
  total: bigint;
};

/**
 * Settles an epoch from its ledger, exactly and deterministically: each bucket splits its emission
 * plus what it carried in pro rata to weight (rounding down), the claims merge each contributor's
 * buckets, and the same weights (in any order) give the same settlement byte for byte. The tree
 * comes back too, for the proofs.
 */
export function computeEpochSettlement(
  schedule: Schedule,
  epoch: number,
  weights: Readonly<Record<Bucket, readonly Weight[]>>,
  carriedIn: Readonly<Partial<Record<Bucket, bigint>>> = {},
): { settlement: EpochSettlement; tree: MerkleDistributionTree | null } {
  const from = dayStart(schedule, epoch);
  const to = dayStart(schedule, epoch + 1);
  const buckets = schedule.buckets.map((bucketSchedule): BucketSettlement => {
    const bucket = bucketSchedule.bucket;
    const emitted = emittedBetween(schedule, bucketSchedule, from, to);
    const carried = carriedIn[bucket] ?? 0n;
    const split = splitBucket(emitted + carried, weights[bucket] ?? []);
    return {
      bucket,
      emitted,
      carriedIn: carried,
      paid: emitted + carried - split.remainder,
      carriedOut: split.remainder,
      payouts: split.payouts,
    };
  });
  const claims = mergePayouts(buckets).map((payout, index) => ({
    index,
    account: payout.contributor,
    amount: payout.amount,
  }));
  const total = claims.reduce((sum, claim) => sum + claim.amount, 0n);
  const tree = claims.length > 0 ? new MerkleDistributionTree(claims) : null;
  return { settlement: { epoch, from, to, buckets, claims, root: tree?.root ?? null, total }, tree };
}

/** sha256 of the settlement's canonical JSON: equal digests, equal settlements, byte for byte. */
export function settlementDigest(settlement: EpochSettlement): string {
  return createHash('sha256').update(canonicalJson(settlement)).digest('hex');
}

export function canonicalJson(settlement: EpochSettlement): string {
  return JSON.stringify(settlement, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
}
