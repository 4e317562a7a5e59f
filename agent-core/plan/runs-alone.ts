import type { Address } from 'viem';
import type { Db } from '../../common/database.ts';
import { otherUnfinished } from '../../smart-accounts/executions.ts';
import { plansInFlight, type StoredPlan } from './store.ts';

/**
 * Why `plan` may not start while the account has other operations on their way, or undefined.
 *
 * A plan whose bundle may run unvetted code has a guard that watches what the account held at its
 * preview (smart-accounts/unwatched-holdings.ts). Another operation of the account landing while it
 * is on its way (the bundler takes operations on separate nonce keys side by side) can bring in a
 * token that guard does not watch: a supply's aToken, a swap's output. So such a plan runs alone: it
 * does not start beside another operation of the account, and nothing else starts beside it (no plan
 * here; the standing-orders runner and a bridge's leg wait too). Read inside the transaction that
 * reserves the plan, so two confirmations cannot both pass.
 */
export function runsAloneConflict(db: Db, plan: StoredPlan): string | undefined {
  const unvetted = unvettedInFlight(db, plan.chainId, plan.account, plan.id);
  if (unvetted) {
    return `${unvetted} of this account, which runs code Sextant has not vetted, is still on its way, and its on-chain guard watches only what the account held at its preview, so nothing else runs beside it`;
  }
  if (!plan.preview.guard?.watchesHoldings) return undefined;
  const other = plansInFlight(db, plan.chainId, plan.account, plan.id)[0];
  const execution = otherUnfinished(db, plan.chainId, plan.account, { exceptId: plan.executionId });
  const what = other
    ? `plan ${other.id}`
    : execution && `execution ${execution.id} (${execution.status} since ${execution.createdAt})`;
  if (what) {
    return `another operation of this account is still on its way (${what}), and this plan runs code Sextant has not vetted: its on-chain guard watches only what the account held at the preview, so it runs alone`;
  }
  return undefined;
}

/**
 * The account's bundle on its way on `chainId` that may run unvetted code, in words ("plan plan_…",
 * "execution …"), or undefined: a plan there reserved or in flight, or an execution recorded as
 * running alone there (a plan's, or a bridge's leg run on this chain for a plan of another).
 */
export function unvettedInFlight(db: Db, chainId: number, account: Address, exceptPlanId = ''): string | undefined {
  const plan = plansInFlight(db, chainId, account, exceptPlanId).find((p) => p.preview.guard?.watchesHoldings);
  if (plan) return `plan ${plan.id}`;
  const execution = otherUnfinished(db, chainId, account, { runsAlone: true });
  if (execution && (!execution.planId || execution.planId !== exceptPlanId)) {
    return execution.planId ? `execution ${execution.id} (of plan ${execution.planId})` : `execution ${execution.id}`;
  }
  return undefined;
}
