import { type Db, migrate } from '../common/database.ts';

/**
 * The router's tables. Append new migrations; never edit a released one.
 *
 * `router_receipts` is also an interface: its accepted rows are the compute contributions that the
 * emissions module's compute bucket pays out. Read them through `computeContributions` and
 * `listReceipts` (receipts.ts), not with SQL of your own, so this table can change without breaking
 * the reader. A row is never updated or deleted.
 *
 * Per-provider statistics (success rate, time to first token, throughput) live in memory
 * (stats.ts): they describe the last minutes, and a restarted router measures afresh. Quarantines
 * (quarantine.ts) are stored: a restart must not free a provider that forged its receipts, and
 * `sextant router providers` shows them from here.
 */
const MIGRATIONS = [
  `CREATE TABLE router_providers (
    -- Recovered from the registration's signature, never taken from the request.
    address TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    -- JSON array of model names.
    models TEXT NOT NULL,
    -- In the payment token's smallest unit (18 decimals), as decimal strings: a uint256 overflows SQLite's integers.
    price_per_m_tokens TEXT NOT NULL,
    stake TEXT NOT NULL,
    -- Unix milliseconds, signed: a registration is accepted only if newer than the last one and any deregistration.
    registered_at INTEGER NOT NULL,
    registration_signature TEXT NOT NULL,
    deregistered_at INTEGER,
    deregistration_signature TEXT
  );
  CREATE TABLE router_receipts (
    -- The router's id for one hop to one provider (bytes32 hex): what the provider signed over.
    request_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    consumer TEXT NOT NULL,
    model TEXT NOT NULL,
    -- What the provider claimed (zero when it sent no readable receipt).
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    ttft_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    signature TEXT NOT NULL,
    -- The provider's price when the request was served, so a later price change does not reprice it.
    price_per_m_tokens TEXT NOT NULL,
    -- What the router measured itself, for audit of its verdict.
    measured_completion_tokens INTEGER NOT NULL,
    measured_ttft_ms INTEGER NOT NULL,
    measured_duration_ms INTEGER NOT NULL,
    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    -- Why a receipt was rejected; NULL when accepted.
    reason TEXT,
    recorded_at TEXT NOT NULL
  );
  CREATE INDEX router_receipts_contributions ON router_receipts (accepted, recorded_at);
  CREATE INDEX router_receipts_provider ON router_receipts (provider, recorded_at);
  CREATE TRIGGER router_receipts_immutable BEFORE UPDATE ON router_receipts
  BEGIN SELECT RAISE(ABORT, 'a usage receipt is immutable'); END;
  CREATE TRIGGER router_receipts_undeletable BEFORE DELETE ON router_receipts
  BEGIN SELECT RAISE(ABORT, 'a usage receipt is immutable'); END;`,
  `CREATE TABLE router_quarantines (
    -- One row per provider: its current quarantine, or its last one.
    provider TEXT PRIMARY KEY,
    -- ISO timestamps: when it started, and until when the provider is not routed to.
    since TEXT NOT NULL,
    until TEXT NOT NULL,
    -- The rejected receipts in a row that started it, and the last one's reason.
    rejections INTEGER NOT NULL,
    reason TEXT NOT NULL,
    -- When an accepted receipt ended it (on probation, after until); NULL while it stands.
    lifted_at TEXT
  );`,
];

export function migrateRouter(db: Db): void {
  migrate(db, 'router', MIGRATIONS);
}
