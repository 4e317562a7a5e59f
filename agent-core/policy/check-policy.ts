import type { Address } from 'viem';
import type { Policy } from './policy.ts';

/** What the policy looks at in a plan. */
export type PolicyFacts = {
  /** USD value of everything that leaves the account (tokens and ETH, gas excluded). */
  valueUsd: number;
  /** USD already moved by this user's confirmed plans in the last 24 hours. */
  spentTodayUsd: number;
  /** The slippage each swap step uses, in basis points. */
  slippages: number[];
  /** Allowances the plan grants, and the most of that token its steps may give (their bounds). */
  approvals: { token: string; spender: Address; amount: bigint; maxSpend: bigint }[];
};

export type PolicyVerdict = { ok: true } | { ok: false; rule: string; message: string };

/** The first rule the plan breaks, or ok. Recipients are not refused here: they need confirmation. */
export function checkPolicy(policy: Policy, facts: PolicyFacts): PolicyVerdict {
  const usd = (value: number) => `$${value.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
  if (facts.valueUsd > policy.maxPlanUsd) {
    return {
      ok: false,
      rule: 'maxPlanUsd',
      message: `This plan moves ${usd(facts.valueUsd)}, over your limit of ${usd(policy.maxPlanUsd)} per plan.`,
    };
  }
  if (facts.spentTodayUsd + facts.valueUsd > policy.maxDailyUsd) {
    return {
      ok: false,
      rule: 'maxDailyUsd',
      message: `With this plan you would move ${usd(facts.spentTodayUsd + facts.valueUsd)} in 24 hours, over your daily limit of ${usd(policy.maxDailyUsd)}.`,
    };
  }
  const slippage = Math.max(0, ...facts.slippages);
  if (slippage > policy.maxSlippageBps) {
    return {
      ok: false,
      rule: 'maxSlippageBps',
      message: `This swap allows ${slippage / 100}% slippage, over your ceiling of ${policy.maxSlippageBps / 100}%.`,
    };
  }
  for (const approval of facts.approvals) {
    if (approval.amount > approval.maxSpend) {
      return {
        ok: false,
        rule: 'noUnlimitedApprovals',
        message: `The plan would allow ${approval.spender} to spend more ${approval.token} than the plan itself may spend.`,
      };
    }
  }
  return { ok: true };
}
