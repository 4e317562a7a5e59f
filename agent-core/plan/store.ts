import { randomUUID } from 'node:crypto';
import type { Address, Hex } from 'viem';
import type { Db } from '../../common/database.ts';
import type { Intent } from '../intents/schema.ts';
import type { Preview } from './preview.ts';
import type { PlanStep } from './types.ts';

/** A plan's leg on the chain its bridge goes to. */
export type PlanDestination = {
  chainId: number;
  steps: PlanStep[];
  calls: { to: Address; value: bigint; data: Hex }[];
};

export type PlanStatus = 'proposed' | 'refused' | 'confirmed' | 'cancelled' | 'expired';

/** A plan as stored: what was asked, the steps, the exact calls, the preview the user saw. */
export type StoredPlan = {
  id: string;
  userId: string;
  conversationId: string | undefined;
  message: string;
  status: PlanStatus;
  chainId: number;
  account: Address;
  intents: Intent[];
  steps: PlanStep[];
  calls: { to: Address; value: bigint; data: Hex }[];
  /**
   * What the plan does on another chain once its bridge is filled there ("…and supply it to Aave
   * there"): that chain, the steps and the exact calls previewed there (inside that chain's guard).
   */
  destination?: PlanDestination | undefined;
  preview: Preview;
  valueUsd: number;
  newRecipients: Address[];
  refusal: string | undefined;
  executionId: string | undefined;
  /** The front end or protocol endpoint the request came in through (its payout address), if any. */
  referrer: Address | null;
  createdAt: string;
  expiresAt: string;
};

/** A plan is offered for this long; after that the chain has moved too far from its preview. */
export const PLAN_LIFETIME_MS = 10 * 60 * 1000;

const toJson = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v));
const fromJson = <T>(text: string): T =>
  JSON.parse(text, (_key, v) => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as T;

export function savePlan(db: Db, plan: Omit<StoredPlan, 'id' | 'createdAt' | 'expiresAt' | 'executionId'>): StoredPlan {
  const now = new Date();
  const stored: StoredPlan = {
    ...plan,
    id: `plan_${randomUUID()}`,
    executionId: undefined,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + PLAN_LIFETIME_MS).toISOString(),
  };
  db.prepare(
    `INSERT INTO agent_plans (id, user_id, conversation_id, message, status, chain_id, account, intents, steps, calls,
       preview, value_usd, new_recipients, refusal, execution_id, referrer, created_at, updated_at, expires_at, destination)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
  ).run(
    stored.id,
    stored.userId,
    stored.conversationId ?? null,
    stored.message,
    stored.status,
    stored.chainId,
    stored.account,
    toJson(stored.intents),
    toJson(stored.steps),
    toJson(stored.calls),
    toJson(stored.preview),
    stored.valueUsd,
    toJson(stored.newRecipients),
    stored.refusal ?? null,
    stored.referrer,
    stored.createdAt,
    stored.createdAt,
    stored.expiresAt,
    stored.destination ? toJson(stored.destination) : null,
  );
  return stored;
}

type PlanRow = {
  id: string;
  user_id: string;
  conversation_id: string | null;
  message: string;
  status: PlanStatus;
  chain_id: number;
  account: Address;
  intents: string;
  steps: string;
  calls: string;
  preview: string;
  value_usd: number;
  new_recipients: string;
  refusal: string | null;
  execution_id: string | null;
  referrer: Address | null;
  created_at: string;
  expires_at: string;
  destination: string | null;
};

function fromRow(row: PlanRow): StoredPlan {
  return {
    id: row.id,
    userId: row.user_id,
    conversationId: row.conversation_id ?? undefined,
    message: row.message,
    status: row.status,
    chainId: row.chain_id,
    account: row.account,
    intents: fromJson(row.intents),
    steps: fromJson(row.steps),
    calls: fromJson(row.calls),
    ...(row.destination ? { destination: fromJson<PlanDestination>(row.destination) } : {}),
    preview: fromJson(row.preview),
    valueUsd: row.value_usd,
    newRecipients: fromJson(row.new_recipients),
    refusal: row.refusal ?? undefined,
    executionId: row.execution_id ?? undefined,
    referrer: row.referrer,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** A user's plan; another user's plan id finds nothing. */
export function getPlan(db: Db, userId: string, id: string): StoredPlan | undefined {
  const row = db.prepare('SELECT * FROM agent_plans WHERE id = ? AND user_id = ?').get(id, userId) as
    | PlanRow
    | undefined;
  return row ? fromRow(row) : undefined;
}

/** Moves a plan from `from` to `to` only if it is still in `from`: the one winner of a race. */
export function transitionPlan(
  db: Db,
  id: string,
  from: PlanStatus,
  to: PlanStatus,
  fields: { executionId?: string; refusal?: string } = {},
): boolean {
  const result = db
    .prepare(
      `UPDATE agent_plans SET status = ?, updated_at = ?, execution_id = COALESCE(?, execution_id), refusal = COALESCE(?, refusal)
       WHERE id = ? AND status = ?`,
    )
    .run(to, new Date().toISOString(), fields.executionId ?? null, fields.refusal ?? null, id, from);
  return result.changes === 1;
}

export function setPlanExecution(db: Db, id: string, executionId: string): void {
  db.prepare('UPDATE agent_plans SET execution_id = ?, updated_at = ? WHERE id = ?').run(
    executionId,
    new Date().toISOString(),
    id,
  );
}

/**
 * USD counted against this user's daily limit: every plan confirmed in the last 24 hours whose
 * execution moved or may still move funds (succeeded, reverted for gas, in flight, not started yet,
 * or refused by the bundler after it left). A plan whose execution certainly sent nothing (`failed`
 * before it left, `dropped`) does not count; neither does `exceptPlanId`, the plan being confirmed.
 */
export function spentInLastDay(db: Db, userId: string, now = Date.now(), exceptPlanId?: string): number {
  const since = new Date(now - 24 * 60 * 60 * 1000).toISOString();
  const row = db
    .prepare(
      `SELECT COALESCE(SUM(p.value_usd), 0) AS total FROM agent_plans p
       LEFT JOIN executions e ON e.id = p.execution_id
       WHERE p.user_id = ? AND p.status = 'confirmed' AND p.updated_at >= ? AND p.id IS NOT ?
         AND (e.status IS NULL OR NOT ((e.status = 'failed' AND e.sent = 'no') OR e.status = 'dropped'))`,
    )
    .get(userId, since, exceptPlanId ?? null) as { total: number };
  return row.total;
}

/** Every address this user's confirmed plans have paid, and every one they let spend: paying someone is
 *  not letting them take, so the two are kept apart. */
export function pastRecipients(db: Db, userId: string): { payees: Set<string>; spenders: Set<string> } {
  // The steps on the plan's own chain only: a payee of a leg on another chain was confirmed for that
  // chain (every such payee needs an explicit yes there), and that leg may never have run.
  const rows = db.prepare("SELECT steps FROM agent_plans WHERE user_id = ? AND status = 'confirmed'").all(userId) as {
    steps: string;
  }[];
  const payees = new Set<string>();
  const spenders = new Set<string>();
  for (const row of rows) {
    for (const step of fromJson<PlanStep[]>(row.steps)) {
      if (step.bounds.payee) payees.add(step.bounds.payee.toLowerCase());
      else if (step.recipient && !step.bounds.allowances?.length) payees.add(step.recipient.toLowerCase());
      for (const allowance of step.bounds.allowances ?? []) spenders.add(allowance.spender.toLowerCase());
    }
  }
  return { payees, spenders };
}

/**
 * The account's other plans on its way now: confirmed, with an execution not finished yet, or
 * reserved in the last two minutes and about to record one (confirm reserves a plan, then creates
 * its execution). Any user's: two users may share an account.
 */
export function plansInFlight(
  db: Db,
  chainId: number,
  account: Address,
  exceptPlanId: string,
  now = Date.now(),
): StoredPlan[] {
  const recent = new Date(now - 2 * 60 * 1000).toISOString();
  const rows = db
    .prepare(
      `SELECT p.* FROM agent_plans p LEFT JOIN executions e ON e.id = p.execution_id
       WHERE p.chain_id = ? AND lower(p.account) = lower(?) AND p.id != ? AND p.status = 'confirmed'
         AND ((p.execution_id IS NULL AND p.updated_at >= ?) OR e.status IN ('pending', 'submitted'))`,
    )
    .all(chainId, account, exceptPlanId, recent) as PlanRow[];
  return rows.map(fromRow);
}
