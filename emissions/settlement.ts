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

/**
 * Payouts of several buckets merged into one amount per contributor, in address order. Each bucket's
 * payouts are already in address order (splitBucket sorts them), so this is a k-way merge: no map of
 * every contributor, and an amount is added only for a contributor paid by more than one bucket.
 */
export function mergePayouts(
  splits: readonly Pick<BucketSplit, 'payouts'>[],
): { contributor: Address; amount: bigint }[] {
  const lists = splits.map((split) => split.payouts);
  const positions = lists.map(() => 0);
  const merged: { contributor: Address; amount: bigint }[] = [];
  for (;;) {
    let next: Address | undefined;
    for (const [i, list] of lists.entries()) {
      const payout = list[positions[i] as number];
      if (payout && (next === undefined || payout.contributor < next)) next = payout.contributor;
    }
    if (next === undefined) return merged;
    let amount: bigint | undefined;
    for (const [i, list] of lists.entries()) {
      const payout = list[positions[i] as number];
      if (payout?.contributor !== next) continue;
      amount = amount === undefined ? payout.amount : amount + payout.amount;
      positions[i] = (positions[i] as number) + 1;
    }
    merged.push({ contributor: next, amount: amount as bigint });
  }
}
