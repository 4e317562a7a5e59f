import { type Db, migrate } from '../common/database.ts';

/** smart-accounts' tables. Append new migrations; never edit a released one. */
export const SMART_ACCOUNTS_MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE owner_keys (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    address TEXT NOT NULL,
    -- scrypt parameters and salt, AES-256-GCM iv, ciphertext and tag: the key never sits here in clear.
    kdf TEXT NOT NULL,
    salt BLOB NOT NULL,
    iv BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    tag BLOB NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE executions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    plan_id TEXT,
    idempotency_key TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    calls TEXT NOT NULL,
    user_operation TEXT,
    user_op_hash TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'reverted', 'failed', 'dropped')),
    tx_hash TEXT,
    gas_used TEXT,
    fee_paid TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- One confirmation, one execution: the second execute with a key finds the first record.
    UNIQUE (user_id, idempotency_key)
  );
  CREATE INDEX executions_by_status ON executions (status);`,
  // Whether the signed operation left for the bundler ('no' only when certain), and the block before
  // it was sent (where reconciliation starts reading the EntryPoint's logs). Records from before:
  // unsigned ones sent nothing; landed or dropped ones reached the bundler; any other signed one may
  // have. A send that failed with no clear answer ("failed while sending": a reset, a 502) was
  // recorded failed although the bundler may have taken it: it is reopened for reconciliation.
  `ALTER TABLE executions ADD COLUMN sent TEXT CHECK (sent IN ('no', 'unknown', 'yes'));
  ALTER TABLE executions ADD COLUMN from_block INTEGER;
  UPDATE executions SET sent = CASE
    WHEN user_op_hash IS NULL THEN 'no'
    WHEN status IN ('succeeded', 'reverted', 'dropped') THEN 'yes'
    ELSE 'unknown' END;
  UPDATE executions SET status = 'submitted'
    WHERE status = 'failed' AND user_op_hash IS NOT NULL AND error LIKE '%failed while sending%';`,
  // Which account a user's owner key drives: a SimpleAccount from the factory (every user so far), or
  // the owner's own address delegated to Simple7702Account (EIP-7702). And for an execution the
  // address sent itself as one transaction (7702 with no bundler): the signed transaction, written
  // before it is sent (its hash goes in tx_hash then), which is what reconciliation settles it by.
  `ALTER TABLE users ADD COLUMN account_mode TEXT NOT NULL DEFAULT 'simple-account'
    CHECK (account_mode IN ('simple-account', 'eip7702'));
  ALTER TABLE executions ADD COLUMN signed_transaction TEXT;`,
  // In eip7702 mode, which contract the address delegates to: Simple7702Account (every such user so
  // far), or MetaMask's EIP-7702 DeleGator, which can grant delegations with caveats.
  `ALTER TABLE users ADD COLUMN eip7702_implementation TEXT NOT NULL DEFAULT 'simple7702'
    CHECK (eip7702_implementation IN ('simple7702', 'delegator'));`,
  // Across deposits an execution made (bridge-deposits.ts): one row per deposit, keyed as Across keys
  // it (origin chain, deposit id), so reading the same receipt again never makes a second; its status
  // follows both chains until it is final (filled there, or refunded here).
  `CREATE TABLE bridge_deposits (
    origin_chain_id INTEGER NOT NULL,
    deposit_id TEXT NOT NULL,
    execution_id TEXT NOT NULL REFERENCES executions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    destination_chain_id INTEGER NOT NULL,
    deposit TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'filled', 'expired', 'refunded')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (origin_chain_id, deposit_id)
  );
  CREATE INDEX bridge_deposits_by_user ON bridge_deposits (user_id, status);`,
  // What runs on the destination once a bridge's deposit is filled there (bridge-continuations.ts):
  // written before the bridge is sent, keyed to the execution that makes the deposit; run once, as an
  // execution of its own with the key `continuation:<id>`.
  `CREATE TABLE bridge_continuations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    plan_id TEXT,
    after_execution_id TEXT NOT NULL,
    destination_chain_id INTEGER NOT NULL,
    calls TEXT NOT NULL,
    spends TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'executed', 'abandoned')),
    execution_id TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX bridge_continuations_waiting ON bridge_continuations (user_id, status);`,
  // How many times a leg was tried and certainly not sent (a bundler that did not answer): each try
  // is an execution of its own, keyed `continuation:<id>` then `continuation:<id>:<attempt>`.
  `ALTER TABLE bridge_continuations ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;`,
  // The account the leg was built and previewed for: it runs from that account or not at all (a user
  // who changed account mode since, with \`sextant account upgrade\`, has another one).
  `ALTER TABLE bridge_continuations ADD COLUMN account TEXT;`,
  // When the leg may run unvetted code: the tokens its guard watches (JSON), all the account held on the
  // destination at the preview; the leg does not run once the account holds another (unwatched-holdings.ts).
  `ALTER TABLE bridge_continuations ADD COLUMN watches_holdings TEXT;`,
  // An execution that may run unvetted code, whose guard watches only what the account held at its
  // preview: nothing else of the account starts while it is on its way (agent-core/plan/runs-alone.ts).
  `ALTER TABLE executions ADD COLUMN runs_alone INTEGER NOT NULL DEFAULT 0;`,
];

export function migrateSmartAccounts(db: Db): void {
  migrate(db, 'smart-accounts', SMART_ACCOUNTS_MIGRATIONS);
}
