import { type Address, isAddressEqual, type LocalAccount } from 'viem';
import type { Token } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';
import type { SkillCatalog } from '../skills/registry/catalog.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { NATIVE_TOKEN, type SkillReading } from '../skills/sdk/define-skill.ts';
import type { ExecutionEnvironment } from '../smart-accounts/environment.ts';
import { execute } from '../smart-accounts/execute.ts';
import { type ExecutionRecord, getExecution } from '../smart-accounts/executions.ts';
import type { Spend } from '../smart-accounts/shortfall.ts';
import { listAddresses, lookupAddress } from './address-book.ts';
import { addTurn, listTurns, openConversation, pendingClarify } from './conversations/conversations.ts';
import { fillClarify, isCompleteRequest } from './conversations/fill-clarify.ts';
import type { Intent, ParseResult } from './intents/schema.ts';
import { buildPlan } from './plan/build-plan.ts';
import { type Preview, previewPlan } from './plan/preview.ts';
import type { RewardsSource } from './plan/rewards.ts';
import {
  getPlan,
  type PlanStatus,
  pastRecipients,
  type StoredPlan,
  savePlan,
  setPlanExecution,
  spentInLastDay,
  transitionPlan,
} from './plan/store.ts';
import { checkPolicy } from './policy/check-policy.ts';
import { getPolicy } from './policy/policy.ts';
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

/** A plan as the person sees it. */
export type PlanView = {
  id: string;
  status: PlanStatus;
  steps: {
    skillId: string;
    version: string;
    protocol: string;
    title: string;
    summary: string;
    quote: SkillReading | undefined;
  }[];
  preview: Preview;
  valueUsd: number;
  /** Addresses this plan pays that the user has never paid: confirming needs an explicit yes for them. */
  newRecipients: Address[];
  refusal: string | undefined;
  expiresAt: string;
  executionId: string | undefined;
};

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
  readonly status: 400 | 404 | 409;

  constructor(message: string, status: 400 | 404 | 409, options: { hint?: string } = {}) {
    super(message, options);
    this.status = status;
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

  // Simulate the whole bundle through the account, then hold it to the user's policy.
  request.onStage?.('simulating');
  const ctx = createSkillContext({ chain, client: deps.env.publicClient, account: request.account });
  // The prices the planner read: one read of each token's price per message.
  const prices = draft.prices;
  const preview = await previewPlan(deps.env, request.owner, draft.steps, ctx, prices);
  const policy = getPolicy(db, request.userId);
  const known = pastRecipients(db, request.userId);
  for (const entry of listAddresses(db, request.userId)) known.add(entry.address.toLowerCase());
  const newRecipients = policy.confirmNewRecipients
    ? [
        ...new Set(
          draft.steps.flatMap((s) => (s.recipient && !known.has(s.recipient.toLowerCase()) ? [s.recipient] : [])),
        ),
      ]
    : [];
  const verdict = preview.ok
    ? checkPolicy(policy, {
        valueUsd: preview.valueOutUsd,
        spentTodayUsd: spentInLastDay(db, request.userId),
        slippages: draft.steps.flatMap((s) => (s.slippageBps === undefined ? [] : [s.slippageBps])),
        approvals: draft.steps.flatMap((step) =>
          step.approvals.map((approval) => ({
            token: approval.token,
            spender: approval.spender,
            amount: approval.amount,
            maxSpend: step.bounds.gives
              .filter((g) => isAddressEqual(g.token, approval.token))
              .reduce((sum, g) => sum + g.amount, 0n),
          })),
        ),
      })
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
  const lines = draft.steps.map((step, i) => `${i + 1}. ${step.summary}`);
  const recipients =
    newRecipients.length > 0
      ? ` ${newRecipients.join(', ')} ${newRecipients.length === 1 ? 'is a new recipient' : 'are new recipients'}: confirm explicitly.`
      : '';
  return reply(deps, conversationId, parse, {
    kind: 'plan',
    text: `Here is the plan:\n${lines.join('\n')}\nConfirm to execute it.${recipients}`,
    plan: view,
    readings: draft.readings,
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
 * timeout) returns the same execution and sends nothing. A plan that pays an address the user has
 * never paid needs `allowNewRecipients`.
 */
export async function confirmPlan(
  deps: AgentDeps,
  request: { userId: string; planId: string; owner: LocalAccount; allowNewRecipients?: boolean },
): Promise<ExecutionRecord> {
  const plan = getPlan(deps.db, request.userId, request.planId);
  if (!plan) throw new PlanError(`There is no plan ${request.planId}.`, 404);
  const idempotencyKey = `plan:${plan.id}`;
  const run = async () => {
    const record = await execute(deps.env, request.owner, {
      userId: request.userId,
      idempotencyKey,
      planId: plan.id,
      calls: plan.calls,
      ...planNeeds(plan),
    });
    setPlanExecution(deps.db, plan.id, record.id);
    return record;
  };
  if (plan.status === 'confirmed') return run();
  if (plan.status !== 'proposed') {
    throw new PlanError(
      `This plan is ${plan.status}${plan.refusal ? `: ${plan.refusal}` : ''}; it cannot be confirmed.`,
      409,
      {
        hint: 'Ask again for a new plan.',
      },
    );
  }
  if (Date.parse(plan.expiresAt) < Date.now()) {
    transitionPlan(deps.db, plan.id, 'proposed', 'expired');
    throw new PlanError('This plan has expired: prices have moved since its preview.', 409, {
      hint: 'Ask again for a fresh plan.',
    });
  }
  if (plan.newRecipients.length > 0 && !request.allowNewRecipients) {
    throw new PlanError(`${plan.newRecipients.join(', ')} has never been paid from this account.`, 400, {
      hint: 'Check the address, then confirm with the new recipient explicitly allowed (--allow-new-recipient).',
    });
  }
  // Whoever moves it from proposed to confirmed executes; a concurrent second confirmation finds it
  // confirmed and gets the same execution through the idempotency key.
  transitionPlan(deps.db, plan.id, 'proposed', 'confirmed');
  return run();
}

/**
 * What the account must hold before a plan runs, per token: the most the steps, in order, ever take
 * beyond what the steps before them bring in (their bounds). A step may spend what an earlier step
 * receives: "swap ETH to USDC and supply it" needs no USDC beforehand. For ETH the calls' value is what
 * is checked, so what earlier steps bring in is passed as a credit.
 */
export function planNeeds(plan: Pick<StoredPlan, 'steps' | 'calls'>): { spends: Spend[]; credits: Spend[] } {
  const running = new Map<string, bigint>();
  const deepest = new Map<string, bigint>();
  for (const step of plan.steps) {
    for (const give of step.bounds.gives) {
      const key = give.token.toLowerCase();
      const after = (running.get(key) ?? 0n) - give.amount;
      running.set(key, after);
      if (after < (deepest.get(key) ?? 0n)) deepest.set(key, after);
    }
    for (const receive of step.bounds.receives) {
      const key = receive.token.toLowerCase();
      running.set(key, (running.get(key) ?? 0n) + receive.amount);
    }
  }
  const spends: Spend[] = [];
  let nativeNeed = 0n;
  for (const [token, low] of deepest) {
    if (token === NATIVE_TOKEN.toLowerCase()) nativeNeed = -low;
    else spends.push({ token: token as Address, amount: -low });
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
