import type { Db } from '../../common/database.ts';
import { hasOtherUnfinished } from '../../smart-accounts/executions.ts';
import { plansInFlight, type StoredPlan } from './store.ts';

/**
 * Why `plan` may not start while the account has other operations on their way, or undefined.
 *
 * A plan whose bundle may run unvetted code has a guard that watches what the account held at its
 * preview (smart-accounts/unwatched-holdings.ts). Another operation of the account landing while it is on its
 * way (the bundler takes operations on separate nonce keys side by side) can bring in a token that
 * guard does not watch: a supply's aToken, a swap's output. So such a plan runs alone: it does not
 * start beside another operation of the account, and no other plan starts beside it. Read inside the
 * transaction that reserves the plan, so two confirmations cannot both pass.
 */
export function runsAloneConflict(db: Db, plan: StoredPlan): string | undefined {
  const plans = plansInFlight(db, plan.chainId, plan.account, plan.id);
  const unvetted = plans.find((other) => other.preview.guard?.watchesHoldings);
  if (unvetted) {
    return `a plan of this account that runs code Sextant has not vetted is still on its way (${unvetted.id}), and its on-chain guard watches only what the account held at its preview, so nothing else runs beside it`;
  }
  if (!plan.preview.guard?.watchesHoldings) return undefined;
  if (plans.length > 0 || hasOtherUnfinished(db, plan.chainId, plan.account, plan.executionId ?? '')) {
    return 'another operation of this account is still on its way, and this plan runs code Sextant has not vetted: its on-chain guard watches only what the account held at the preview, so it runs alone';
  }
  return undefined;
}
