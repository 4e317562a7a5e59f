import fc from 'fast-check';
import { formatUnits, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  BUCKETS,
  type BucketSchedule,
  DEFAULT_SCHEDULE,
  dayStart,
  emittedBetween,
  emittingIntervals,
  intervalAmount,
  totalEmission,
} from './schedule.ts';

const day = (d: number) => {
  let sum = 0n;
  for (const bucket of DEFAULT_SCHEDULE.buckets) {
    sum += emittedBetween(DEFAULT_SCHEDULE, bucket, dayStart(DEFAULT_SCHEDULE, d), dayStart(DEFAULT_SCHEDULE, d + 1));
  }
  return sum;
};

describe('the emission schedule (Morpheus defaults)', () => {
  it('emits 14,400 on day 0 and 14,397.531005299 on day 1, exactly', () => {
    expect(formatUnits(day(0), 18)).toBe('14400');
    expect(formatUnits(day(1), 18)).toBe('14397.531005299');
    const capital = DEFAULT_SCHEDULE.buckets[0] as BucketSchedule;
    expect(formatUnits(intervalAmount(capital, 1n), 18)).toBe('3455.40744127176');
  });

  it('stops after 5,833 days (the last non-zero day is 5,832), and stays under the 42 million cap', () => {
    for (const bucket of DEFAULT_SCHEDULE.buckets) expect(emittingIntervals(bucket)).toBe(5833n);
    expect(day(5832)).toBeGreaterThan(0n);
    expect(day(5833)).toBe(0n);
    // Hand-computed (Python's decimal): each bucket sums 5833·initial − decrease·5832·5833/2.
    const { perBucket, total } = totalEmission(DEFAULT_SCHEDULE);
    expect(perBucket.capital).toBe(
      5833n * parseUnits('3456', 18) - (parseUnits('0.59255872824', 18) * 5832n * 5833n) / 2n,
    );
    expect(formatUnits(perBucket.capital, 18)).toBe('10079999.99972144928');
    expect(total).toBeLessThanOrEqual(DEFAULT_SCHEDULE.cap);
    expect(formatUnits(total, 18)).toBe('41999999.998839372');
    expect(Object.keys(perBucket)).toEqual([...BUCKETS]);
  });

  it('spreads an interval linearly: half a day emits half the day, to the wei', () => {
    const code = DEFAULT_SCHEDULE.buckets[1] as BucketSchedule;
    const start = dayStart(DEFAULT_SCHEDULE, 10);
    const half = emittedBetween(DEFAULT_SCHEDULE, code, start, start + 43_200);
    expect(half).toBe(intervalAmount(code, 10n) / 2n);
    // The last 100 s of day 9: what is left of that day after its first 86,300 s (rounded down once).
    const nine = intervalAmount(code, 9n);
    expect(emittedBetween(DEFAULT_SCHEDULE, code, start - 100, start)).toBe(nine - (nine * 86_300n) / 86_400n);
    expect(emittedBetween(DEFAULT_SCHEDULE, code, 0, DEFAULT_SCHEDULE.start)).toBe(0n);
  });

  it('agrees with a day-by-day sum for any bucket and span (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        fc.bigInt({ min: 0n, max: 10n ** 22n }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        (initial, decrease, from, length) => {
          const bucket: BucketSchedule = { bucket: 'code', initial, decrease };
          const schedule = { ...DEFAULT_SCHEDULE, buckets: [bucket] };
          let byDay = 0n;
          for (let d = from; d < from + length; d++) byDay += intervalAmount(bucket, BigInt(d));
          expect(emittedBetween(schedule, bucket, dayStart(schedule, from), dayStart(schedule, from + length))).toBe(
            byDay,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splits any period into parts that add up exactly (property)', () => {
    const compute = DEFAULT_SCHEDULE.buckets[2] as BucketSchedule;
    const span = 6000 * 86_400;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: span }),
        fc.integer({ min: 0, max: span }),
        fc.integer({ min: 0, max: span }),
        (a, b, c) => {
          const [x, y, z] = [a, b, c].sort((p, q) => p - q).map((t) => DEFAULT_SCHEDULE.start + t) as [
            number,
            number,
            number,
          ];
          expect(
            emittedBetween(DEFAULT_SCHEDULE, compute, x, y) + emittedBetween(DEFAULT_SCHEDULE, compute, y, z),
          ).toBe(emittedBetween(DEFAULT_SCHEDULE, compute, x, z));
        },
      ),
      { numRuns: 500 },
    );
  });
});
