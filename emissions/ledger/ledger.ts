import type { Address } from 'viem';
import type { Db } from '../../common/database.ts';
import type { Bucket } from '../schedule.ts';
import type { Weight } from '../settlement.ts';

/** One row of the contributions ledger, traceable to the record it was counted from. */
export type Contribution = {
  epoch: number;
  bucket: Bucket;
  contributor: Address;
  weight: bigint;
  sourceKind: string;
  sourceId: string;
};

/** Records contributions; a source already counted for its bucket is skipped, so collecting twice counts once. */
export function recordContributions(db: Db, rows: readonly Contribution[]): number {
  const insert = db.prepare(
    `INSERT INTO emission_contributions (epoch, bucket, contributor, weight, source_kind, source_id, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, source_kind, source_id) DO NOTHING`,
  );
  const now = new Date().toISOString();
  let added = 0;
  db.transaction(() => {
    for (const row of rows) {
      added += insert.run(
        row.epoch,
        row.bucket,
        row.contributor,
        row.weight.toString(),
        row.sourceKind,
        row.sourceId,
        now,
      ).changes;
    }
  })();
  return added;
}

/** A bucket's weights for an epoch, as settlement takes them. */
export function bucketWeights(db: Db, epoch: number, bucket: Bucket): Weight[] {
  const rows = db
    .prepare('SELECT contributor, weight FROM emission_contributions WHERE epoch = ? AND bucket = ? ORDER BY id')
    .all(epoch, bucket) as { contributor: Address; weight: string }[];
  return rows.map((row) => ({ contributor: row.contributor, weight: BigInt(row.weight) }));
}

export function contributionsOf(db: Db, epoch: number): Contribution[] {
  const rows = db.prepare('SELECT * FROM emission_contributions WHERE epoch = ? ORDER BY id').all(epoch) as {
    epoch: number;
    bucket: Bucket;
    contributor: Address;
    weight: string;
    source_kind: string;
    source_id: string;
  }[];
  return rows.map((r) => ({
    epoch: r.epoch,
    bucket: r.bucket,
    contributor: r.contributor,
    weight: BigInt(r.weight),
    sourceKind: r.source_kind,
    sourceId: r.source_id,
  }));
}
