import { createSkillContext } from '../../skills/sdk/context.ts';
import { type PreviewedBundle, previewPlan } from '../plan/preview.ts';
import { protocolContracts } from '../plan/protocol-contracts.ts';
import { CLAIM_REWARDS_STEP } from '../plan/rewards.ts';
import type { Drafted } from './draft.ts';
import type { AgentDeps, MessageRequest } from './types.ts';

/**
 * Stage 5, the simulation: the whole bundle through the account, and from it the value ledger (what
 * leaves, what comes back, who may spend what), priced with the prices the planner read (one read of
 * each token's price per message); then the bundle as it will run, inside the on-chain guard that
 * holds it to this preview (plan/guard.ts).
 */
export async function simulate(
  deps: AgentDeps,
  request: Pick<MessageRequest, 'owner' | 'account'>,
  draft: Drafted,
): Promise<PreviewedBundle> {
  const chain = deps.env.chain;
  // What Sextant's own claim step pays is its reward token: not an unlisted stranger.
  const ownTokens = draft.steps
    .filter((step) => step.skillId === CLAIM_REWARDS_STEP.skillId)
    .flatMap((step) => step.bounds.receives.map((r) => r.token));
  const ctx = createSkillContext({ chain, client: deps.env.publicClient, account: request.account, ownTokens });
  const protocols = [...protocolContracts(deps.catalog, chain).values()].flat();
  return previewPlan(deps.env, request.owner, draft.steps, ctx, draft.prices, protocols);
}
