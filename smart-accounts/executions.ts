import { randomUUID } from 'node:crypto';
import type { Address, Hex } from 'viem';
import type { Db } from '../common/database.ts';
import { SmartAccountError } from './errors.ts';

export type Call = { to: Address; value?: bigint; data?: Hex };

export type ExecutionStatus = 'pending' | 'submitted' | 'succeeded' | 'reverted' | 'failed' | 'dropped';

/** The statuses after which an execution never changes (the chat page keeps a copy: chat-ui/public/js/plan-card.js). */
export const FINAL_EXECUTION_STATUSES: ReadonlySet<ExecutionStatus> = new Set<ExecutionStatus>([
  'succeeded',
  'reverted',
  'failed',
  'dropped',
]);

/**
 * Whether the signed UserOperation left this process for the bundler: `no` (never signed, or the
 * connection was refused before anything was sent), `unknown` (the request may have reached the
 * bundler: no answer, a reset, a 5xx, a crash while sending) or `yes` (the bundler answered).
 */
export type SentState = 'no' | 'unknown' | 'yes';

/**
 * One confirmed request to execute, from the moment it is accepted to its end. `pending`: accepted,
 * being prepared; `submitted`: the signed UserOperation was sent and the bundler accepted it, or may
 * have (see `sent` and `error`): reconciliation settles it; then `succeeded` or `reverted` (on
 * chain), `failed` (the bundler refused it, or it was never sent: see `sent`) or `dropped` (its
 * nonce was used by another operation, so it can never land).
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
  sent: SentState;
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
  sent: SentState | null;
  from_block: number | null;
  tx_hash: Hex | null;
  gas_used: string | null;
  fee_paid: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
};

/**
 * True only when it is certain that nothing of this execution left Sextant: it failed before its
 * operation was signed, or before the request to send it could connect. Such an execution moved
 * nothing and never can (the signed operation, if any, exists only in this database), so its plan
 * may be tried again and it does not count toward a spending limit. Every other record may have
 * moved funds, or still may.
 */
export function nothingWasSent(record: Pick<ExecutionRecord, 'status' | 'sent'>): boolean {
  return record.status === 'failed' && record.sent === 'no';
}

/**
 * Inserts a pending record, or returns the one this user's idempotency key already has.
 * `onRecordCreated` runs in the same SQLite transaction as the insert, only when the record is new:
 * whatever it writes (a plan's execution id) exists if and only if the record does, even when the
 * process is killed the next instant.
 */
export function insertOrGetExecution(
  db: Db,
  fields: {
    userId: string;
    planId?: string | undefined;
    idempotencyKey: string;
    chainId: number;
    account: Address;
    calls: Call[];
    /** It may run unvetted code: nothing else of the account starts while it is on its way. */
    runsAlone?: boolean | undefined;
  },
  onRecordCreated?: (db: Db, executionId: string) => void,
): { record: ExecutionRecord; created: boolean } {
  const now = new Date().toISOString();
  const id = randomUUID();
  const created = db.transaction(() => {
    const inserted = db
      .prepare(
        `INSERT OR IGNORE INTO executions
          (id, user_id, plan_id, idempotency_key, chain_id, account, calls, status, sent, created_at, updated_at, runs_alone)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 'no', ?, ?, ?)`,
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
        fields.runsAlone ? 1 : 0,
      );
    if (inserted.changes !== 1) return false;
    onRecordCreated?.(db, id);
    return true;
  })();
  return { record: executionByKey(db, fields.userId, fields.idempotencyKey) as ExecutionRecord, created };
}

/** The user's execution with this idempotency key, if there is one. */
export function executionByKey(db: Db, userId: string, idempotencyKey: string): ExecutionRecord | undefined {
  const row = db
    .prepare('SELECT * FROM executions WHERE user_id = ? AND idempotency_key = ?')
    .get(userId, idempotencyKey) as Row | undefined;
  return row ? fromRow(row) : undefined;
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

export type UnfinishedExecution = ExecutionRecord & {
  /** The signed operation as sent (JSON-RPC form), once written ahead of sending. */
  userOperation: string | null;
  /** The latest block before it was sent: it cannot have landed earlier. */
  fromBlock: bigint | null;
  /** For an execution the account sent itself (7702 without a bundler): the signed transaction,
   *  written before it was sent; its hash is `txHash` from then on. */
  signedTransaction: Hex | null;
};

/**
 * The oldest record of `account` on `chainId` other than `exceptId` with no final status: an operation
 * that may still land. With `runsAlone`, only one recorded as running alone (it may run unvetted code:
 * agent-core/plan/runs-alone.ts).
 */
export function otherUnfinished(
  db: Db,
  chainId: number,
  account: Address,
  options: { exceptId?: string | undefined; runsAlone?: boolean } = {},
): ExecutionRecord | undefined {
  const row = db
    .prepare(
      `SELECT * FROM executions WHERE chain_id = ? AND lower(account) = lower(?) AND id != ?
         AND status IN ('pending', 'submitted') ${options.runsAlone ? 'AND runs_alone = 1' : ''}
       ORDER BY created_at LIMIT 1`,
    )
    .get(chainId, account, options.exceptId ?? '') as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Whether `account` has another record on `chainId` that may still land, so a new one must not take the same nonce. */
export function hasOtherUnfinished(db: Db, chainId: number, account: Address, exceptId: string): boolean {
  return otherUnfinished(db, chainId, account, { exceptId }) !== undefined;
}

/** Records with no final status yet, across users: what reconciliation looks at. */
export function unfinishedExecutions(db: Db): UnfinishedExecution[] {
  return (
    db
      .prepare("SELECT * FROM executions WHERE status IN ('pending', 'submitted') ORDER BY created_at")
      .all() as (Row & {
      user_operation: string | null;
      signed_transaction: Hex | null;
    })[]
  ).map((row) => ({
    ...fromRow(row),
    userOperation: row.user_operation,
    signedTransaction: row.signed_transaction,
    fromBlock: row.from_block === null ? null : BigInt(row.from_block),
  }));
}

type Changes = Partial<{
  status: ExecutionStatus;
  sent: SentState;
  userOperation: string;
  signedTransaction: Hex;
  userOpHash: Hex;
  fromBlock: bigint;
  txHash: Hex;
  gasUsed: bigint;
  feePaid: bigint;
  error: string | null;
}>;

/**
 * Changes a record. With `onlyIf`, only while its status is one of those: the one writer of a
 * transition wins (an execution and a reconciliation settling the same record; a reconciliation
 * failing a stale pending record while a slow execution would go on to send it). Returns whether
 * the record changed.
 */
export function updateExecution(db: Db, id: string, changes: Changes, onlyIf?: readonly ExecutionStatus[]): boolean {
  const columns: Record<string, unknown> = {
    status: changes.status,
    sent: changes.sent,
    user_operation: changes.userOperation,
    signed_transaction: changes.signedTransaction,
    user_op_hash: changes.userOpHash,
    from_block: changes.fromBlock === undefined ? undefined : Number(changes.fromBlock),
    tx_hash: changes.txHash,
    gas_used: changes.gasUsed?.toString(),
    fee_paid: changes.feePaid?.toString(),
    error: changes.error,
  };
  const set = Object.entries(columns).filter(([, value]) => value !== undefined);
  const guard = onlyIf ? ` AND status IN (${onlyIf.map(() => '?').join(', ')})` : '';
  return (
    db
      .prepare(
        `UPDATE executions SET ${set.map(([column]) => `${column} = ?`).join(', ')}, updated_at = ? WHERE id = ?${guard}`,
      )
      .run(...set.map(([, value]) => value), new Date().toISOString(), id, ...(onlyIf ?? [])).changes === 1
  );
}

/**
 * Closes a record interrupted before its operation was signed as failed, nothing sent, if it still is
 * that: pending with nothing written ahead (`sent` is still 'no'). A reconciliation read the record
 * earlier; meanwhile its execute may have written the signed operation and sent it, and then the
 * record must stay open for its receipt. Whether it closed it.
 */
export function closeInterrupted(db: Db, id: string): boolean {
  return (
    db
      .prepare(
        `UPDATE executions SET status = 'failed', sent = 'no', error = ?, updated_at = ?
         WHERE id = ? AND status = 'pending' AND sent = 'no'`,
      )
      .run('Interrupted before the operation was signed; nothing was sent.', new Date().toISOString(), id).changes === 1
  );
}

/** Statuses a record can still leave: the guard of every settling write. */
export const UNFINISHED: readonly ExecutionStatus[] = ['pending', 'submitted'];

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
    // Records from before the column existed are treated as unknown: never "nothing was sent" by default.
    sent: row.sent ?? 'unknown',
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
