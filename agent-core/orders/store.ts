import { randomBytes } from 'node:crypto';
import type { Address } from 'viem';
import type { Db } from '../../common/database.ts';
import type { Delegation } from '../../smart-accounts/delegations.ts';
import {
  type Call,
  type ExecutionRecord,
  getExecution,
  insertOrGetExecution,
} from '../../smart-accounts/executions.ts';
import type { ClaimRewardsGrant } from './claim-rewards-grant.ts';
import type { DailySwapGrant } from './daily-swap-grant.ts';
import { OrderError, OrderNotFoundError } from './errors.ts';
import type { RepayGuardGrant } from './repay-guard-grant.ts';

export type OrderStatus = 'proposed' | 'granting' | 'active' | 'paused' | 'cancelled' | 'finished' | 'stopped';

/** What every standing order has: who granted what to which agent key, and where it stands. */
type OrderCommon = {
  id: string;
  userId: string;
  chainId: number;
  account: Address;
  agent: Address;
  delegations: Delegation[];
  words: string;
  /** Wei the grant sends the agent key for its runs' gas. */
  agentGas: bigint;
  status: OrderStatus;
  statusReason: string | null;
  grantExecutionId: string | null;
  revokeExecutionId: string | null;
  createdAt: string;
  updatedAt: string;
};

/** A daily swap, or a price order (one swap when the pool's average price crosses). */
export type SwapOrder = OrderCommon & { kind: 'daily-swap' | 'price-swap'; terms: DailySwapGrant };
/** A position guard: one repayment of the user's own Aave debt when the health factor falls. */
export type RepayGuardOrder = OrderCommon & { kind: 'repay-guard'; terms: RepayGuardGrant };

/** A claim order: the user's emission rewards claimed as each epoch is distributed (no delegation). */
export type ClaimRewardsOrder = OrderCommon & { kind: 'claim-rewards'; terms: ClaimRewardsGrant };

/** A standing order: what the user granted, the delegations they signed, and where it stands. */
export type Order = SwapOrder | RepayGuardOrder | ClaimRewardsOrder;

/** What an order grants, by kind (narrows on `kind`, as Pick<Order, …> would not). */
export type OrderGrant =
  | Pick<SwapOrder, 'kind' | 'terms'>
  | Pick<RepayGuardOrder, 'kind' | 'terms'>
  | Pick<ClaimRewardsOrder, 'kind' | 'terms'>;

type Unwritten = 'createdAt' | 'updatedAt' | 'statusReason' | 'revokeExecutionId';
/** An order as it is first written: what the database fills in left out (kept per kind). */
export type NewOrder =
  | Omit<SwapOrder, Unwritten>
  | Omit<RepayGuardOrder, Unwritten>
  | Omit<ClaimRewardsOrder, Unwritten>;

/** One attempt at one period's run, with its execution record (the redemption the agent key sent). */
export type OrderRun = {
  orderId: string;
  period: number;
  attempt: number;
  executionId: string;
  valueUsd: number;
  retryAfter: number | null;
  createdAt: string;
};

/** Statuses in which an order can still change on its own (the runner looks at them). */
export const LIVE_ORDER_STATUSES: readonly OrderStatus[] = ['granting', 'active'];

export function newOrderId(): string {
  return `ord_${randomBytes(8).toString('hex')}`;
}

/** The order as a swap order (daily or price); an OrderError for any other kind. */
export function asSwapOrder(order: Order): SwapOrder {
  if (order.kind === 'daily-swap' || order.kind === 'price-swap') return order;
  throw new OrderError(`Order ${order.id} is ${KIND_NAMES[order.kind]}, not a swap.`);
}

/** The order as a position guard; an OrderError for any other kind. */
export function asRepayGuardOrder(order: Order): RepayGuardOrder {
  if (order.kind === 'repay-guard') return order;
  throw new OrderError(`Order ${order.id} is ${KIND_NAMES[order.kind]}, not a position guard.`);
}

/** The order as a claim order; an OrderError for any other kind. */
export function asClaimRewardsOrder(order: Order): ClaimRewardsOrder {
  if (order.kind === 'claim-rewards') return order;
  throw new OrderError(`Order ${order.id} is ${KIND_NAMES[order.kind]}, not a claim order.`);
}

/** Each kind as a sentence names it. */
export const KIND_NAMES: Record<Order['kind'], string> = {
  'daily-swap': 'a daily swap',
  'price-swap': 'a price order',
  'repay-guard': 'a position guard',
  'claim-rewards': 'a claim order',
};

export function insertOrder(db: Db, order: NewOrder): Order {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO orders (id, user_id, chain_id, account, agent, kind, terms, delegations, words, agent_gas, status,
       grant_execution_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    order.id,
    order.userId,
    order.chainId,
    order.account,
    order.agent,
    order.kind,
    toJson(order.terms),
    toJson(order.delegations),
    order.words,
    order.agentGas.toString(),
    order.status,
    order.grantExecutionId,
    now,
    now,
  );
  return getOrder(db, order.userId, order.id);
}

/** A user's order; another user's id is "not found", exactly as a missing one. */
export function getOrder(db: Db, userId: string, id: string): Order {
  const row = db.prepare('SELECT * FROM orders WHERE id = ? AND user_id = ?').get(id, userId) as Row | undefined;
  if (!row) {
    throw new OrderNotFoundError(`No order "${id}".`, { hint: 'List your orders with `sextant orders list`.' });
  }
  return fromRow(row);
}

export function listOrders(db: Db, userId: string): Order[] {
  const rows = db.prepare('SELECT * FROM orders WHERE user_id = ? ORDER BY created_at DESC').all(userId) as Row[];
  return rows.map(fromRow);
}

/** Every user's orders the runner looks at on this chain. */
export function liveOrders(db: Db, chainId: number): Order[] {
  const rows = db
    .prepare(
      `SELECT * FROM orders WHERE chain_id = ? AND status IN (${LIVE_ORDER_STATUSES.map(() => '?').join(', ')})
       ORDER BY created_at`,
    )
    .all(chainId, ...LIVE_ORDER_STATUSES) as Row[];
  return rows.map(fromRow);
}

/**
 * Moves the order to `status` only from one of `from` (false when it was elsewhere: another process
 * or the user moved it first), with the reason shown to the user.
 */
export function setOrderStatus(
  db: Db,
  id: string,
  status: OrderStatus,
  from: readonly OrderStatus[],
  changes: { reason?: string | null; revokeExecutionId?: string } = {},
): boolean {
  const result = db
    .prepare(
      `UPDATE orders SET status = ?, status_reason = ?, revoke_execution_id = COALESCE(?, revoke_execution_id),
         updated_at = ?
       WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
    )
    .run(status, changes.reason ?? null, changes.revokeExecutionId ?? null, new Date().toISOString(), id, ...from);
  return result.changes === 1;
}

/**
 * The confirmed grant: the delegations as the user signed them, and its execution (the approval and
 * the agent key's gas), written in the execution record's own SQLite transaction. Only from proposed.
 */
export function recordGrant(db: Db, orderId: string, delegations: readonly Delegation[], executionId: string): boolean {
  const result = db
    .prepare(
      `UPDATE orders SET status = 'granting', delegations = ?, grant_execution_id = ?, updated_at = ?
       WHERE id = ? AND status = 'proposed'`,
    )
    .run(toJson(delegations), executionId, new Date().toISOString(), orderId);
  return result.changes === 1;
}

/** The runs of an order, oldest first. */
export function orderRuns(db: Db, orderId: string): OrderRun[] {
  const rows = db
    .prepare('SELECT * FROM order_runs WHERE order_id = ? ORDER BY period, attempt')
    .all(orderId) as RunRow[];
  return rows.map(runFromRow);
}

/**
 * Starts an attempt at a period's run: its run row and its execution record (the redemption's
 * calls, from the user's account) are written in one SQLite transaction, keyed by order, period and
 * attempt, so the same attempt is never started twice and never half-recorded.
 */
export function insertRun(
  db: Db,
  order: Order,
  run: { period: number; attempt: number; valueUsd: number; calls: Call[] },
): { run: OrderRun; execution: ExecutionRecord; created: boolean } {
  const { record, created } = insertOrGetExecution(
    db,
    {
      userId: order.userId,
      idempotencyKey: `order:${order.id}:${run.period}:${run.attempt}`,
      chainId: order.chainId,
      account: order.account,
      calls: run.calls,
    },
    (tx, executionId) => {
      tx.prepare(
        `INSERT INTO order_runs (order_id, period, attempt, execution_id, value_usd, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(order.id, run.period, run.attempt, executionId, run.valueUsd, new Date().toISOString());
    },
  );
  const row = db
    .prepare('SELECT * FROM order_runs WHERE order_id = ? AND period = ? AND attempt = ?')
    .get(order.id, run.period, run.attempt) as RunRow;
  return { run: runFromRow(row), execution: record, created };
}

export function setRunRetryAfter(db: Db, run: OrderRun, retryAfter: number | null): void {
  db.prepare('UPDATE order_runs SET retry_after = ? WHERE order_id = ? AND period = ? AND attempt = ?').run(
    retryAfter,
    run.orderId,
    run.period,
    run.attempt,
  );
}

/** The run's execution record (the redemption as sent, and how it ended). */
export function runExecution(db: Db, order: Pick<Order, 'userId'>, run: OrderRun): ExecutionRecord {
  return getExecution(db, order.userId, run.executionId);
}

/**
 * USD that this user's order runs moved in the 24 hours before `now`: every attempt that may have
 * moved value (all but those that certainly sent nothing, or never landed), as the policy's daily
 * limit counts plans.
 */
export function orderRunsUsdSince(db: Db, userId: string, now = Date.now()): number {
  const since = new Date(now - 24 * 60 * 60 * 1000).toISOString();
  const row = db
    .prepare(
      `SELECT COALESCE(SUM(r.value_usd), 0) AS total FROM order_runs r
       JOIN orders o ON o.id = r.order_id
       JOIN executions e ON e.id = r.execution_id
       WHERE o.user_id = ? AND r.created_at >= ?
         AND NOT ((e.status = 'failed' AND e.sent = 'no') OR e.status IN ('dropped', 'reverted'))`,
    )
    .get(userId, since) as { total: number };
  return row.total;
}

type Row = {
  id: string;
  user_id: string;
  chain_id: number;
  account: Address;
  agent: Address;
  kind: Order['kind'];
  terms: string;
  delegations: string;
  words: string;
  agent_gas: string;
  status: OrderStatus;
  status_reason: string | null;
  grant_execution_id: string | null;
  revoke_execution_id: string | null;
  created_at: string;
  updated_at: string;
};

type RunRow = {
  order_id: string;
  period: number;
  attempt: number;
  execution_id: string;
  value_usd: number;
  retry_after: number | null;
  created_at: string;
};

function fromRow(row: Row): Order {
  return {
    id: row.id,
    userId: row.user_id,
    chainId: row.chain_id,
    account: row.account,
    agent: row.agent,
    ...kindAndTerms(row),
    delegations: fromJson<Delegation[]>(row.delegations),
    words: row.words,
    agentGas: BigInt(row.agent_gas),
    status: row.status,
    statusReason: row.status_reason,
    grantExecutionId: row.grant_execution_id,
    revokeExecutionId: row.revoke_execution_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function kindAndTerms(row: Row): OrderGrant {
  switch (row.kind) {
    case 'repay-guard':
      return { kind: row.kind, terms: fromJson<RepayGuardGrant>(row.terms) };
    case 'claim-rewards':
      return { kind: row.kind, terms: fromJson<ClaimRewardsGrant>(row.terms) };
    default:
      return { kind: row.kind, terms: fromJson<DailySwapGrant>(row.terms) };
  }
}

function runFromRow(row: RunRow): OrderRun {
  return {
    orderId: row.order_id,
    period: row.period,
    attempt: row.attempt,
    executionId: row.execution_id,
    valueUsd: row.value_usd,
    retryAfter: row.retry_after,
    createdAt: row.created_at,
  };
}

/** JSON with bigints as decimal strings tagged so they come back as bigints. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) =>
    v && typeof v === 'object' && typeof v.$bigint === 'string' ? BigInt(v.$bigint) : v,
  ) as T;
}
