import type { Address } from 'viem';

/** One contributor's weight in a bucket for an epoch (per use, per token served, per deposit-second…). */
export type Weight = { contributor: Address; weight: bigint };

export type BucketSplit = {
  /** Each contributor's payout in wei, in address order (lower-case hex), zero payouts left out. */
  payouts: { contributor: Address; amount: bigint }[];
  /** What integer division left over: carried into the bucket's next epoch. */
  remainder: bigint;
};

/**
 * Splits a bucket's epoch amount pro rata to weight, exactly: each payout is amount × w / W rounded
 * down, and what rounding leaves is the remainder, so payouts + remainder = amount to the wei. The
 * result depends only on the weights, never on their order: contributors are merged by address and
 * sorted, so the same ledger always gives the same bytes.
 */
export function splitBucket(amount: bigint, weights: readonly Weight[]): BucketSplit {
  if (amount < 0n) throw new Error('A bucket cannot emit a negative amount.');
  const merged = new Map<string, bigint>();
  for (const { contributor, weight } of weights) {
    if (weight < 0n) throw new Error(`A negative weight for ${contributor}.`);
    const key = contributor.toLowerCase();
    merged.set(key, (merged.get(key) ?? 0n) + weight);
  }
  let total = 0n;
  for (const weight of merged.values()) total += weight;
  if (total === 0n) return { payouts: [], remainder: amount };
  const payouts: BucketSplit['payouts'] = [];
  let paid = 0n;
  for (const key of [...merged.keys()].sort()) {
    const share = (amount * (merged.get(key) as bigint)) / total;
    if (share === 0n) continue;
    payouts.push({ contributor: key as Address, amount: share });
    paid += share;
  }
  return { payouts, remainder: amount - paid };
}

/** Payouts of several buckets merged into one amount per contributor, in address order. */
export function mergePayouts(
  splits: readonly Pick<BucketSplit, 'payouts'>[],
): { contributor: Address; amount: bigint }[] {
  const totals = new Map<string, bigint>();
  for (const split of splits) {
    for (const payout of split.payouts)
      totals.set(payout.contributor, (totals.get(payout.contributor) ?? 0n) + payout.amount);
  }
  return [...totals.keys()].sort().map((key) => ({ contributor: key as Address, amount: totals.get(key) as bigint }));
}
