import { isAddressEqual, type LocalAccount } from 'viem';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';
import type { SkillCatalog } from '../skills/registry/catalog.ts';
import { SkillRefusedError } from '../skills/sdk/errors.ts';
import { scheduleContinuation } from '../smart-accounts/bridge-continuations.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { execute } from '../smart-accounts/execute.ts';
import { type ExecutionRecord, getExecution, nothingWasSent } from '../smart-accounts/executions.ts';
import { accountKindFor, smartAccountAddress } from '../smart-accounts/smart-account.ts';
import { unwatchedHoldings } from '../smart-accounts/unwatched-holdings.ts';
import type { ParseResult } from './intents/schema.ts';
import { draftPlan } from './pipeline/draft.ts';
import { checkFunds, planNeeds } from './pipeline/funds.ts';
import { judge, recipientsToConfirm } from './pipeline/policy.ts';
import { present } from './pipeline/present.ts';
import { savePlanOf } from './pipeline/save.ts';
import { simulate } from './pipeline/simulate.ts';
import { offerStandingOrder, standingOrder } from './pipeline/standing-order.ts';
import { openTurn, reply } from './pipeline/turn.ts';
import type { AgentDeps, AgentReply, Answer, MessageRequest } from './pipeline/types.ts';
import { understand } from './pipeline/understand.ts';
import { CLAIM_REWARDS_STEP } from './plan/rewards.ts';
import { runsAloneConflict } from './plan/runs-alone.ts';
import { getPlan, type StoredPlan, setPlanExecution, transitionPlan } from './plan/store.ts';
import { checkPolicy, policyFacts } from './policy/check-policy.ts';
import { getPolicy } from './policy/policy.ts';
import { spentToday } from './policy/spent-today.ts';
import { tokenLabel } from './policy/value-flow.ts';

// The message's stages live in pipeline/; what the rest of Sextant imports from the agent stays here.
export { planNeeds } from './pipeline/funds.ts';
export { planLeg, planView } from './pipeline/save.ts';
export type { AgentDeps, AgentReply, MessageRequest, ParseFunction, PlanView } from './pipeline/types.ts';

export class PlanError extends SextantError {
  override name = 'PlanError';
  /** 404 for a plan that is not the user's, 409 for one that cannot be confirmed (any more). */
  declare readonly status: 400 | 404 | 409;

  constructor(message: string, status: 400 | 404 | 409, options: { hint?: string } = {}) {
    super(message, {
      code: status === 404 ? 'plan-not-found' : status === 400 ? 'plan-invalid' : 'plan-not-confirmable',
      status,
      ...options,
    });
  }
}

/**
 * One message, end to end short of execution, as its stages: the turn, understanding (parse, or the
 * answer to a question asked), the draft (audited skills' steps), the funds, the simulation (and its
 * value ledger), the policy, the record and the presentation. A stage that answers ends the message
 * there. Nothing is signed or sent here.
 */
export async function handleMessage(deps: AgentDeps, request: MessageRequest): Promise<AgentReply> {
  const turn = openTurn(deps.db, request);
  const answer = (parse: ParseResult, stopped: Answer) => reply(deps.db, turn.conversationId, parse, stopped);
  request.onStage?.('parsing');
  const understood = await understand(deps, request, turn);
  if ('stop' in understood) return answer(understood.parse, understood.stop);
  const repeats = standingOrder(understood);
  if (repeats) return answer(understood.parse, await offerStandingOrder(deps, request.userId, repeats));
  const { parse } = understood;
  request.onStage?.('planning');
  const draft = await draftPlan(deps, request, turn, understood);
  if ('stop' in draft) return answer(parse, draft.stop);
  const shortfall = await checkFunds(deps.env, request, draft.steps);
  if (shortfall) return answer(parse, shortfall.stop);
  request.onStage?.('simulating');
  const simulated = await simulate(deps, request, draft);
  const { preview } = simulated;
  // Both legs' steps: the slippage and approvals of a leg on another chain are held to the policy too.
  const judgement = judge(deps.db, request.userId, [...draft.steps, ...(simulated.destination?.steps ?? [])], preview);
  const view = savePlanOf(deps, request, turn, understood, draft, simulated, judgement);
  return answer(parse, present(draft, preview, judgement, view));
}

/**
 * Executes a proposed plan, exactly once: a second confirmation (a double click, a retry after a
 * timeout) returns the same execution and sends nothing. The plan is held again, at this moment, to
 * the policy then in force and the day's total of plans executed or in flight, in the same SQLite
 * transaction that reserves its spend; a plan that pays an address the user has never paid needs
 * `allowNewRecipients`, one that uses a token off the token list `allowUnlistedTokens`. A plan whose
 * execution failed before anything was sent may be confirmed again (a new attempt, checked again).
 */
export async function confirmPlan(
  deps: AgentDeps,
  request: {
    userId: string;
    planId: string;
    owner: LocalAccount;
    allowNewRecipients?: boolean;
    allowUnlistedTokens?: boolean;
  },
): Promise<ExecutionRecord> {
  const { db } = deps;
  const found = getPlan(db, request.userId, request.planId);
  if (!found) throw new PlanError(`There is no plan ${request.planId}.`, 404);
  // Its calls were built and previewed on one chain: on another, the same addresses can hold other
  // contracts (or the same ones, with other state), and nothing of that was shown.
  if (found.chainId !== deps.env.chain.chainId) {
    throw new PlanError(
      `Not executed: this plan was built and previewed on chain ${found.chainId}, and Sextant runs on ${deps.env.chain.name} (chain ${deps.env.chain.chainId}) now.`,
      409,
      { hint: `Confirm it with Sextant on chain ${found.chainId}, or ask again for a plan on ${deps.env.chain.name}.` },
    );
  }
  const run = async (plan: StoredPlan, idempotencyKey: string) => {
    const record = await execute(
      deps.env,
      request.owner,
      {
        userId: request.userId,
        idempotencyKey,
        planId: plan.id,
        calls: plan.calls,
        ...planNeeds(plan),
        runsAlone: plan.preview.guard?.watchesHoldings !== undefined,
      },
      // In the transaction that creates the execution: a crash at any later instant (a SIGKILL while
      // it is sent) still leaves the plan pointing at it, for reconciliation and the next confirm.
      // A plan that continues on another chain writes that leg here too: it exists if and only if the
      // bridge's execution does, and runs once the bridge is filled (smart-accounts/bridge-continuations.ts).
      {
        onRecordCreated: (tx, executionId) => {
          setPlanExecution(tx, plan.id, executionId);
          if (plan.destination) {
            scheduleContinuation(tx, {
              userId: request.userId,
              planId: plan.id,
              afterExecutionId: executionId,
              destinationChainId: plan.destination.chainId,
              account: plan.account,
              calls: plan.destination.calls,
              spends: planNeeds(plan.destination).spends,
              watchesHoldings: plan.preview.destination?.preview.guard?.watchesHoldings,
            });
          }
        },
      },
    );
    // A plan confirmed by an earlier version may have an execution but not its id.
    if (!plan.executionId) setPlanExecution(db, plan.id, record.id);
    return record;
  };

  // The code that runs is the code that was attested: a skill whose package changed on disk since
  // the plan was built (tampered) or lost its audit refuses the confirmation before anything is reserved.
  const previous = found.executionId ? getExecution(db, request.userId, found.executionId) : undefined;
  const mayRun = found.status === 'proposed' || (found.status === 'confirmed' && previous?.status !== 'succeeded');
  if (mayRun && (!previous || nothingWasSent(previous))) {
    await verifySkills(deps.catalog, found);
    await assertSameAccount(deps, found, request);
    await assertHoldingsWatched(deps, found);
  }

  // Whoever reserves the plan executes it; a concurrent second confirmation finds it reserved and
  // gets the same execution through the idempotency key.
  const reserve = db.transaction((): { plan: StoredPlan; key: string } => {
    const plan = getPlan(db, request.userId, request.planId) as StoredPlan;
    if (plan.status === 'confirmed') {
      const previous = plan.executionId ? getExecution(db, request.userId, plan.executionId) : undefined;
      if (previous && !nothingWasSent(previous)) return { plan, key: `plan:${plan.id}` };
      if (!previous) {
        // Reserved, but no execution was ever recorded (an error or a crash between the two): run it
        // now only if it would still be allowed now, under the same key (a concurrent first confirm
        // that is still running gets its own record back).
        assertConfirmable(db, plan, request);
        return { plan, key: `plan:${plan.id}` };
      }
      // Nothing was sent: a new attempt, held to the rules again like a new confirmation.
      assertConfirmable(db, plan, request);
      return { plan, key: `plan:${plan.id}:after:${previous.id}` };
    }
    if (plan.status !== 'proposed') {
      throw new PlanError(
        `This plan is ${plan.status}${plan.refusal ? `: ${plan.refusal}` : ''}; it cannot be confirmed.`,
        409,
        { hint: 'Ask again for a new plan.' },
      );
    }
    assertConfirmable(db, plan, request);
    transitionPlan(db, plan.id, 'proposed', 'confirmed');
    return { plan, key: `plan:${plan.id}` };
  });
  let reserved: { plan: StoredPlan; key: string };
  try {
    reserved = reserve.immediate();
  } catch (error) {
    if (error instanceof PolicyRefusal) {
      transitionPlan(db, found.id, 'proposed', 'refused', { refusal: error.message });
      throw new PlanError(error.message, 409, { hint: 'Ask again for a plan within your limits, or change them.' });
    }
    if (error instanceof PlanExpired) {
      transitionPlan(db, found.id, 'proposed', 'expired');
      throw new PlanError('This plan has expired: prices have moved since its preview.', 409, {
        hint: 'Ask again for a fresh plan.',
      });
    }
    throw error;
  }
  return run(reserved.plan, reserved.key);
}

/**
 * A plan is built, previewed and guarded for one account. After `sextant account upgrade` or
 * `downgrade` the user's account is another one, and the plan's calls would run from there, against
 * a preview of the other: refused, nothing reserved, so the person asks again.
 */
async function assertSameAccount(
  deps: AgentDeps,
  plan: StoredPlan,
  request: { userId: string; owner: LocalAccount },
): Promise<void> {
  const kind = accountKindFor(deps.db, request.userId);
  // Told apart without the chain (a confirm must not fail on a node that is down before it reserves):
  // in EIP-7702 mode the account is the owner's own address; a SimpleAccount never is.
  const ownAddress = isAddressEqual(plan.account, request.owner.address);
  if (ownAddress !== (kind.mode === 'eip7702')) {
    // The address, for the message only (a node that is down leaves it in words).
    const account = await smartAccountAddress(deps.env.publicClient, deps.env.chain, request.owner.address, kind).catch(
      () => 'a SimpleAccount owned by your key',
    );
    throw new PlanError(
      `Not executed: this plan was built for the account ${plan.account}, and your account is now ${account} (${kind.name}).`,
      409,
      { hint: 'The account mode changed since the preview: ask again for a plan from the account you have now.' },
    );
  }
}

/**
 * A plan whose bundle may run unvetted code has a guard that watches what the account held at the
 * preview (smart-accounts/unwatched-holdings.ts): one that holds more now is refused, nothing reserved, so
 * the person asks again and the new preview watches it too. A chain that cannot be read refuses too.
 */
async function assertHoldingsWatched(deps: AgentDeps, plan: StoredPlan): Promise<void> {
  // The plan's own chain, and the chain its leg after a bridge runs on (checked again when it runs).
  const destination = deps.env.otherNetworks?.find((n) => n.chain.chainId === plan.destination?.chainId);
  const legs = [
    { chainId: plan.chainId, watched: plan.preview.guard?.watchesHoldings, on: deps.env },
    ...(plan.destination
      ? [
          {
            chainId: plan.destination.chainId,
            watched: plan.preview.destination?.preview.guard?.watchesHoldings,
            on: destination ? executionEnvironment(deps.db, destination) : undefined,
          },
        ]
      : []),
  ];
  for (const { chainId, watched, on } of legs) {
    if (!watched) continue;
    let unwatched: Awaited<ReturnType<typeof unwatchedHoldings>>;
    try {
      if (!on) throw new Error(`chain ${chainId} is not reachable from here`);
      unwatched = await unwatchedHoldings(on.publicClient, on.chain, plan.account, watched);
    } catch (error) {
      throw new PlanError(
        `Not executed: the account's holdings on chain ${chainId} could not be read to check them against this plan's guard (${(error as Error).message.split('\n')[0]}).`,
        409,
        { hint: 'Check the chain connection, then confirm again.' },
      );
    }
    if (unwatched.length > 0) {
      const names = unwatched.map((held) => held.symbol).join(', ');
      const where = chainId === plan.chainId ? '' : ` on chain ${chainId}`;
      throw new PlanError(
        `Not executed: the account now holds ${names}${where}, which it did not hold when this plan was previewed. The plan runs code Sextant has not vetted${where ? ' there' : ''}, and its on-chain guard watches only what the account held then.`,
        409,
        { hint: 'Ask again for a fresh plan: its guard will watch what the account holds now.' },
      );
    }
  }
}

async function verifySkills(catalog: SkillCatalog, plan: StoredPlan): Promise<void> {
  for (const step of [...plan.steps, ...(plan.destination?.steps ?? [])]) {
    if (step.skillId === CLAIM_REWARDS_STEP.skillId) continue; // Sextant's own step, not a catalog skill
    try {
      await catalog.verify(step.skillId, step.skillVersion);
    } catch (error) {
      if (error instanceof SkillRefusedError) {
        throw new PlanError(`Not executed: ${error.message}`, 409, error.hint ? { hint: error.hint } : {});
      }
      throw error;
    }
  }
}

class PolicyRefusal extends Error {}
class PlanExpired extends Error {}

/**
 * Throws unless the plan may run now: not expired, its ledger within the policy in force and the
 * day's total (executed and in-flight plans), and every new recipient and unlisted token explicitly
 * allowed. Runs inside confirm's transaction, so two confirmations cannot both fit the same room.
 */
function assertConfirmable(
  db: Db,
  plan: StoredPlan,
  request: { userId: string; allowNewRecipients?: boolean; allowUnlistedTokens?: boolean },
): void {
  if (Date.parse(plan.expiresAt) < Date.now()) throw new PlanExpired();
  const conflict = runsAloneConflict(db, plan);
  if (conflict) {
    throw new PlanError(`Not executed: ${conflict}.`, 409, {
      hint: 'Confirm it again once that operation has landed; one that was sent and never lands can be cancelled with `sextant account cancel-operation EXECUTION_ID`.',
    });
  }
  const ledger = plan.preview.ledger;
  if (!ledger) {
    throw new PlanError('This plan was made by an earlier version of Sextant and has no value ledger.', 409, {
      hint: 'Ask again for a new plan.',
    });
  }
  const policy = getPolicy(db, request.userId);
  const spent = spentToday(db, request.userId, Date.now(), plan.id);
  const steps = [...plan.steps, ...(plan.destination?.steps ?? [])];
  const verdict = checkPolicy(policy, policyFacts(steps, ledger, spent));
  if (!verdict.ok) throw new PolicyRefusal(`${verdict.message} (policy: ${verdict.rule})`);
  const recipients = recipientsToConfirm(db, request.userId, policy, ledger);
  const newRecipients = [...new Set([...plan.newRecipients, ...recipients])];
  if (newRecipients.length > 0 && !request.allowNewRecipients) {
    throw new PlanError(`${newRecipients.join(', ')} has never been paid from this account.`, 400, {
      hint: 'Check the address, then confirm with the new recipient explicitly allowed (--allow-new-recipient).',
    });
  }
  if (ledger.unlistedTokens.length > 0 && !request.allowUnlistedTokens) {
    const names = ledger.unlistedTokens.map((t) => tokenLabel({ ...t, listed: false })).join(', ');
    throw new PlanError(`The plan uses ${names}, which is not on the token list.`, 400, {
      hint: 'Check the token address, then confirm with unlisted tokens explicitly allowed (--allow-unlisted-token).',
    });
  }
}

export function cancelPlan(deps: AgentDeps, request: { userId: string; planId: string }): StoredPlan {
  const plan = getPlan(deps.db, request.userId, request.planId);
  if (!plan) throw new PlanError(`There is no plan ${request.planId}.`, 404);
  if (plan.status === 'cancelled') return plan;
  if (!transitionPlan(deps.db, plan.id, 'proposed', 'cancelled')) {
    throw new PlanError(`This plan is ${plan.status}; only a proposed plan can be cancelled.`, 409);
  }
  return getPlan(deps.db, request.userId, request.planId) as StoredPlan;
}

/** The execution of a user's plan, if it has one. */
export function planExecution(deps: AgentDeps, userId: string, planId: string): ExecutionRecord | undefined {
  const plan = getPlan(deps.db, userId, planId);
  return plan?.executionId ? getExecution(deps.db, userId, plan.executionId) : undefined;
}
