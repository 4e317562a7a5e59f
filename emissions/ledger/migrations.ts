import { type Db, migrate } from '../../common/database.ts';

/** The emissions' tables. Append new migrations; never edit a released one. */
const MIGRATIONS = [
  `CREATE TABLE emission_contributions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    epoch INTEGER NOT NULL,
    bucket TEXT NOT NULL CHECK (bucket IN ('capital', 'code', 'compute', 'community', 'protection')),
    contributor TEXT NOT NULL,
    -- An integer (wei-like units of the bucket's measure), as text: it can exceed 2^53.
    weight TEXT NOT NULL,
    -- Where the row comes from, so every payout can be traced: e.g. ('execution-step', 'exec_…:0').
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (bucket, source_kind, source_id)
  );
  CREATE INDEX emission_contributions_epoch ON emission_contributions (epoch, bucket);`,
  `CREATE TABLE emission_epochs (
    epoch INTEGER PRIMARY KEY,
    period_from INTEGER NOT NULL,
    period_to INTEGER NOT NULL,
    root TEXT,
    total TEXT NOT NULL,
    claim_count INTEGER NOT NULL,
    -- sha256 of the settlement's canonical JSON: the same ledger always gives the same digest.
    digest TEXT NOT NULL,
    -- 'settled': computed and stored; 'distributed': the epoch's distributor is deployed and funded;
    -- 'nothing-to-pay': no contributions, everything carried on.
    status TEXT NOT NULL CHECK (status IN ('settled', 'distributed', 'nothing-to-pay')),
    chain_id INTEGER,
    reward_token TEXT,
    distributor TEXT,
    -- Each on-chain step's signed transaction is stored before it is broadcast, so an interrupted
    -- settlement resumes by re-sending the same transaction, never by signing a second one.
    deploy_tx TEXT,
    deploy_raw TEXT,
    fund_tx TEXT,
    fund_raw TEXT,
    settled_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE emission_bucket_settlements (
    epoch INTEGER NOT NULL REFERENCES emission_epochs (epoch),
    bucket TEXT NOT NULL,
    emitted TEXT NOT NULL,
    carried_in TEXT NOT NULL,
    paid TEXT NOT NULL,
    carried_out TEXT NOT NULL,
    contributors INTEGER NOT NULL,
    PRIMARY KEY (epoch, bucket)
  );
  CREATE TABLE emission_bucket_payouts (
    epoch INTEGER NOT NULL REFERENCES emission_epochs (epoch),
    bucket TEXT NOT NULL,
    contributor TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (epoch, bucket, contributor)
  );
  CREATE TABLE emission_claims (
    epoch INTEGER NOT NULL REFERENCES emission_epochs (epoch),
    claim_index INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount TEXT NOT NULL,
    -- The Merkle proof: its 32-byte hashes as one hex string, 64 characters each, leaf upwards.
    proof TEXT NOT NULL,
    PRIMARY KEY (epoch, claim_index)
  );
  CREATE INDEX emission_claims_account ON emission_claims (account);`,
  // Proofs as the tree itself: every node once, in chunks of 4096 nodes (128 KiB), 64 bytes a claim
  // in all instead of a proof of ~20 hashes a claim. Any claim's proof is read back from its levels.
  `CREATE TABLE emission_tree_nodes (
    epoch INTEGER NOT NULL REFERENCES emission_epochs (epoch),
    level INTEGER NOT NULL,
    chunk INTEGER NOT NULL,
    nodes BLOB NOT NULL,
    PRIMARY KEY (epoch, level, chunk)
  );
  ALTER TABLE emission_claims DROP COLUMN proof;
  -- A bucket's payouts as one packed value (20-byte address + 32-byte amount each, in address order):
  -- a million rows cost seconds to insert, the packed form a fraction of one. (Migration 2 was never
  -- released with data, so its rows are not carried over.)
  ALTER TABLE emission_bucket_settlements ADD COLUMN payouts BLOB NOT NULL DEFAULT x'';
  DROP TABLE emission_bucket_payouts;`,
];

export function migrateEmissions(db: Db): void {
  migrate(db, 'emissions', MIGRATIONS);
}
