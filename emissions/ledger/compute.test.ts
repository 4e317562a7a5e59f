import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import type { MeasuredHop, ReceiptVerdict } from '../../router/receipt-check.ts';
import { recordReceipt } from '../../router/receipts.ts';
import { migrateRouter } from '../../router/schema.ts';
import { DEFAULT_SCHEDULE, dayStart } from '../schedule.ts';
import { splitBucket } from '../settlement.ts';
import { collectComputeContributions } from './compute.ts';
import { bucketWeights, recordContributions } from './ledger.ts';
import { migrateEmissions } from './schema.ts';

const alice = '0x00000000000000000000000000000000000a11ce' as Address;
const bob = '0x0000000000000000000000000000000000000b0b' as Address;
const consumer = '0x00000000000000000000000000000000000c0de0' as Address;

function receipt(
  db: ReturnType<typeof openDatabase>,
  n: number,
  provider: Address,
  tokens: [number, number],
  accepted: boolean,
  at: Date,
) {
  const requestId = keccak256(toHex(`request ${n}`)) as Hex;
  const hop: MeasuredHop = {
    requestId,
    provider,
    consumer,
    model: 'm',
    count: { chunks: tokens[1], bytes: tokens[1] * 4 },
    requestBytes: 100,
    ttftMs: 5,
    durationMs: 50,
  };
  const message = {
    requestId,
    provider,
    consumer,
    model: 'm',
    promptTokens: BigInt(tokens[0]),
    completionTokens: BigInt(tokens[1]),
    ttftMs: 5n,
    durationMs: 50n,
  };
  const verdict: ReceiptVerdict = accepted
    ? { accepted: true, receipt: message, signature: '0x01' }
    : { accepted: false, reason: 'claims more tokens than were streamed', receipt: message, signature: '0x01' };
  recordReceipt(db, hop, verdict, 10n ** 18n, () => at);
  return requestId;
}

describe('the compute bucket', () => {
  it("counts the router's accepted receipts in the epoch by tokens served, each traceable to its request", () => {
    const db = openDatabase(databasePath(mkdtempSync(join(tmpdir(), 'sextant-compute-'))));
    migrateRouter(db);
    migrateEmissions(db);
    const epoch = 10;
    const inEpoch = new Date((dayStart(DEFAULT_SCHEDULE, epoch) + 3600) * 1000);
    const first = receipt(db, 1, alice, [100, 300], true, inEpoch);
    const second = receipt(db, 2, bob, [50, 50], true, inEpoch);
    receipt(db, 3, bob, [10, 9999], false, inEpoch); // rejected: inflated
    receipt(db, 4, alice, [1, 1], true, new Date((dayStart(DEFAULT_SCHEDULE, epoch + 1) + 1) * 1000)); // next epoch

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
