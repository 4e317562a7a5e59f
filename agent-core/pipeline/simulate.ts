import { createSkillContext } from '../../skills/sdk/context.ts';
import type { SkillCall } from '../../skills/sdk/define-skill.ts';
import { previewDestination, withDestination } from '../plan/destination-preview.ts';
import { UnsupportedError } from '../plan/errors.ts';
import { type PreviewedBundle, previewPlan } from '../plan/preview.ts';
import { protocolContracts } from '../plan/protocol-contracts.ts';
import { CLAIM_REWARDS_STEP } from '../plan/rewards.ts';
import type { PlanStep } from '../plan/types.ts';
import type { Drafted } from './draft.ts';
import type { AgentDeps, MessageRequest } from './types.ts';

/** The steps and calls a plan runs on another chain once its bridge is filled there. */
export type DestinationBundle = { chainId: number; steps: PlanStep[]; calls: SkillCall[] };

/**
 * Stage 5, the simulation: the whole bundle through the account, and from it the value ledger (what
 * leaves, what comes back, who may spend what), priced with the prices the planner read (one read of
 * each token's price per message); then the bundle as it will run, inside the on-chain guard that
 * holds it to this preview (plan/guard.ts). A plan that continues on another chain after a bridge has
 * its destination leg simulated there too, inside a guard of its own, and one ledger of both.
 */
export async function simulate(
  deps: AgentDeps,
  request: Pick<MessageRequest, 'owner' | 'account'>,
  draft: Drafted,
): Promise<PreviewedBundle & { destination?: DestinationBundle }> {
  const chain = deps.env.chain;
  // What Sextant's own claim step pays is its reward token: not an unlisted stranger.
  const ownTokens = draft.steps
    .filter((step) => step.skillId === CLAIM_REWARDS_STEP.skillId)
    .flatMap((step) => step.bounds.receives.map((r) => r.token));
  const ctx = createSkillContext({ chain, client: deps.env.publicClient, account: request.account, ownTokens });
  const protocols = [...protocolContracts(deps.catalog, chain).values()].flat();
  const origin = await previewPlan(deps.env, request.owner, draft.steps, ctx, draft.prices, protocols);
  const leg = draft.destination;
  if (!leg) return origin;
  const network = deps.env.otherNetworks?.find((other) => other.chain.chainId === leg.chain.chainId);
  if (!network) throw new Error(`The planner built steps on ${leg.chain.name}, which this session cannot reach.`);
  let there: Awaited<ReturnType<typeof previewDestination>>;
  try {
    there = await previewDestination(deps.db, network, deps.catalog, request.owner, request.account, leg);
  } catch (error) {
    // The leg cannot be previewed there at all: the plan is shown, and not offered, with the reason.
    if (!(error instanceof UnsupportedError)) throw error;
    return { ...origin, preview: { ...origin.preview, ok: false, problem: `On ${leg.chain.name}: ${error.message}` } };
  }
  return {
    preview: withDestination(origin.preview, there.leg, draft.steps.length),
    calls: origin.calls,
    destination: { chainId: leg.chain.chainId, steps: leg.steps, calls: there.calls },
  };
}
