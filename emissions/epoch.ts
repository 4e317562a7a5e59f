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

/**
 * sha256 of the settlement's canonical JSON: equal digests, equal settlements, byte for byte. Hashed
 * piece by piece, never as one string (a million claims would make a string of some 200 MB).
 */
export function settlementDigest(settlement: EpochSettlement): string {
  const hash = createHash('sha256');
  for (const piece of canonicalPieces(settlement)) hash.update(piece);
  return hash.digest('hex');
}

/** The settlement as JSON with its integers as decimal strings, keys in a fixed order. */
export function canonicalJson(settlement: EpochSettlement): string {
  return [...canonicalPieces(settlement)].join('');
}

/** canonicalJson in pieces of about 64 KiB. */
function* canonicalPieces(settlement: EpochSettlement): Generator<string> {
  let buffer = '';
  const emit = function* (text: string) {
    buffer += text;
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  };
  const list = function* <T>(items: readonly T[], item: (value: T) => string) {
    for (const [i, value] of items.entries()) yield* emit((i > 0 ? ',' : '') + item(value));
  };
  const { epoch, from, to, buckets, claims, root, total } = settlement;
  yield* emit(
    `{"epoch":${JSON.stringify(epoch)},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"buckets":[`,
  );
  for (const [i, b] of buckets.entries()) {
    const head = JSON.stringify({
      bucket: b.bucket,
      emitted: b.emitted.toString(),
      carriedIn: b.carriedIn.toString(),
      paid: b.paid.toString(),
      carriedOut: b.carriedOut.toString(),
    });
    yield* emit(`${i > 0 ? ',' : ''}${head.slice(0, -1)},"payouts":[`);
    yield* list(b.payouts, (p) => JSON.stringify({ contributor: p.contributor, amount: p.amount.toString() }));
    yield* emit(']}');
  }
  yield* emit('],"claims":[');
  yield* list(claims, (c) => JSON.stringify({ index: c.index, account: c.account, amount: c.amount.toString() }));
  yield* emit(`],"root":${JSON.stringify(root)},"total":${JSON.stringify(total.toString())}}`);
  if (buffer.length > 0) yield buffer;
}
