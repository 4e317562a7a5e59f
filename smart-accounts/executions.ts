import { randomUUID } from 'node:crypto';
import type { Address, Hex } from 'viem';
import type { Db } from '../common/database.ts';
import { SmartAccountError } from './errors.ts';

export type Call = { to: Address; value?: bigint; data?: Hex };

export type ExecutionStatus = 'pending' | 'submitted' | 'succeeded' | 'reverted' | 'failed' | 'dropped';

/**
 * One confirmed request to execute, from the moment it is accepted to its end. `pending`: accepted,
 * nothing sent; `submitted`: the bundler has the signed UserOperation; then `succeeded` or `reverted`
 * (on chain), `failed` (never sent: refused, would revert, bundler down) or `dropped` (the bundler
 * let it go and it never landed).
 */
export type ExecutionRecord = {
  id: string;
  userId: string;
  planId: string | null;
  idempotencyKey: string;
  chainId: number;
  account: Address;
  calls: Call[];
  userOpHash: Hex | null;
  status: ExecutionStatus;
  txHash: Hex | null;
  gasUsed: bigint | null;
  feePaid: bigint | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
};

type Row = {
  id: string;
  user_id: string;
  plan_id: string | null;
  idempotency_key: string;
  chain_id: number;
  account: Address;
  calls: string;
  user_op_hash: Hex | null;
  status: ExecutionStatus;
  tx_hash: Hex | null;
  gas_used: string | null;
  fee_paid: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
};

/** Inserts a pending record, or returns the one this user's idempotency key already has. */
export function insertOrGetExecution(
  db: Db,
  fields: { userId: string; planId?: string; idempotencyKey: string; chainId: number; account: Address; calls: Call[] },
): { record: ExecutionRecord; created: boolean } {
  const now = new Date().toISOString();
  const id = randomUUID();
  const inserted = db
    .prepare(
      `INSERT OR IGNORE INTO executions
        (id, user_id, plan_id, idempotency_key, chain_id, account, calls, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    )
    .run(
      id,
      fields.userId,
      fields.planId ?? null,
      fields.idempotencyKey,
      fields.chainId,
      fields.account,
      serializeCalls(fields.calls),
      now,
      now,
    );
  const row = db
    .prepare('SELECT * FROM executions WHERE user_id = ? AND idempotency_key = ?')
    .get(fields.userId, fields.idempotencyKey) as Row;
  return { record: fromRow(row), created: inserted.changes === 1 };
}

/** A user's execution; another user's id is "not found", exactly as a missing one. */
export function getExecution(db: Db, userId: string, id: string): ExecutionRecord {
  const row = db.prepare('SELECT * FROM executions WHERE id = ? AND user_id = ?').get(id, userId) as Row | undefined;
  if (!row) throw new SmartAccountError(`No execution ${id} for user ${userId}.`);
  return fromRow(row);
}

export function listExecutions(db: Db, userId: string): ExecutionRecord[] {
  return (db.prepare('SELECT * FROM executions WHERE user_id = ? ORDER BY created_at DESC').all(userId) as Row[]).map(
    fromRow,
  );
}

/** Records with no final status yet, across users: what reconciliation looks at. */
export function unfinishedExecutions(db: Db): (ExecutionRecord & { userOperation: string | null })[] {
  return (
    db.prepare("SELECT * FROM executions WHERE status IN ('pending', 'submitted')").all() as (Row & {
      user_operation: string | null;
    })[]
  ).map((row) => ({ ...fromRow(row), userOperation: row.user_operation }));
}

export function updateExecution(
  db: Db,
  id: string,
  changes: Partial<{
    status: ExecutionStatus;
    userOperation: string;
    userOpHash: Hex;
    txHash: Hex;
    gasUsed: bigint;
    feePaid: bigint;
    error: string;
  }>,
): void {
  const columns: Record<string, unknown> = {
    status: changes.status,
    user_operation: changes.userOperation,
    user_op_hash: changes.userOpHash,
    tx_hash: changes.txHash,
    gas_used: changes.gasUsed?.toString(),
    fee_paid: changes.feePaid?.toString(),
    error: changes.error,
  };
  const set = Object.entries(columns).filter(([, value]) => value !== undefined);
  db.prepare(
    `UPDATE executions SET ${set.map(([column]) => `${column} = ?`).join(', ')}, updated_at = ? WHERE id = ?`,
  ).run(...set.map(([, value]) => value), new Date().toISOString(), id);
}

function serializeCalls(calls: Call[]): string {
  return JSON.stringify(
    calls.map((call) => ({ to: call.to, value: (call.value ?? 0n).toString(), data: call.data ?? '0x' })),
  );
}

function fromRow(row: Row): ExecutionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    planId: row.plan_id,
    idempotencyKey: row.idempotency_key,
    chainId: row.chain_id,
    account: row.account,
    calls: (JSON.parse(row.calls) as { to: Address; value: string; data: Hex }[]).map((call) => ({
      to: call.to,
      value: BigInt(call.value),
      data: call.data,
    })),
    userOpHash: row.user_op_hash,
    status: row.status,
    txHash: row.tx_hash,
    gasUsed: row.gas_used === null ? null : BigInt(row.gas_used),
    feePaid: row.fee_paid === null ? null : BigInt(row.fee_paid),
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Executions that succeeded with their last update in [from, to) (ISO times), across users: what the
 * emissions' code and community buckets count. Read-only.
 */
export function succeededExecutionsBetween(db: Db, from: string, to: string): ExecutionRecord[] {
  return (
    db
      .prepare("SELECT * FROM executions WHERE status = 'succeeded' AND updated_at >= ? AND updated_at < ? ORDER BY id")
      .all(from, to) as Row[]
  ).map(fromRow);
}
