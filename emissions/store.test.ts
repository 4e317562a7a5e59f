import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { canonicalJson, computeEpochSettlement } from './epoch.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { verifyProof } from './merkle.ts';
import { BUCKETS, type Bucket, DEFAULT_SCHEDULE } from './schedule.ts';
import type { Weight } from './settlement.ts';
import { getEpoch, proofOf, saveSettlement, storedClaims, storedSettlementJson } from './store.ts';

const contributor = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;

function settle(size: number) {
  const weights = Object.fromEntries(BUCKETS.map((b) => [b, [] as Weight[]])) as Record<Bucket, Weight[]>;
  for (let i = 1; i <= size; i++)
    weights[BUCKETS[i % 4] as Bucket].push({ contributor: contributor(i), weight: BigInt(i) });
  return computeEpochSettlement(DEFAULT_SCHEDULE, 3, weights);
}

describe('the settlement store', () => {
  it('gives back every proof from the stored tree, across chunk boundaries and odd levels', () => {
    // 5,001 claims: more than one 4096-node chunk at the leaves, and an odd node carried up at several levels.
    const { settlement, tree } = settle(5001);
    const db = openDatabase(':memory:');
    migrateEmissions(db);
    saveSettlement(db, settlement, tree);
    expect(getEpoch(db, 3)).toMatchObject({ root: settlement.root, claimCount: 5001, status: 'settled' });
    for (const index of [0, 1, 2, 4095, 4096, 4097, 4999, 5000]) {
      expect(proofOf(db, 3, index)).toEqual(tree?.proof(index));
    }
    const claims = storedClaims(db, 3);
    expect(claims).toHaveLength(5001);
    for (const claim of claims.filter((_, i) => i % 97 === 0 || i === 5000)) {
      expect(verifyProof(claim, claim.proof, settlement.root as `0x${string}`)).toBe(true);
    }
    expect(storedSettlementJson(db, 3)).toBe(canonicalJson(settlement));
    // Final: the same epoch cannot be stored twice.
    expect(() => saveSettlement(db, settlement, tree)).toThrow(/UNIQUE/);
  });

  it('stores an epoch nobody contributed to as nothing to pay, with no tree', () => {
    const { settlement, tree } = settle(0);
    expect(tree).toBeNull();
    const db = openDatabase(':memory:');
    migrateEmissions(db);
    expect(saveSettlement(db, settlement, tree)).toMatchObject({ status: 'nothing-to-pay', root: null, total: 0n });
    expect(storedClaims(db, 3)).toEqual([]);
  });
});

describe('the canonical form of a settlement', () => {
  it('is exactly JSON.stringify of the settlement with integers as decimal strings', () => {
    for (const size of [0, 1, 7, 3000]) {
      const { settlement } = settle(size);
      const plain = JSON.stringify(settlement, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
      expect(canonicalJson(settlement)).toBe(plain);
    }
  });
});
