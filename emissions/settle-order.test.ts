import { describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { computeEpochSettlement } from './epoch.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { BUCKETS, type Bucket, DEFAULT_SCHEDULE, dayStart } from './schedule.ts';
import { settleEpoch } from './settle.ts';
import type { Weight } from './settlement.ts';
import { saveSettlement, storedBuckets } from './store.ts';

const now = dayStart(DEFAULT_SCHEDULE, 10);
const settle = (db: ReturnType<typeof openDatabase>, epoch: number, allowGap = false) =>
  settleEpoch(db, { schedule: DEFAULT_SCHEDULE, epoch, now, collect: async () => [], allowGap });

describe('the order epochs settle in', () => {
  it('carries what nobody earned into the next epoch settled, and refuses a gap unless told', async () => {
    const db = openDatabase(':memory:');
    migrateEmissions(db);
    const first = await settle(db, 0);
    expect(first.record.status).toBe('nothing-to-pay');
    const carried = storedBuckets(db, 0);
    for (const b of carried) expect(b.carriedOut).toBe(b.emitted);

    await expect(settle(db, 2)).rejects.toThrow(/Epoch 1 is not settled: settling epoch 2 first would leave it unpaid/);
    await expect(settle(db, 5)).rejects.toThrow(/Epochs 1 to 4 are not settled/);
    await settle(db, 2, true);
    const second = storedBuckets(db, 2);
    for (const [i, b] of second.entries()) {
      expect(b.carriedIn).toBe(carried[i]?.carriedOut);
      expect(b.carriedOut).toBe(b.emitted + b.carriedIn);
    }
    await expect(settle(db, 1)).rejects.toThrow(/Epoch 2 is already settled; epochs settle in order/);
    await expect(settle(db, 11)).rejects.toThrow(/runs until .*; it can be settled once it is over/);
    // Settled is final: the same epoch again is the stored one.
    expect((await settle(db, 2)).created).toBe(false);
  });

  it('stores nothing when another epoch was settled while this one was computed from an older carry', () => {
    const db = openDatabase(':memory:');
    migrateEmissions(db);
    const empty = Object.fromEntries(BUCKETS.map((b) => [b, [] as Weight[]])) as Record<Bucket, Weight[]>;
    const zero = computeEpochSettlement(DEFAULT_SCHEDULE, 0, empty);
    saveSettlement(db, zero.settlement, zero.tree, null);
    // Epoch 1 was computed believing nothing was settled yet.
    const one = computeEpochSettlement(DEFAULT_SCHEDULE, 1, empty);
    expect(() => saveSettlement(db, one.settlement, one.tree, null)).toThrow(
      /was settled while epoch 1 was being computed/,
    );
    expect(saveSettlement(db, one.settlement, one.tree, 0).epoch).toBe(1);
  });
});
