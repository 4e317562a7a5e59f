import type { Db } from '../../common/database.ts';
import { continuationAfter } from '../../smart-accounts/bridge-continuations.ts';
import { getExecution } from '../../smart-accounts/executions.ts';
import type { PreviewedBundle } from '../plan/preview.ts';
import { type StoredPlan, savePlan } from '../plan/store.ts';
import type { PlanStep } from '../plan/types.ts';
import type { Drafted } from './draft.ts';
import type { Judgement } from './policy.ts';
import type { DestinationBundle } from './simulate.ts';
import type { OpenTurn } from './turn.ts';
import type { AgentDeps, MessageRequest, PlanView } from './types.ts';
import type { Understood } from './understand.ts';

/**
 * Stage 7, the record: every simulated plan is stored, offered or refused, with its preview and the
 * policy's word, for the user to confirm (or to see why not).
 */
export function savePlanOf(
  deps: AgentDeps,
  request: Pick<MessageRequest, 'userId' | 'account'>,
  turn: OpenTurn,
  understood: Understood,
  draft: Drafted,
  { preview, calls, destination }: PreviewedBundle & { destination?: DestinationBundle },
  judgement: Judgement,
): PlanView {
  const plan = savePlan(deps.db, {
    userId: request.userId,
    conversationId: turn.conversationId,
    message: understood.message,
    status: judgement.refusal ? 'refused' : 'proposed',
    chainId: deps.env.chain.chainId,
    account: request.account,
    intents: draft.intents,
    steps: draft.steps,
    // The bundle as it runs: the steps' calls, inside the guard's snapshot and check when there is one.
    calls,
    destination,
    preview,
    valueUsd: preview.valueOutUsd,
    newRecipients: judgement.newRecipients,
    refusal: judgement.refusal,
    referrer: turn.referrer,
  });
  return planView(plan);
}

/** Where a confirmed two-leg plan's leg on the other chain stands (undefined: no such leg, or not confirmed). */
export function planLeg(db: Db, plan: StoredPlan): PlanView['leg'] {
  if (!plan.destination || !plan.executionId) return undefined;
  const leg = continuationAfter(db, plan.userId, plan.executionId);
  if (!leg) return undefined;
  const execution = leg.executionId ? getExecution(db, plan.userId, leg.executionId) : undefined;
  return {
    chainId: leg.destinationChainId,
    status: leg.status,
    ...(leg.reason ? { reason: leg.reason } : {}),
    ...(execution ? { executionId: execution.id, executionStatus: execution.status } : {}),
    ...(execution?.txHash ? { txHash: execution.txHash } : {}),
  };
}

/** A stored plan as the API shows it; `leg`: where its leg on another chain stands (planLeg). */
export function planView(plan: StoredPlan, leg?: PlanView['leg']): PlanView {
  return {
    id: plan.id,
    status: plan.status,
    steps: [
      ...plan.steps.map((step) => stepView(step)),
      ...(plan.destination?.steps ?? []).map((step) => stepView(step, plan.destination?.chainId)),
    ],
    preview: plan.preview,
    valueUsd: plan.valueUsd,
    newRecipients: plan.newRecipients,
    unlistedTokens: plan.preview.ledger?.unlistedTokens ?? [],
    refusal: plan.refusal,
    expiresAt: plan.expiresAt,
    executionId: plan.executionId,
    ...(leg ? { leg } : {}),
  };
}

function stepView(step: PlanStep, chainId?: number): PlanView['steps'][number] {
  return {
    skillId: step.skillId,
    version: step.skillVersion,
    protocol: step.protocol,
    title: step.title,
    summary: step.summary,
    quote: step.quote,
    ...(chainId !== undefined ? { chainId } : {}),
  };
}
