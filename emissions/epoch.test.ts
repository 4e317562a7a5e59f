import fc from 'fast-check';
import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeEpochSettlement, settlementDigest } from './epoch.ts';
import { verifyProof } from './merkle.ts';
import { BUCKETS, type Bucket, DEFAULT_SCHEDULE, dayStart, emittedBetween } from './schedule.ts';
import type { Weight } from './settlement.ts';

const address = fc.integer({ min: 1, max: 30 }).map((n) => `0x${n.toString(16).padStart(40, '0')}` as Address);
const rows = fc.array(
  fc.record({
    bucket: fc.constantFrom(...BUCKETS),
    contributor: address,
    weight: fc.bigInt({ min: 0n, max: 10n ** 24n }),
  }),
  { maxLength: 80 },
);
const carried = fc.record(Object.fromEntries(BUCKETS.map((b) => [b, fc.bigInt({ min: 0n, max: 10n ** 20n })])));

function ledger(entries: readonly { bucket: Bucket; contributor: Address; weight: bigint }[]) {
  const weights = Object.fromEntries(BUCKETS.map((b) => [b, [] as Weight[]])) as Record<Bucket, Weight[]>;
  for (const { bucket, contributor, weight } of entries) weights[bucket].push({ contributor, weight });
  return weights;
}

describe('settling an epoch from its ledger (properties over random ledgers)', () => {
  it('pays every bucket its emission plus what it carried in, to the wei, and the claims add up to the total', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6000 }), rows, carried, (epoch, entries, carriedIn) => {
        const { settlement, tree } = computeEpochSettlement(DEFAULT_SCHEDULE, epoch, ledger(entries), carriedIn);
        for (const [i, b] of settlement.buckets.entries()) {
          const schedule = DEFAULT_SCHEDULE.buckets[i];
          expect(b.emitted).toBe(
            emittedBetween(
              DEFAULT_SCHEDULE,
              schedule as never,
              dayStart(DEFAULT_SCHEDULE, epoch),
              dayStart(DEFAULT_SCHEDULE, epoch + 1),
            ),
          );
          expect(b.carriedIn).toBe(carriedIn[b.bucket]);
          expect(b.paid + b.carriedOut).toBe(b.emitted + b.carriedIn);
          expect(b.payouts.reduce((sum, p) => sum + p.amount, 0n)).toBe(b.paid);
          // Nobody with weight in the bucket: everything carries on.
          if (!entries.some((e) => e.bucket === b.bucket && e.weight > 0n)) expect(b.paid).toBe(0n);
        }
        const paid = settlement.buckets.reduce((sum, b) => sum + b.paid, 0n);
        expect(settlement.claims.reduce((sum, c) => sum + c.amount, 0n)).toBe(paid);
        expect(settlement.total).toBe(paid);
        // Only contributors with weight are paid; each once, with a proof of the root.
        const weighted = new Set(entries.filter((e) => e.weight > 0n).map((e) => e.contributor));
        for (const claim of settlement.claims) {
          expect(weighted.has(claim.account)).toBe(true);
          expect(verifyProof(claim, tree?.proof(claim.index) ?? [], settlement.root as `0x${string}`)).toBe(true);
        }
        expect(new Set(settlement.claims.map((c) => c.account)).size).toBe(settlement.claims.length);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same bytes and digest for the same ledger in any order', () => {
    fc.assert(
      fc.property(rows, carried, fc.integer(), (entries, carriedIn, seed) => {
        const shuffled = entries
          .map((row) => ({ row, key: hash(row, seed) }))
          .sort((a, b) => a.key - b.key)
          .map(({ row }) => row);
        const one = computeEpochSettlement(DEFAULT_SCHEDULE, 42, ledger(entries), carriedIn).settlement;
        const two = computeEpochSettlement(DEFAULT_SCHEDULE, 42, ledger(shuffled), carriedIn).settlement;
        expect(canonicalJson(two)).toBe(canonicalJson(one));
        expect(settlementDigest(two)).toBe(settlementDigest(one));
      }),
      { numRuns: 200 },
    );
  });
});

/** An order for the shuffle that depends on the seed and the row. */
function hash(row: { contributor: string; weight: bigint; bucket: string }, seed: number): number {
  let h = seed | 0;
  for (const ch of `${row.bucket}${row.contributor}${row.weight}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h;
}
