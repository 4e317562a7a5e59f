import type { Address, Hex } from 'viem';
import type { Db } from '../common/database.ts';
import { canonicalJson, type EpochSettlement, settlementDigest } from './epoch.ts';
import type { MerkleDistributionTree } from './merkle.ts';
import type { Bucket } from './schedule.ts';

export type EpochStatus = 'settled' | 'distributed' | 'nothing-to-pay';

/** A settled epoch as stored: the settlement's summary and where its distribution stands on chain. */
export type EpochRecord = {
  epoch: number;
  from: number;
  to: number;
  root: Hex | null;
  total: bigint;
  claimCount: number;
  digest: string;
  status: EpochStatus;
  chainId: number | null;
  rewardToken: Address | null;
  distributor: Address | null;
  deployTx: Hex | null;
  deployRaw: Hex | null;
  fundTx: Hex | null;
  fundRaw: Hex | null;
  settledAt: string;
};

export type StoredBucket = {
  bucket: Bucket;
  emitted: bigint;
  carriedIn: bigint;
  paid: bigint;
  carriedOut: bigint;
  contributors: number;
};

export type StoredClaim = { epoch: number; index: number; account: Address; amount: bigint; proof: Hex[] };

type EpochRow = {
  epoch: number;
  period_from: number;
  period_to: number;
  root: Hex | null;
  total: string;
  claim_count: number;
  digest: string;
  status: EpochStatus;
  chain_id: number | null;
  reward_token: Address | null;
  distributor: Address | null;
  deploy_tx: Hex | null;
  deploy_raw: Hex | null;
  fund_tx: Hex | null;
  fund_raw: Hex | null;
  settled_at: string;
};

/**
 * Stores a settlement in one transaction: the epoch, every bucket's split and payouts, and every
 * claim with its proof. Refuses an epoch already stored (a settlement is final once written).
 */
export function saveSettlement(db: Db, settlement: EpochSettlement, tree: MerkleDistributionTree | null): EpochRecord {
  const now = new Date().toISOString();
  const insertBucket = db.prepare(
    'INSERT INTO emission_bucket_settlements (epoch, bucket, emitted, carried_in, paid, carried_out, contributors) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertPayout = db.prepare(
    'INSERT INTO emission_bucket_payouts (epoch, bucket, contributor, amount) VALUES (?, ?, ?, ?)',
  );
  const insertClaim = db.prepare(
    'INSERT INTO emission_claims (epoch, claim_index, account, amount, proof) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    db.prepare(
      `INSERT INTO emission_epochs (epoch, period_from, period_to, root, total, claim_count, digest, status, settled_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      settlement.epoch,
      settlement.from,
      settlement.to,
      settlement.root,
      settlement.total.toString(),
      settlement.claims.length,
      settlementDigest(settlement),
      settlement.claims.length > 0 ? 'settled' : 'nothing-to-pay',
      now,
      now,
    );
    for (const b of settlement.buckets) {
      insertBucket.run(
        settlement.epoch,
        b.bucket,
        b.emitted.toString(),
        b.carriedIn.toString(),
        b.paid.toString(),
        b.carriedOut.toString(),
        b.payouts.length,
      );
      for (const p of b.payouts) insertPayout.run(settlement.epoch, b.bucket, p.contributor, p.amount.toString());
    }
    for (const claim of settlement.claims) {
      const proof = (tree as MerkleDistributionTree).proof(claim.index);
      insertClaim.run(
        settlement.epoch,
        claim.index,
        claim.account.toLowerCase(),
        claim.amount.toString(),
        proof.map((hash) => hash.slice(2)).join(''),
      );
    }
  })();
  return getEpoch(db, settlement.epoch) as EpochRecord;
}

export function getEpoch(db: Db, epoch: number): EpochRecord | undefined {
  const row = db.prepare('SELECT * FROM emission_epochs WHERE epoch = ?').get(epoch) as EpochRow | undefined;
  return row && toRecord(row);
}

export function listEpochs(db: Db): EpochRecord[] {
  return (db.prepare('SELECT * FROM emission_epochs ORDER BY epoch').all() as EpochRow[]).map(toRecord);
}

/** The latest settled epoch (what the next one carries from), if any. */
export function latestEpoch(db: Db): EpochRecord | undefined {
  const row = db.prepare('SELECT * FROM emission_epochs ORDER BY epoch DESC LIMIT 1').get() as EpochRow | undefined;
  return row && toRecord(row);
}

export function storedBuckets(db: Db, epoch: number): StoredBucket[] {
  const rows = db.prepare('SELECT * FROM emission_bucket_settlements WHERE epoch = ? ORDER BY rowid').all(epoch) as {
    bucket: Bucket;
    emitted: string;
    carried_in: string;
    paid: string;
    carried_out: string;
    contributors: number;
  }[];
  return rows.map((r) => ({
    bucket: r.bucket,
    emitted: BigInt(r.emitted),
    carriedIn: BigInt(r.carried_in),
    paid: BigInt(r.paid),
    carriedOut: BigInt(r.carried_out),
    contributors: r.contributors,
  }));
}

/** A bucket's payouts for the epoch, largest first (ties in address order); `limit` for the top few. */
export function storedPayouts(
  db: Db,
  epoch: number,
  bucket: Bucket,
  limit?: number,
): { contributor: Address; amount: bigint }[] {
  const rows = db
    .prepare('SELECT contributor, amount FROM emission_bucket_payouts WHERE epoch = ? AND bucket = ?')
    .all(epoch, bucket) as { contributor: Address; amount: string }[];
  const payouts = rows.map((r) => ({ contributor: r.contributor, amount: BigInt(r.amount) }));
  payouts.sort((a, b) =>
    a.amount === b.amount ? (a.contributor < b.contributor ? -1 : 1) : a.amount > b.amount ? -1 : 1,
  );
  return limit === undefined ? payouts : payouts.slice(0, limit);
}

/** An account's claims in every epoch whose distributor is deployed and funded. */
export function distributedClaimsOf(db: Db, account: Address): (StoredClaim & { distributor: Address })[] {
  const rows = db
    .prepare(
      `SELECT c.*, e.distributor FROM emission_claims c JOIN emission_epochs e ON e.epoch = c.epoch
       WHERE c.account = ? AND e.status = 'distributed' ORDER BY c.epoch`,
    )
    .all(account.toLowerCase()) as (ClaimRow & { distributor: Address })[];
  return rows.map((row) => ({ ...toClaim(row), distributor: row.distributor }));
}

export function storedClaims(db: Db, epoch: number): StoredClaim[] {
  const rows = db
    .prepare('SELECT * FROM emission_claims WHERE epoch = ? ORDER BY claim_index')
    .all(epoch) as ClaimRow[];
  return rows.map(toClaim);
}

/** Records where the distribution stands; see the emission_epochs columns. */
export function updateDistribution(
  db: Db,
  epoch: number,
  fields: Partial<
    Pick<
      EpochRecord,
      'status' | 'chainId' | 'rewardToken' | 'distributor' | 'deployTx' | 'deployRaw' | 'fundTx' | 'fundRaw'
    >
  >,
): EpochRecord {
  const columns: Record<string, string> = {
    status: 'status',
    chainId: 'chain_id',
    rewardToken: 'reward_token',
    distributor: 'distributor',
    deployTx: 'deploy_tx',
    deployRaw: 'deploy_raw',
    fundTx: 'fund_tx',
    fundRaw: 'fund_raw',
  };
  const entries = Object.entries(fields).filter(([key]) => key in columns);
  if (entries.length > 0) {
    db.prepare(
      `UPDATE emission_epochs SET ${entries.map(([key]) => `${columns[key]} = ?`).join(', ')}, updated_at = ? WHERE epoch = ?`,
    ).run(...entries.map(([, value]) => value ?? null), new Date().toISOString(), epoch);
  }
  return getEpoch(db, epoch) as EpochRecord;
}

/** The stored settlement's canonical JSON, rebuilt from its rows (for checking determinism). */
export function storedSettlementJson(db: Db, epoch: number): string | undefined {
  const record = getEpoch(db, epoch);
  if (!record) return undefined;
  const buckets = storedBuckets(db, epoch).map((b) => ({
    bucket: b.bucket,
    emitted: b.emitted,
    carriedIn: b.carriedIn,
    paid: b.paid,
    carriedOut: b.carriedOut,
    payouts: db
      .prepare(
        'SELECT contributor, amount FROM emission_bucket_payouts WHERE epoch = ? AND bucket = ? ORDER BY contributor',
      )
      .all(epoch, b.bucket)
      .map((r) => {
        const row = r as { contributor: Address; amount: string };
        return { contributor: row.contributor, amount: BigInt(row.amount) };
      }),
  }));
  const claims = storedClaims(db, epoch).map(({ index, account, amount }) => ({ index, account, amount }));
  return canonicalJson({
    epoch,
    from: record.from,
    to: record.to,
    buckets,
    claims,
    root: record.root,
    total: record.total,
  });
}

type ClaimRow = { epoch: number; claim_index: number; account: Address; amount: string; proof: string };

function toClaim(row: ClaimRow): StoredClaim {
  return {
    epoch: row.epoch,
    index: row.claim_index,
    account: row.account,
    amount: BigInt(row.amount),
    proof: (row.proof.match(/.{64}/g) ?? []).map((hash) => `0x${hash}` as Hex),
  };
}

function toRecord(row: EpochRow): EpochRecord {
  return {
    epoch: row.epoch,
    from: row.period_from,
    to: row.period_to,
    root: row.root,
    total: BigInt(row.total),
    claimCount: row.claim_count,
    digest: row.digest,
    status: row.status,
    chainId: row.chain_id,
    rewardToken: row.reward_token,
    distributor: row.distributor,
    deployTx: row.deploy_tx,
    deployRaw: row.deploy_raw,
    fundTx: row.fund_tx,
    fundRaw: row.fund_raw,
    settledAt: row.settled_at,
  };
}
