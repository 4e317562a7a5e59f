import { type Address, isAddressEqual, type LocalAccount } from 'viem';
import type { z } from 'zod';
import type { Token } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';
import type { SkillCatalog } from '../skills/registry/catalog.ts';
import { roundAmountsInText } from '../skills/sdk/amounts.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { NATIVE_TOKEN, type SkillReading } from '../skills/sdk/define-skill.ts';
import { SkillRefusedError } from '../skills/sdk/errors.ts';
import type { ExecutionEnvironment } from '../smart-accounts/environment.ts';
import { execute } from '../smart-accounts/execute.ts';
import { type ExecutionRecord, getExecution, nothingWasSent } from '../smart-accounts/executions.ts';
import { describeShortfall, findShortfall, type Spend } from '../smart-accounts/shortfall.ts';
import { listAddresses, lookupAddress } from './address-book.ts';
import { addTurn, listTurns, openConversation, pendingClarify } from './conversations/conversations.ts';
import { fillClarify, isCompleteRequest } from './conversations/fill-clarify.ts';
import type { Intent, ParseResult } from './intents/schema.ts';
import { buildPlan } from './plan/build-plan.ts';
import { previewPlan } from './plan/preview.ts';
import { protocolContracts } from './plan/protocol-contracts.ts';
import { CLAIM_REWARDS_STEP, type RewardsSource } from './plan/rewards.ts';
import {
  getPlan,
  pastRecipients,
  type StoredPlan,
  savePlan,
  setPlanExecution,
  spentInLastDay,
  transitionPlan,
} from './plan/store.ts';
import type { PlanViewSchema } from './plan/view.ts';
import { checkPolicy, policyFacts } from './policy/check-policy.ts';
import { getPolicy, type Policy } from './policy/policy.ts';
import { BoundsTally, tokenLabel, type ValueLedger } from './policy/value-flow.ts';
import { parseReferrer } from './referrer.ts';

/**
 * How the agent parses a message: the embedded parser, Ollama, or either (session.ts, parse-message.ts).
 * The context is what grounding may trace words to: the user's earlier turns (only theirs: our own
 * replies must not ground a number the model invents), the token list and the address book.
 */
export type ParseFunction = (
  text: string,
  context: { conversation: string[]; tokens: Token[]; addressBook: { label: string; address: string }[] },
) => Promise<ParseResult & { notes?: string[] }>;

/** Everything the agent works with, for one chain. */
export type AgentDeps = {
  db: Db;
  env: ExecutionEnvironment;
  catalog: SkillCatalog;
  parse: ParseFunction;
  /** The emission rewards a user can claim ("claim my rewards"); absent where none are settled. */
  rewards?: RewardsSource;
};

/** A plan as the person sees it, as the API shows it (its schema: agent-core/plan/view.ts). */
export type PlanView = z.output<typeof PlanViewSchema>;

/** The assistant's answer to one message. */
export type AgentReply = {
  conversationId: string;
  parse: ParseResult;
  kind: 'plan' | 'answer' | 'clarify' | 'unsupported' | 'refused' | 'not-offered';
  /** What the assistant says, in one or two sentences. */
  text: string;
  plan: PlanView | undefined;
  readings: SkillReading[];
};

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

export function planView(plan: StoredPlan): PlanView {
  return {
    id: plan.id,
    status: plan.status,
    steps: plan.steps.map((step) => ({
      skillId: step.skillId,
      version: step.skillVersion,
      protocol: step.protocol,
      title: step.title,
      summary: step.summary,
      quote: step.quote,
    })),
    preview: plan.preview,
    valueUsd: plan.valueUsd,
    newRecipients: plan.newRecipients,
    unlistedTokens: plan.preview.ledger?.unlistedTokens ?? [],
    refusal: plan.refusal,
    expiresAt: plan.expiresAt,
    executionId: plan.executionId,
  };
}

/**
 * One message, end to end short of execution: parse (or continue a clarify), plan with audited
 * skills, simulate the whole bundle, check the policy, and store the plan for the user to confirm.
 * Nothing is signed or sent here.
 */
export async function handleMessage(
  deps: AgentDeps,
  request: {
    userId: string;
    owner: Address;
    account: Address;
    conversationId?: string;
    text: string;
    /**
     * The front end or protocol endpoint the request came in through: its payout address, kept on the
     * plan for the emissions' community bucket. Anything but an address is an InvalidReferrerError.
     */
    referrer?: string;
    /** Told as each stage starts, for progress output (the server streams it). */
    onStage?: (stage: 'parsing' | 'planning' | 'simulating') => void;
  },
): Promise<AgentReply> {
  const { db } = deps;
  const referrer = request.referrer === undefined ? null : parseReferrer(request.referrer);
  const conversationId = openConversation(db, request.userId, request.conversationId);
  const history = listTurns(db, conversationId)
    .filter((turn) => turn.role === 'user')
    .map((turn) => turn.text);
  const pending = pendingClarify(db, conversationId);
  addTurn(db, conversationId, { role: 'user', text: request.text });
  request.onStage?.('parsing');
  const parse = await deps.parse(request.text, {
    conversation: history,
    tokens: deps.env.chain.tokens,
    addressBook: listAddresses(db, request.userId),
  });

  let intents: Intent[] = parse.intents;
  let message = request.text;
  if (pending && !isCompleteRequest(parse)) {
    const filled = fillClarify(pending, parse, request.text);
    if (filled) {
      intents = filled;
      message = `${pending.message} — ${request.text}`;
    } else {
      return reply(deps, conversationId, parse, {
        kind: 'clarify',
        text: pending.message.length > 0 ? askAgain(pending) : 'Could you say that again?',
        pending,
      });
    }
  } else if (parse.unsupported) {
    return reply(deps, conversationId, parse, { kind: 'unsupported', text: parse.unsupported });
  }

  const chain = deps.env.chain;
  request.onStage?.('planning');
  const draft = await buildPlan(intents, {
    chain,
    client: deps.env.publicClient,
    account: request.account,
    catalog: deps.catalog,
    lookupAddress: (label) => lookupAddress(db, request.userId, label),
    ...(deps.rewards ? { rewards: deps.rewards } : {}),
  });
  if (draft.kind === 'clarify') {
    const question = !pending && parse.clarify && draft.field !== 'action' ? parse.clarify : draft.question;
    return reply(deps, conversationId, parse, {
      kind: 'clarify',
      text: question,
      pending: { intents: draft.intents, field: draft.field, intentIndex: draft.intentIndex, message: question },
    });
  }
  if (draft.kind === 'unsupported')
    return reply(deps, conversationId, parse, { kind: 'unsupported', text: draft.reason });
  if (draft.kind === 'answer') {
    return reply(deps, conversationId, parse, {
      kind: 'answer',
      text: draft.readings.map((r) => r.summary).join('\n'),
      readings: draft.readings,
    });
  }

  // Funds the account does not hold are named before any simulation, with how to get them: a revert
  // deep inside a protocol ("STF") tells a person nothing.
  const missing = await findShortfall(
    deps.env,
    request.account,
    draft.steps.flatMap((step) => step.calls),
    planNeeds({ steps: draft.steps, calls: draft.steps.flatMap((step) => step.calls) }),
  );
  if (missing.length > 0) {
    const text = describeShortfall(missing, { devnet: chain.slug === 'devnet' });
    return reply(deps, conversationId, parse, { kind: 'not-offered', text });
  }

  // Simulate the whole bundle through the account, then hold it to the user's policy.
  request.onStage?.('simulating');
  // What Sextant's own claim step pays is its reward token: not an unlisted stranger.
  const ownTokens = draft.steps
    .filter((step) => step.skillId === CLAIM_REWARDS_STEP.skillId)
    .flatMap((step) => step.bounds.receives.map((r) => r.token));
  const ctx = createSkillContext({ chain, client: deps.env.publicClient, account: request.account, ownTokens });
  // The prices the planner read: one read of each token's price per message.
  const prices = draft.prices;
  const protocols = [...protocolContracts(deps.catalog, chain).values()].flat();
  const preview = await previewPlan(deps.env, request.owner, draft.steps, ctx, prices, protocols);
  const policy = getPolicy(db, request.userId);
  const newRecipients = recipientsToConfirm(db, request.userId, policy, preview.ledger);
  const verdict = preview.ok
    ? checkPolicy(policy, policyFacts(draft.steps, preview.ledger, spentInLastDay(db, request.userId)))
    : undefined;
  const refusal = !preview.ok
    ? preview.problem
    : verdict && !verdict.ok
      ? `${verdict.message} (policy: ${verdict.rule})`
      : undefined;
  const plan = savePlan(db, {
    userId: request.userId,
    conversationId,
    message,
    status: refusal ? 'refused' : 'proposed',
    chainId: chain.chainId,
    account: request.account,
    intents: draft.intents,
    steps: draft.steps,
    calls: draft.steps.flatMap((step) => step.calls),
    preview,
    valueUsd: preview.valueOutUsd,
    newRecipients,
    refusal,
    referrer,
  });
  const view = planView(plan);
  if (!preview.ok) {
    return reply(deps, conversationId, parse, {
      kind: 'not-offered',
      text: preview.problem ?? 'The plan failed simulation.',
      plan: view,
    });
  }
  if (refusal) return reply(deps, conversationId, parse, { kind: 'refused', text: refusal, plan: view });
  // Amounts rounded for people; the exact summary stays on the plan's steps.
  const lines = draft.steps.map((step, i) => `${i + 1}. ${roundAmountsInText(step.summary)}`);
  const unlisted = preview.ledger.unlistedTokens;
  const recipients =
    (newRecipients.length > 0
      ? ` ${newRecipients.join(', ')} ${newRecipients.length === 1 ? 'is a new recipient' : 'are new recipients'}: confirm explicitly.`
      : '') +
    (unlisted.length > 0
      ? ` The plan uses ${unlisted.map((t) => tokenLabel({ ...t, listed: false })).join(', ')}, not on the token list: confirm explicitly.`
      : '');
  return reply(deps, conversationId, parse, {
    kind: 'plan',
    text: `Here is the plan:\n${lines.join('\n')}\nConfirm to execute it.${recipients}`,
    plan: view,
    readings: draft.readings,
  });
}

/**
 * The third parties a plan pays or lets spend that need the user's explicit yes: payees never paid
 * before (when the policy asks for that), and always a spender that is not a skill's declared
 * contract and was never confirmed before: an allowance is a standing right to take the funds.
 */
function recipientsToConfirm(db: Db, userId: string, policy: Policy, ledger: ValueLedger): Address[] {
  const past = pastRecipients(db, userId);
  const contacts = new Set(listAddresses(db, userId).map((entry) => entry.address.toLowerCase()));
  const spenders = new Set(ledger.flows.filter((f) => f.kind === 'allowance' && f.to).map((f) => f.to?.toLowerCase()));
  return ledger.recipients.filter((address) => {
    const key = address.toLowerCase();
    // A spender gets a standing right to the funds: only an earlier confirmation of it counts, not
    // a contact entry, and whatever the policy's setting for payees.
    // Nor a payment to the same address: paying bob is not letting bob take.
    if (spenders.has(key)) return !past.spenders.has(key);
    return policy.confirmNewRecipients && !past.payees.has(key) && !contacts.has(key);
  });
}

function askAgain(pending: { message: string }): string {
  return `I still need that to go on: ${pending.message}`;
}

function reply(
  deps: AgentDeps,
  conversationId: string,
  parse: ParseResult,
  answer: {
    kind: AgentReply['kind'];
    text: string;
    plan?: PlanView;
    readings?: SkillReading[];
    pending?: { intents: Intent[]; field: string; intentIndex: number; message: string };
  },
): AgentReply {
  addTurn(deps.db, conversationId, {
    role: 'assistant',
    text: answer.text,
    kind: answer.kind,
    ...(answer.pending ? { pending: answer.pending } : {}),
    ...(answer.plan ? { planId: answer.plan.id } : {}),
  });
  return {
    conversationId,
    parse,
    kind: answer.kind,
    text: answer.text,
    plan: answer.plan,
    readings: answer.readings ?? [],
  };
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
  const run = async (plan: StoredPlan, idempotencyKey: string) => {
    const record = await execute(
      deps.env,
      request.owner,
      { userId: request.userId, idempotencyKey, planId: plan.id, calls: plan.calls, ...planNeeds(plan) },
      // In the transaction that creates the execution: a crash at any later instant (a SIGKILL while
      // it is sent) still leaves the plan pointing at it, for reconciliation and the next confirm.
      { onRecordCreated: (tx, executionId) => setPlanExecution(tx, plan.id, executionId) },
    );
    // A plan confirmed by an earlier version may have an execution but not its id.
    if (!plan.executionId) setPlanExecution(db, plan.id, record.id);
    return record;
  };

  // The code that runs is the code that was attested: a skill whose package changed on disk since
  // the plan was built (tampered) or lost its audit refuses the confirmation before anything is reserved.
  const previous = found.executionId ? getExecution(db, request.userId, found.executionId) : undefined;
  const mayRun = found.status === 'proposed' || (found.status === 'confirmed' && previous?.status !== 'succeeded');
  if (mayRun && (!previous || nothingWasSent(previous))) await verifySkills(deps.catalog, found);

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

async function verifySkills(catalog: SkillCatalog, plan: StoredPlan): Promise<void> {
  for (const step of plan.steps) {
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
  const ledger = plan.preview.ledger;
  if (!ledger) {
    throw new PlanError('This plan was made by an earlier version of Sextant and has no value ledger.', 409, {
      hint: 'Ask again for a new plan.',
    });
  }
  const policy = getPolicy(db, request.userId);
  const spent = spentInLastDay(db, request.userId, Date.now(), plan.id);
  const verdict = checkPolicy(policy, policyFacts(plan.steps, ledger, spent));
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
