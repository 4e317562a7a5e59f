import { type Address, type Hex, toHex } from 'viem';
import type { Db } from '../common/database.ts';
import { EmissionsError } from './config.ts';
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
 * Stores a settlement in one transaction: the epoch, every bucket's split and payouts, every claim,
 * and the Merkle tree's levels, from which any claim's proof is read back (`proofOf`). Refuses an
 * epoch already stored (a settlement is final once written).
 */
export function saveSettlement(
  db: Db,
  settlement: EpochSettlement,
  tree: MerkleDistributionTree | null,
  /** The last settled epoch the settlement carried from (null: none); checked again inside the transaction. */
  carriedFrom?: number | null,
): EpochRecord {
  const now = new Date().toISOString();
  const insertBucket = db.prepare(
    'INSERT INTO emission_bucket_settlements (epoch, bucket, emitted, carried_in, paid, carried_out, contributors, payouts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertClaim = db.prepare(
    'INSERT INTO emission_claims (epoch, claim_index, account, amount) VALUES (?, ?, ?, ?)',
  );
  const insertNodes = db.prepare('INSERT INTO emission_tree_nodes (epoch, level, chunk, nodes) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    if (carriedFrom !== undefined) {
      const latest = latestEpoch(db)?.epoch ?? null;
      if (latest !== carriedFrom) {
        throw new EmissionsError(
          `Epoch ${latest} was settled while epoch ${settlement.epoch} was being computed from epoch ${carriedFrom ?? '(none)'}'s carry; nothing was stored.`,
          { hint: 'Run settle again: it starts from the epoch settled last.' },
        );
      }
    }
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
        packPayouts(b.payouts),
      );
    }
    for (const claim of settlement.claims) {
      insertClaim.run(settlement.epoch, claim.index, claim.account.toLowerCase(), claim.amount.toString());
    }
    // Every proof, as the tree's levels: each node stored once.
    tree?.layers.forEach((layer, level) => {
      for (let chunk = 0; chunk * CHUNK_BYTES < layer.length; chunk++) {
        const nodes = layer.subarray(chunk * CHUNK_BYTES, (chunk + 1) * CHUNK_BYTES);
        insertNodes.run(settlement.epoch, level, chunk, Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength));
      }
    });
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

/** A bucket's payouts for the epoch, in address order, as stored. */
export function storedPayouts(db: Db, epoch: number, bucket: Bucket): Payout[] {
  const row = db
    .prepare('SELECT payouts FROM emission_bucket_settlements WHERE epoch = ? AND bucket = ?')
    .get(epoch, bucket) as { payouts: Buffer } | undefined;
  return row ? unpackPayouts(row.payouts) : [];
}

/** A bucket's largest payouts, largest first (ties in address order). */
export function topPayouts(db: Db, epoch: number, bucket: Bucket, limit?: number): Payout[] {
  const payouts = storedPayouts(db, epoch, bucket);
  payouts.sort((a, b) =>
    a.amount === b.amount ? (a.contributor < b.contributor ? -1 : 1) : a.amount > b.amount ? -1 : 1,
  );
  return limit === undefined ? payouts : payouts.slice(0, limit);
}

type Payout = { contributor: Address; amount: bigint };

/** 52 bytes a payout: the address, then the amount as a 256-bit big-endian integer. */
const PAYOUT_BYTES = 52;

function packPayouts(payouts: readonly Payout[]): Buffer {
  const packed = Buffer.alloc(payouts.length * PAYOUT_BYTES);
  payouts.forEach((payout, i) => {
    const at = i * PAYOUT_BYTES;
    packed.write(payout.contributor.slice(2), at, 20, 'hex');
    packed.write(payout.amount.toString(16).padStart(64, '0'), at + 20, 32, 'hex');
  });
  return packed;
}

function unpackPayouts(packed: Buffer): Payout[] {
  const payouts: Payout[] = [];
  for (let at = 0; at + PAYOUT_BYTES <= packed.length; at += PAYOUT_BYTES) {
    payouts.push({
      contributor: `0x${packed.toString('hex', at, at + 20)}` as Address,
      amount: BigInt(`0x${packed.toString('hex', at + 20, at + PAYOUT_BYTES)}`),
    });
  }
  return payouts;
}

/**
 * An account's claims in every epoch whose distributor is deployed and funded, optionally only those
 * distributed on one chain in one reward token.
 */
export function distributedClaimsOf(
  db: Db,
  account: Address,
  where: { chainId?: number; rewardToken?: Address } = {},
): (StoredClaim & { distributor: Address; rewardToken: Address; root: Hex })[] {
  const rows = db
    .prepare(
      `SELECT c.*, e.distributor, e.reward_token, e.root FROM emission_claims c JOIN emission_epochs e ON e.epoch = c.epoch
       WHERE c.account = ? AND e.status = 'distributed'
         AND (? IS NULL OR e.chain_id = ?) AND (? IS NULL OR lower(e.reward_token) = ?)
       ORDER BY c.epoch`,
    )
    .all(
      account.toLowerCase(),
      where.chainId ?? null,
      where.chainId ?? null,
      where.rewardToken?.toLowerCase() ?? null,
      where.rewardToken?.toLowerCase() ?? null,
    ) as (ClaimRow & { distributor: Address; reward_token: Address; root: Hex })[];
  return rows.map((row) => ({
    ...toClaim(db, row),
    distributor: row.distributor,
    rewardToken: row.reward_token,
    root: row.root,
  }));
}

/** An account's claim in one settled epoch, with its proof; undefined when the epoch pays it nothing. */
export function claimOf(db: Db, epoch: number, account: Address): StoredClaim | undefined {
  const row = db
    .prepare('SELECT * FROM emission_claims WHERE epoch = ? AND account = ?')
    .get(epoch, account.toLowerCase()) as ClaimRow | undefined;
  return row ? toClaim(db, row) : undefined;
}

export function storedClaims(db: Db, epoch: number): StoredClaim[] {
  const rows = db
    .prepare('SELECT * FROM emission_claims WHERE epoch = ? ORDER BY claim_index')
    .all(epoch) as ClaimRow[];
  return rows.map((row) => toClaim(db, row));
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
    payouts: storedPayouts(db, epoch, b.bucket),
  }));
  const claims = (
    db
      .prepare('SELECT claim_index, account, amount FROM emission_claims WHERE epoch = ? ORDER BY claim_index')
      .all(epoch) as ClaimRow[]
  ).map((row) => ({ index: row.claim_index, account: row.account, amount: BigInt(row.amount) }));
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

/** Nodes per stored chunk of a tree level: 4096 × 32 bytes, so a proof reads one small row a level. */
const CHUNK_NODES = 4096;
const CHUNK_BYTES = CHUNK_NODES * 32;

/**
 * A claim's Merkle proof, read from the stored tree: at each level the sibling of the node on the
 * claim's path, when it has one (an odd node is carried up without a sibling), leaf upwards.
 */
export function proofOf(db: Db, epoch: number, index: number): Hex[] {
  const levels = (
    db.prepare('SELECT COUNT(DISTINCT level) AS levels FROM emission_tree_nodes WHERE epoch = ?').get(epoch) as {
      levels: number;
    }
  ).levels;
  const read = db.prepare('SELECT nodes FROM emission_tree_nodes WHERE epoch = ? AND level = ? AND chunk = ?');
  const proof: Hex[] = [];
  let position = index;
  for (let level = 0; level < levels - 1; level++) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    const row = read.get(epoch, level, Math.floor(sibling / CHUNK_NODES)) as { nodes: Buffer } | undefined;
    const offset = (sibling % CHUNK_NODES) * 32;
    if (row && offset + 32 <= row.nodes.length) proof.push(toHex(row.nodes.subarray(offset, offset + 32)));
    position = Math.floor(position / 2);
  }
  return proof;
}

type ClaimRow = { epoch: number; claim_index: number; account: Address; amount: string };

function toClaim(db: Db, row: ClaimRow): StoredClaim {
  return {
    epoch: row.epoch,
    index: row.claim_index,
    account: row.account,
    amount: BigInt(row.amount),
    proof: proofOf(db, row.epoch, row.claim_index),
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

/**
 * Stores a signed distribution transaction for a step if none is stored yet; false when another run
 * stored one first (then that one is the step's transaction, and this one must never be sent).
 */
export function reserveDistributionTransaction(
  db: Db,
  epoch: number,
  step: 'deploy' | 'fund',
  hash: Hex,
  raw: Hex,
): boolean {
  const [tx, rawColumn] = step === 'deploy' ? ['deploy_tx', 'deploy_raw'] : ['fund_tx', 'fund_raw'];
  const changed = db
    .prepare(`UPDATE emission_epochs SET ${tx} = ?, ${rawColumn} = ?, updated_at = ? WHERE epoch = ? AND ${tx} IS NULL`)
    .run(hash, raw, new Date().toISOString(), epoch).changes;
  return changed === 1;
}

/** Forgets a step's stored transaction, if it is still `hash` (it reverted, or can never be mined). */
export function releaseDistributionTransaction(db: Db, epoch: number, step: 'deploy' | 'fund', hash: Hex): void {
  const [tx, rawColumn] = step === 'deploy' ? ['deploy_tx', 'deploy_raw'] : ['fund_tx', 'fund_raw'];
  db.prepare(
    `UPDATE emission_epochs SET ${tx} = NULL, ${rawColumn} = NULL, updated_at = ? WHERE epoch = ? AND ${tx} = ?`,
  ).run(new Date().toISOString(), epoch, hash);
}
