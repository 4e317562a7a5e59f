import { type Db, migrate } from '../../common/database.ts';

/** Standing orders' tables. Append new migrations; never edit a released one. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    -- The user's own address (the delegator) and the agent key that redeems (the delegate).
    account TEXT NOT NULL,
    agent TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('daily-swap', 'price-swap', 'repay-guard')),
    -- What was granted (JSON, base units as decimal strings) and the delegations the user signed.
    terms TEXT NOT NULL,
    delegations TEXT NOT NULL,
    words TEXT NOT NULL,
    -- Wei the grant sends the agent key for the gas of its runs (decimal string).
    agent_gas TEXT NOT NULL,
    -- proposed: shown, not confirmed. granting: signed, the grant's transaction not yet landed.
    -- active/paused: the runner runs it (or not).
    -- cancelled: revoked on chain. finished: every period ran. stopped: the runner gave up (reason).
    status TEXT NOT NULL CHECK (status IN ('proposed', 'granting', 'active', 'paused', 'cancelled', 'finished', 'stopped')),
    status_reason TEXT,
    grant_execution_id TEXT,
    revoke_execution_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX orders_user ON orders (user_id, created_at);
  -- Each attempt at a period's run: its execution (executions table, idempotency key
  -- order:<id>:<period>:<attempt>) is written in the same SQLite transaction, so a run exists if and
  -- only if its execution record does, whatever kills the process.
  CREATE TABLE order_runs (
    order_id TEXT NOT NULL REFERENCES orders(id),
    period INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    execution_id TEXT NOT NULL,
    value_usd REAL NOT NULL,
    -- After a failure: not retried before this time (ms since the epoch).
    retry_after INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (order_id, period, attempt)
  );
  -- The agent key each user's orders are redeemed with, sealed with the user's passphrase like the
  -- owner key (smart-accounts/keystore.ts). What it can do is what the user's delegations allow.
  CREATE TABLE agent_keys (
    user_id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    kdf TEXT NOT NULL,
    salt BLOB NOT NULL,
    iv BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    tag BLOB NOT NULL,
    created_at TEXT NOT NULL
  );`,
  // A fourth kind, claim-rewards. SQLite cannot change a CHECK in place, so both tables are rebuilt
  // (order_runs too: its key refers to orders, and dropping orders under it would break that key),
  // the rows copied, and the new tables renamed into place (which renames the reference as well).
  `CREATE TABLE orders_v2 (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    agent TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('daily-swap', 'price-swap', 'repay-guard', 'claim-rewards')),
    terms TEXT NOT NULL,
    delegations TEXT NOT NULL,
    words TEXT NOT NULL,
    agent_gas TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'granting', 'active', 'paused', 'cancelled', 'finished', 'stopped')),
    status_reason TEXT,
    grant_execution_id TEXT,
    revoke_execution_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  INSERT INTO orders_v2 (id, user_id, chain_id, account, agent, kind, terms, delegations, words, agent_gas, status,
      status_reason, grant_execution_id, revoke_execution_id, created_at, updated_at)
    SELECT id, user_id, chain_id, account, agent, kind, terms, delegations, words, agent_gas, status,
      status_reason, grant_execution_id, revoke_execution_id, created_at, updated_at FROM orders;
  CREATE TABLE order_runs_v2 (
    order_id TEXT NOT NULL REFERENCES orders_v2(id),
    period INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    execution_id TEXT NOT NULL,
    value_usd REAL NOT NULL,
    retry_after INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (order_id, period, attempt)
  );
  INSERT INTO order_runs_v2 (order_id, period, attempt, execution_id, value_usd, retry_after, created_at)
    SELECT order_id, period, attempt, execution_id, value_usd, retry_after, created_at FROM order_runs;
  DROP TABLE order_runs;
  DROP TABLE orders;
  ALTER TABLE orders_v2 RENAME TO orders;
  ALTER TABLE order_runs_v2 RENAME TO order_runs;
  CREATE INDEX orders_user ON orders (user_id, created_at);`,
];

export function migrateOrders(db: Db): void {
  migrate(db, 'orders', MIGRATIONS);
}
