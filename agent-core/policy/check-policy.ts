import { type Address, isAddressEqual } from 'viem';
import type { Approval, AssetBounds } from '../../skills/sdk/define-skill.ts';
import type { Policy } from './policy.ts';
import type { ValueLedger } from './value-flow.ts';

/** What the policy looks at in a plan: its value-flow ledger, the day so far, and each step's terms. */
export type PolicyFacts = {
  /** Everything the plan lets leave the user's control, valued (value-flow.ts). */
  ledger: Pick<ValueLedger, 'totalUsd' | 'unpriced'>;
  /** USD already counted today: this user's plans executed or in flight in the last 24 hours. */
  spentTodayUsd: number;
  /** The slippage each swap step uses, in basis points. */
  slippages: number[];
  /** The exact approvals the planner inserted for a step, and the most of that token the step gives. */
  approvals: { token: Address; spender: Address; amount: bigint; maxSpend: bigint }[];
};

export type PolicyVerdict = { ok: true } | { ok: false; rule: string; message: string };

/** The facts of a plan's steps and ledger, the same at build and at confirm. */
export function policyFacts(
  steps: readonly { bounds: AssetBounds; approvals: readonly Approval[]; slippageBps: number | undefined }[],
  ledger: PolicyFacts['ledger'],
  spentTodayUsd: number,
): PolicyFacts {
  return {
    ledger,
    spentTodayUsd,
    slippages: steps.flatMap((s) => (s.slippageBps === undefined ? [] : [s.slippageBps])),
    // Per step: an approval the planner inserts is only ever for what that same step gives.
    approvals: steps.flatMap((step) =>
      step.approvals.map((approval) => ({
        token: approval.token,
        spender: approval.spender,
        amount: approval.amount,
        maxSpend: step.bounds.gives
          .filter((g) => isAddressEqual(g.token, approval.token))
          .reduce((sum, g) => sum + g.amount, 0n),
      })),
    ),
  };
}

/** The first rule the plan breaks, or ok. Recipients are not refused here: they need confirmation. */
export function checkPolicy(policy: Policy, facts: PolicyFacts): PolicyVerdict {
  const usd = (value: number) => `$${value.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
  const { ledger } = facts;
  if (ledger.unpriced.length > 0) {
    return {
      ok: false,
      rule: 'valuedPlansOnly',
      message: `I have no USD price for ${ledger.unpriced.join(', ')}, so I cannot hold this plan to your limits.`,
    };
  }
  if (ledger.totalUsd > policy.maxPlanUsd) {
    return {
      ok: false,
      rule: 'maxPlanUsd',
      message: `This plan moves ${usd(ledger.totalUsd)}, over your limit of ${usd(policy.maxPlanUsd)} per plan.`,
    };
  }
  if (facts.spentTodayUsd + ledger.totalUsd > policy.maxDailyUsd) {
    return {
      ok: false,
      rule: 'maxDailyUsd',
      message: `With this plan you would move ${usd(facts.spentTodayUsd + ledger.totalUsd)} in 24 hours, over your daily limit of ${usd(policy.maxDailyUsd)}.`,
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
