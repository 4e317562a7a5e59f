import { type Address, formatUnits, isAddressEqual } from 'viem';
import type { SkillContext } from '../../skills/sdk/define-skill.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import { NATIVE_ASSET, simulateAccountCalls } from '../../smart-accounts/simulate.ts';
import { BoundsTally, buildValueLedger, tokenLabel, type ValueLedger } from '../policy/value-flow.ts';
import type { PriceBook } from './prices.ts';
import type { PlanStep } from './types.ts';

/** One asset's change in the account, as the person sees it. */
export type BalanceChange = {
  token: Address;
  symbol: string;
  /** Signed, in human units ("-100", "0.0331"). */
  amount: string;
  baseUnits: string;
  usd: number | undefined;
};

/** What the chain would do: the preview shown before the user confirms. Amounts are strings (JSON). */
export type Preview = {
  ok: boolean;
  /** Why the plan is not offered: it would revert, or it leaves the skills' bounds. */
  problem: string | undefined;
  changes: BalanceChange[];
  /** Allowances the plan grants (exact), and what is left of each once the plan has run. */
  approvals: { token: Address; symbol: string; spender: Address; amount: string; remaining: string }[];
  gas: { units: string; fee: string; feeUsd: number | undefined; sponsored: boolean };
  /** Everything the plan lets leave the user's control, valued: what the policy reads. */
  ledger: ValueLedger;
  /** The ledger's total in USD (gas excluded): what the per-plan and daily limits hold. */
  valueOutUsd: number;
};

/**
 * Runs the whole bundle against the current chain through the user's own account, and checks the
 * result against the skills' bounds: per token, the account must end with at least what the steps
 * together promise (receives minus gives), and no listed token may drop that no step gives. A plan
 * that would revert, or leaves its bounds, is not offered.
 */
export async function previewPlan(
  env: ExecutionEnvironment,
  owner: Address,
  steps: readonly PlanStep[],
  ctx: SkillContext,
  prices: PriceBook,
  /** Contracts the audited skills declare here: a spender among them is not a third party. */
  protocolContracts: readonly Address[],
): Promise<Preview> {
  const calls = steps.flatMap((step) => step.calls);
  const boundTokens = steps.flatMap((step) => [...step.bounds.gives, ...step.bounds.receives].map((a) => a.token));
  const simulation = await simulateAccountCalls(env, owner, calls, {
    tokens: boundTokens.filter((token) => !isAddressEqual(token, NATIVE_ASSET)),
  });
  const symbolOf = async (token: Address) => {
    if (isAddressEqual(token, NATIVE_ASSET)) return 'ETH';
    const found = await ctx.token(token).catch(() => undefined);
    return found ? tokenLabel(found) : token;
  };
  const decimalsOf = async (token: Address) =>
    isAddressEqual(token, NATIVE_ASSET) ? 18 : ((await ctx.token(token).catch(() => undefined))?.decimals ?? 18);

  const changes: BalanceChange[] = [];
  for (const change of simulation.assetChanges) {
    const decimals = await decimalsOf(change.token);
    const usd = await prices.value(change.token, change.diff < 0n ? -change.diff : change.diff);
    changes.push({
      token: change.token,
      symbol: await symbolOf(change.token),
      amount: formatUnits(change.diff, decimals),
      baseUnits: change.diff.toString(),
      usd: usd === undefined ? undefined : change.diff < 0n ? -usd : usd,
    });
  }
  const approvals = [];
  for (const approval of simulation.approvals) {
    const decimals = await decimalsOf(approval.token);
    approvals.push({
      token: approval.token,
      symbol: await symbolOf(approval.token),
      spender: approval.spender,
      amount: formatUnits(approval.amount, decimals),
      remaining: formatUnits(approval.remaining, decimals),
    });
  }
  const sponsored = env.paymasterUrl !== undefined;
  const feeUsd = sponsored ? 0 : await prices.value(NATIVE_ASSET, simulation.gas.fee);
  const ledger = await buildValueLedger(steps, {
    token: (address) => ctx.token(address),
    value: (token, amount) => prices.value(token, amount),
    protocolContracts,
  });
  const problem = simulation.ok
    ? (outsideBounds(steps, simulation.assetChanges, ctx) ?? undeclaredApproval(steps, simulation.approvals))
    : `The bundle would fail: ${simulation.revertReason}`;
  return {
    ok: problem === undefined,
    problem,
    changes,
    approvals,
    gas: {
      units: simulation.gas.total.toString(),
      fee: sponsored ? '0' : formatUnits(simulation.gas.fee, 18),
      feeUsd,
      sponsored,
    },
    ledger,
    valueOutUsd: ledger.totalUsd,
  };
}

function outsideBounds(
  steps: readonly PlanStep[],
  assetChanges: readonly { token: Address; diff: bigint }[],
  ctx: SkillContext,
): string | undefined {
  const promised = BoundsTally.of(steps);
  const watched = new Set([
    ...promised.tokens().map((t) => t.toLowerCase()),
    NATIVE_ASSET.toLowerCase(),
    ...ctx.chain.tokens.map((t) => t.address.toLowerCase()),
  ]);
  for (const token of watched) {
    const diff = assetChanges.find((c) => c.token.toLowerCase() === token)?.diff ?? 0n;
    const floor = promised.change(token as Address);
    if (diff < floor) {
      return `The simulation leaves the skills' bounds: the account would change by ${diff} base units of ${token}, but the steps allow at least ${floor}. Not offered.`;
    }
  }
  return undefined;
}

/**
 * An allowance the simulation shows the bundle granting that no step declares (neither an approval
 * the planner inserted for a skill nor an approve the user asked for): a skill or token that grants
 * one on the side is not offered.
 */
function undeclaredApproval(
  steps: readonly PlanStep[],
  granted: readonly { token: Address; spender: Address; remaining: bigint }[],
): string | undefined {
  const declared = steps.flatMap((step) => [...step.approvals, ...(step.bounds.allowances ?? [])]);
  for (const approval of granted) {
    if (approval.remaining === 0n) continue;
    const allowed = declared
      .filter((d) => isAddressEqual(d.token, approval.token) && isAddressEqual(d.spender, approval.spender))
      .reduce((sum, d) => sum + d.amount, 0n);
    if (approval.remaining > allowed) {
      return `The simulation shows the bundle letting ${approval.spender} spend ${approval.remaining} base units of ${approval.token}, which no step declares. Not offered.`;
    }
  }
  return undefined;
}
