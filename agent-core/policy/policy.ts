import { z } from 'zod';
import type { Db } from '../../common/database.ts';
import type { PolicySchema } from './view.ts';

/**
 * A user's limits. Every plan is checked against them before it is offered; a violation refuses the
 * plan with the rule that stopped it. Unlimited approvals are never allowed (not a setting: the
 * approve skill refuses them, and the policy check refuses any approval the simulation shows above
 * what the plan spends). What each limit means: PolicySchema (view.ts).
 */
export type Policy = z.output<typeof PolicySchema>;

export const DEFAULT_POLICY: Policy = {
  maxPlanUsd: 10_000,
  maxDailyUsd: 25_000,
  maxSlippageBps: 100,
  confirmNewRecipients: true,
};

export const PolicyUpdateSchema = z
  .object({
    maxPlanUsd: z.number().positive().max(1e12),
    maxDailyUsd: z.number().positive().max(1e12),
    maxSlippageBps: z.number().int().min(0).max(300),
    confirmNewRecipients: z.boolean(),
  })
  .partial()
  .strict();

type PolicyRow = {
  max_plan_usd: number;
  max_daily_usd: number;
  max_slippage_bps: number;
  confirm_new_recipients: number;
};

export function getPolicy(db: Db, userId: string): Policy {
  const row = db.prepare('SELECT * FROM agent_policies WHERE user_id = ?').get(userId) as PolicyRow | undefined;
  if (!row) return { ...DEFAULT_POLICY };
  return {
    maxPlanUsd: row.max_plan_usd,
    maxDailyUsd: row.max_daily_usd,
    maxSlippageBps: row.max_slippage_bps,
    confirmNewRecipients: row.confirm_new_recipients === 1,
  };
}

/** Changes some limits; the rest keep their values. Returns the policy as stored. */
export function updatePolicy(db: Db, userId: string, update: z.input<typeof PolicyUpdateSchema>): Policy {
  const parsed = PolicyUpdateSchema.parse(update);
  const policy = { ...getPolicy(db, userId), ...parsed };
  db.prepare(
    `INSERT INTO agent_policies (user_id, max_plan_usd, max_daily_usd, max_slippage_bps, confirm_new_recipients, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET max_plan_usd = excluded.max_plan_usd, max_daily_usd = excluded.max_daily_usd,
       max_slippage_bps = excluded.max_slippage_bps, confirm_new_recipients = excluded.confirm_new_recipients,
       updated_at = excluded.updated_at`,
  ).run(
    userId,
    policy.maxPlanUsd,
    policy.maxDailyUsd,
    policy.maxSlippageBps,
    policy.confirmNewRecipients ? 1 : 0,
    new Date().toISOString(),
  );
  return policy;
}
