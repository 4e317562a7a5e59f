import { type Address, isAddressEqual } from 'viem';
import { type AssetAmount, NATIVE_TOKEN, type SkillContext } from '../../skills/sdk/define-skill.ts';
import type { StandingGrant } from '../../smart-accounts/simulated-grants.ts';
import { BoundsTally } from '../policy/value-flow.ts';
import type { PlanStep } from './types.ts';

/**
 * What a plan's simulation shows beyond what its steps declare, each in the words that refuse it
 * (preview.ts offers no plan for which one of these says something): a token changing past the
 * skills' bounds, a position changing past them, an allowance no step declares, a standing right
 * the account grants.
 */

/** What undeclaredPositionChange reads of a preview's change (preview.ts BalanceChange). */
type ShownChange = {
  token: Address;
  kind: 'wallet' | 'supplied' | 'debt';
  baseUnits: string;
  amount: string;
  asset: { token: Address; symbol: string; protocol: string } | undefined;
};

/** A token the account holds changing by less than the steps' bounds together allow. */
export function outsideBounds(
  steps: readonly PlanStep[],
  assetChanges: readonly { token: Address; diff: bigint }[],
  ctx: SkillContext,
): string | undefined {
  const promised = BoundsTally.of(steps);
  const watched = new Set([
    ...promised.tokens().map((t) => t.toLowerCase()),
    NATIVE_TOKEN.toLowerCase(),
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
 * Debt the simulation shows the account taking, or supply it shows leaving a position, beyond what
 * the steps declare (a borrow's debt, a withdrawal, a position token given): unvetted code using a
 * credit delegation or an aToken allowance from before, in the simulation as on chain, would
 * otherwise be shown as one more line of the preview and bounded by the guard at that, with the
 * policy counting none of it.
 */
export function undeclaredPositionChange(
  steps: readonly PlanStep[],
  changes: readonly ShownChange[],
): string | undefined {
  const declared = (pick: (bounds: PlanStep['bounds']) => readonly AssetAmount[] | undefined, token: Address) =>
    steps
      .flatMap((step) => pick(step.bounds) ?? [])
      .filter((amount) => isAddressEqual(amount.token, token))
      .reduce((sum, amount) => sum + amount.amount, 0n);
  for (const change of changes) {
    if (change.kind === 'wallet' || !change.asset) continue;
    const diff = BigInt(change.baseUnits);
    const allowed =
      change.kind === 'debt'
        ? diff > 0n
          ? declared((bounds) => bounds.debt, change.asset.token)
          : undefined
        : diff < 0n
          ? declared((bounds) => bounds.withdrawals, change.asset.token) +
            declared((bounds) => bounds.gives, change.token)
          : undefined;
    if (allowed === undefined) continue;
    const moved = diff < 0n ? -diff : diff;
    // Aave's index rounding: a unit or two, and a hundred-thousandth (as the guard allows).
    if (moved > allowed + allowed / 100_000n + 2n) {
      const what = change.kind === 'debt' ? 'debt growing' : 'supply falling';
      return `The simulation shows your ${change.asset.symbol} ${what} by ${change.amount.replace('-', '')} on ${change.asset.protocol}, more than any step declares. Not offered.`;
    }
  }
  return undefined;
}

/**
 * An allowance the simulation shows the bundle granting that no step declares (neither an approval
 * the planner inserted for a skill nor an approve the user asked for): a skill or token that grants
 * one on the side is not offered.
 */
export function undeclaredApproval(
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

/** A standing right the simulation's events show the account granting (smart-accounts/simulated-grants.ts). */
export function grantShown(grants: readonly StandingGrant[]): string | undefined {
  const [grant] = grants;
  if (!grant) return undefined;
  return `The bundle ${grant.words}${grant.grantee ? ` to ${grant.grantee}` : ''} at ${grant.contract} (seen in its simulation), which neither the preview nor the on-chain guard would show or bound. Not offered.`;
}
