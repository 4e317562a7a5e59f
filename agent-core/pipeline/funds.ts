import { isAddressEqual } from 'viem';
import { isDevnetSlug } from '../../common/chains/registry.ts';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import { describeShortfall, findShortfall, type Spend } from '../../smart-accounts/shortfall.ts';
import type { StoredPlan } from '../plan/store.ts';
import type { PlanStep } from '../plan/types.ts';
import { BoundsTally } from '../policy/value-flow.ts';
import type { Answer, MessageRequest } from './types.ts';

/**
 * Stage 4, the funds: what the account does not hold is named before any simulation, with how to get
 * it (a revert deep inside a protocol, "STF", tells a person nothing). Undefined when it holds enough.
 */
export async function checkFunds(
  env: ExecutionEnvironment,
  request: Pick<MessageRequest, 'account'>,
  steps: PlanStep[],
): Promise<{ stop: Answer } | undefined> {
  const calls = steps.flatMap((step) => step.calls);
  const missing = await findShortfall(env, request.account, calls, planNeeds({ steps, calls }));
  if (missing.length === 0) return undefined;
  return { stop: { kind: 'not-offered', text: describeShortfall(missing, { devnet: isDevnetSlug(env.chain.slug) }) } };
}

/**
 * What the account must hold before a plan runs, per token: the most the steps, in order, ever take
 * beyond what the steps before them bring in (their bounds). A step may spend what an earlier step
 * receives: "swap ETH to USDC and supply it" needs no USDC beforehand. For ETH the calls' value is what
 * is checked, so what earlier steps bring in is passed as a credit.
 */
export function planNeeds(plan: Pick<StoredPlan, 'steps' | 'calls'>): { spends: Spend[]; credits: Spend[] } {
  const tally = BoundsTally.of(plan.steps);
  const spends: Spend[] = [];
  let nativeNeed = 0n;
  for (const token of tally.tokens()) {
    const need = tally.need(token);
    if (need === 0n) continue;
    if (isAddressEqual(token, NATIVE_TOKEN)) nativeNeed = need;
    else spends.push({ token, amount: need });
  }
  const value = plan.calls.reduce((sum, call) => sum + call.value, 0n);
  const nativeCredit = value > nativeNeed ? value - nativeNeed : 0n;
  return { spends, credits: nativeCredit > 0n ? [{ token: NATIVE_TOKEN, amount: nativeCredit }] : [] };
}
