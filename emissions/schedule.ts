import { parseUnits } from 'viem';

/**
 * The emission schedule, in integer wei, as Morpheus' LinearDistributionIntervalDecrease: each bucket
 * emits `initial − k·decrease` (never below zero) in interval k counted from `start`, spread linearly
 * within the interval. Every figure is computed from the cumulative emission E(t) at a timestamp, so
 * the amount between two timestamps is E(to) − E(from): partial intervals are rounded down to the wei
 * once, at the ends, and splitting a period never creates or loses a wei.
 */

export const BUCKETS = ['capital', 'code', 'compute', 'community', 'protection'] as const;
export type Bucket = (typeof BUCKETS)[number];

export type BucketSchedule = { bucket: Bucket; initial: bigint; decrease: bigint };

export type Schedule = {
  /** Unix seconds when interval 0 starts. */
  start: number;
  /** Seconds per interval (a day by default). */
  interval: number;
  buckets: BucketSchedule[];
  /** The most the token may ever mint, in wei; the schedule must stay under it. */
  cap: bigint;
};

const tokens = (amount: string) => parseUnits(amount, 18);

/** Morpheus' MOR: four buckets of 3456/day decreasing by 0.59255872824/day, and the protection fund. */
export const DEFAULT_SCHEDULE: Schedule = {
  start: Date.parse('2026-01-01T00:00:00Z') / 1000,
  interval: 86_400,
  buckets: [
    { bucket: 'capital', initial: tokens('3456'), decrease: tokens('0.59255872824') },
    { bucket: 'code', initial: tokens('3456'), decrease: tokens('0.59255872824') },
    { bucket: 'compute', initial: tokens('3456'), decrease: tokens('0.59255872824') },
    { bucket: 'community', initial: tokens('3456'), decrease: tokens('0.59255872824') },
    { bucket: 'protection', initial: tokens('576'), decrease: tokens('0.09875978804') },
  ],
  cap: tokens('42000000'),
};

/** What a bucket emits in the whole interval k. */
export function intervalAmount(bucket: BucketSchedule, k: bigint): bigint {
  if (k < 0n) return 0n;
  const amount = bucket.initial - k * bucket.decrease;
  return amount > 0n ? amount : 0n;
}

/** The number of intervals with a positive amount (k = 0 … n − 1); undefined when it never stops. */
export function emittingIntervals(bucket: BucketSchedule): bigint | undefined {
  if (bucket.initial <= 0n) return 0n;
  if (bucket.decrease <= 0n) return undefined;
  // The largest k with initial − k·decrease > 0 is ceil(initial / decrease) − 1.
  return (bucket.initial + bucket.decrease - 1n) / bucket.decrease;
}

/** The sum of the whole intervals 0 … n − 1, in closed form. */
export function fullIntervalsSum(bucket: BucketSchedule, n: bigint): bigint {
  const limit = emittingIntervals(bucket);
  const count = limit === undefined || n < limit ? n : limit;
  if (count <= 0n) return 0n;
  return count * bucket.initial - (bucket.decrease * count * (count - 1n)) / 2n;
}

/** A bucket's cumulative emission from the start to unix time `t` (seconds). */
export function emittedUntil(schedule: Schedule, bucket: BucketSchedule, t: number): bigint {
  const elapsed = BigInt(Math.floor(t)) - BigInt(schedule.start);
  if (elapsed <= 0n) return 0n;
  const interval = BigInt(schedule.interval);
  const k = elapsed / interval;
  const into = elapsed % interval;
  return fullIntervalsSum(bucket, k) + (intervalAmount(bucket, k) * into) / interval;
}

/** A bucket's emission between two unix times. */
export function emittedBetween(schedule: Schedule, bucket: BucketSchedule, from: number, to: number): bigint {
  if (to <= from) return 0n;
  return emittedUntil(schedule, bucket, to) - emittedUntil(schedule, bucket, from);
}

/** Everything the schedule will ever emit, per bucket and in all. */
export function totalEmission(schedule: Schedule): { perBucket: Record<Bucket, bigint>; total: bigint } {
  const perBucket = {} as Record<Bucket, bigint>;
  let total = 0n;
  for (const bucket of schedule.buckets) {
    const n = emittingIntervals(bucket);
    if (n === undefined) throw new Error(`The ${bucket.bucket} bucket never stops emitting (its decrease is 0).`);
    perBucket[bucket.bucket] = fullIntervalsSum(bucket, n);
    total += perBucket[bucket.bucket];
  }
  return { perBucket, total };
}

/** The schedule's start plus `day` intervals, in unix seconds. */
export function dayStart(schedule: Schedule, day: number): number {
  return schedule.start + day * schedule.interval;
}
