import { type Db, migrate } from '../common/database.ts';
import { migrateOrders } from './orders/migrations.ts';

/** agent-core's tables: policies, the address book, conversations and plans. Append; never edit a released one. */
const MIGRATIONS = [
  `CREATE TABLE agent_policies (
    user_id TEXT PRIMARY KEY,
    max_plan_usd REAL NOT NULL,
    max_daily_usd REAL NOT NULL,
    max_slippage_bps INTEGER NOT NULL,
    confirm_new_recipients INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE agent_address_book (
    user_id TEXT NOT NULL,
    label TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, label)
  );
  CREATE TABLE agent_conversations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE agent_turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES agent_conversations(id),
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL,
    -- assistant turns: what kind of answer, and for a clarify the intents understood so far.
    kind TEXT,
    pending TEXT,
    plan_id TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE agent_plans (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    conversation_id TEXT,
    message TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'refused', 'confirmed', 'cancelled', 'expired')),
    chain_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    intents TEXT NOT NULL,
    steps TEXT NOT NULL,
    calls TEXT NOT NULL,
    preview TEXT NOT NULL,
    value_usd REAL NOT NULL,
    new_recipients TEXT NOT NULL,
    refusal TEXT,
    execution_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX agent_plans_user ON agent_plans (user_id, created_at);`,
  // The front end or protocol endpoint a plan came in through: the referrer's payout address, which the
  // emissions' community bucket pays for the plan's execution (emissions/ledger/community.ts).
  'ALTER TABLE agent_plans ADD COLUMN referrer TEXT;',
  // The conversation history (GET /v1/conversations): a user's conversations, each one's turns and plans.
  `CREATE INDEX agent_conversations_user ON agent_conversations (user_id, created_at);
  CREATE INDEX agent_turns_conversation ON agent_turns (conversation_id, id);
  CREATE INDEX agent_plans_conversation ON agent_plans (conversation_id, created_at);`,
  // A plan that continues on another chain after a bridge: that leg's chain, steps and calls (JSON),
  // run there once the bridge is filled (smart-accounts/bridge-continuations.ts).
  'ALTER TABLE agent_plans ADD COLUMN destination TEXT;',
];

export function migrateAgentCore(db: Db): void {
  migrate(db, 'agent-core', MIGRATIONS);
  // The policy's daily limit counts standing orders' runs too (policy/spent-today.ts): their tables
  // exist wherever plans are judged.
  migrateOrders(db);
}
