import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import { migrateRouter } from '../../router/migrations.ts';
import { recordTestReceipt } from '../../router/testing/receipts.ts';
import { DEFAULT_SCHEDULE, dayStart } from '../schedule.ts';
import { splitBucket } from '../settlement.ts';
import { collectComputeContributions } from './compute.ts';
import { bucketWeights, recordContributions } from './ledger.ts';
import { migrateEmissions } from './migrations.ts';

const alice = '0x00000000000000000000000000000000000a11ce' as Address;
const bob = '0x0000000000000000000000000000000000000b0b' as Address;
describe('the compute bucket', () => {
  it("counts the router's accepted receipts in the epoch by tokens served, each traceable to its request", () => {
    const db = openDatabase(databasePath(mkdtempSync(join(tmpdir(), 'sextant-compute-'))));
    migrateRouter(db);
    migrateEmissions(db);
    const epoch = 10;
    const inEpoch = new Date((dayStart(DEFAULT_SCHEDULE, epoch) + 3600) * 1000);
    const first = recordTestReceipt(db, 1, alice, [100, 300], true, inEpoch);
    const second = recordTestReceipt(db, 2, bob, [50, 50], true, inEpoch);
    recordTestReceipt(db, 3, bob, [10, 9999], false, inEpoch); // rejected: inflated
    recordTestReceipt(db, 4, alice, [1, 1], true, new Date((dayStart(DEFAULT_SCHEDULE, epoch + 1) + 1) * 1000)); // next epoch

    const rows = collectComputeContributions(db, DEFAULT_SCHEDULE, epoch);
    expect(rows.map((r) => [r.contributor, r.weight, r.sourceId])).toEqual(
      [
        [alice, 400n, first],
        [bob, 100n, second],
      ].sort((a, b) => ((a[2] as string) < (b[2] as string) ? -1 : 1)),
    );
    expect(recordContributions(db, rows)).toBe(2);
    expect(recordContributions(db, rows)).toBe(0);
    const split = splitBucket(1000n, bucketWeights(db, epoch, 'compute'));
    // In address order: 0x…0b0b before 0x…a11ce.
    expect(split.payouts).toEqual([
      { contributor: bob.toLowerCase(), amount: 200n },
      { contributor: alice.toLowerCase(), amount: 800n },
    ]);
  });
});
