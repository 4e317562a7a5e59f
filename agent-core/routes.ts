import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Address, LocalAccount } from 'viem';
import { z } from 'zod';
import { describeError, SextantError } from '../common/errors.ts';
import { validate } from '../common/http-edge.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { accountSummary } from '../smart-accounts/balances.ts';
import { readDelegation } from '../smart-accounts/eip7702.ts';
import { executionJson } from '../smart-accounts/routes.ts';
import { accountChoiceOf } from '../smart-accounts/users.ts';
import type { AccountResponse } from '../smart-accounts/views.ts';
import { type AgentDeps, cancelPlan, confirmPlan, handleMessage, planLeg, planView } from './agent.ts';
import type { ChatEvent } from './chat-events.ts';
import { ConversationNotFoundError } from './conversations/conversations.ts';
import { priceBook } from './plan/prices.ts';
import { getPlan } from './plan/store.ts';
import { getPolicy, PolicyUpdateSchema, updatePolicy } from './policy/policy.ts';
import type { PolicyResponse } from './policy/view.ts';
import { ReferrerSchema } from './referrer.ts';

export type AgentRoutesDependencies = {
  agent: AgentDeps;
  /** The user's owner address and smart account. */
  userAccount: (userId: string) => Promise<{ owner: Address; account: Address }>;
  /** The user's owner key, unlocked, to sign a confirmed plan; PassphraseRequiredError (a 423) when it is locked. */
  unlock: (userId: string) => Promise<LocalAccount>;
  /**
   * The passphrase the server was started with (SEXTANT_PASSPHRASE), if any: standing orders
   * (agent-core/orders/routes.ts) seal the agent key with it and run while the user is away.
   */
  passphrase?: string | undefined;
};

export const ChatRequestSchema = z.object({
  message: z.string().trim().min(1, 'say what you want done').max(2000, 'at most 2000 characters'),
  conversationId: z.string().min(1).max(100).optional(),
  referrer: ReferrerSchema.optional(),
});

export const ConfirmRequestSchema = z
  .object({ allowNewRecipients: z.boolean().optional(), allowUnlistedTokens: z.boolean().optional() })
  .strict();

type Env = { Variables: { userId: string } };

/**
 * The agent over HTTP: POST /v1/chat (server-sent events), the plans (GET, confirm, cancel) and the
 * policy. Every route acts for the signed-in user only; another user's plan id is a 404.
 */
export function agentRoutes(deps: AgentRoutesDependencies): Hono<Env> {
  const app = new Hono<Env>();

  app.post('/v1/chat', validate('json', ChatRequestSchema), async (c) => {
    const body = c.req.valid('json');
    const userId = c.get('userId');
    const { owner, account } = await deps.userAccount(userId);
    return streamSSE(c, async (stream) => {
      const send = <E extends ChatEvent['event']>(event: E, data: Extract<ChatEvent, { event: E }>['data']) =>
        stream.writeSSE({ event, data: JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) });
      try {
        const stages: Promise<void>[] = [];
        const reply = await handleMessage(deps.agent, {
          userId,
          owner,
          account,
          text: body.message,
          ...(body.conversationId ? { conversationId: body.conversationId } : {}),
          ...(body.referrer ? { referrer: body.referrer } : {}),
          onStage: (stage) => {
            stages.push(send('status', { stage }));
          },
        });
        await Promise.all(stages);
        await send('intents', { parse: reply.parse });
        // The assistant's words, a few at a time, as a person reads them.
        for (const piece of reply.text.match(/\S+\s*/g) ?? []) await send('text', { delta: piece });
        if (reply.plan) await send('plan', { plan: reply.plan });
        await send('done', { kind: reply.kind, conversationId: reply.conversationId, planId: reply.plan?.id ?? null });
      } catch (error) {
        const known = error instanceof SextantError;
        if (!known) console.error(error);
        await send('error', {
          error:
            known || error instanceof ConversationNotFoundError
              ? (error as SextantError).message
              : 'Something went wrong while planning.',
          hint: known ? (error as SextantError).hint : describeError(error),
        });
      }
    });
  });

  app.get('/v1/plans/:id', (c) => {
    const plan = getPlan(deps.agent.db, c.get('userId'), c.req.param('id'));
    return plan
      ? c.json({ plan: planView(plan, planLeg(deps.agent.db, plan)) })
      : c.json({ error: 'There is no such plan.' }, 404);
  });

  // No body (or not JSON) is no options.
  app.post('/v1/plans/:id/confirm', validate('json', ConfirmRequestSchema, { whenEmpty: {} }), async (c) => {
    const options = c.req.valid('json');
    const userId = c.get('userId');
    const planId = c.req.param('id');
    // A foreign or unknown plan is a 404 before the key is even unlocked.
    if (!getPlan(deps.agent.db, userId, planId)) return c.json({ error: 'There is no such plan.' }, 404);
    // A locked key is a PassphraseRequiredError (423): nothing was reserved yet, so the page asks for
    // the passphrase, unlocks, and confirms again. A plan that cannot be confirmed is a PlanError (its status).
    const owner = await deps.unlock(userId);
    const execution = await confirmPlan(deps.agent, {
      userId,
      planId,
      owner,
      allowNewRecipients: options.allowNewRecipients === true,
      allowUnlistedTokens: options.allowUnlistedTokens === true,
    });
    return c.json({ execution: executionJson(execution) });
  });

  app.post('/v1/plans/:id/cancel', (c) => {
    const plan = cancelPlan(deps.agent, { userId: c.get('userId'), planId: c.req.param('id') });
    return c.json({ plan: planView(plan) });
  });

  app.get('/v1/account', async (c) => {
    const userId = c.get('userId');
    const { owner, account } = await deps.userAccount(userId);
    const { env, catalog } = deps.agent;
    const prices = priceBook(catalog, createSkillContext({ chain: env.chain, client: env.publicClient, account }));
    const { mode: accountMode, implementation: eip7702Implementation } = accountChoiceOf(deps.agent.db, userId);
    const [summary, delegation] = await Promise.all([
      accountSummary({ client: env.publicClient, chain: env.chain, account, prices }),
      accountMode === 'eip7702' ? readDelegation(env.publicClient, account) : undefined,
    ]);
    const implementation = delegation?.kind === 'delegated' ? delegation.implementation : null;
    const body: AccountResponse = {
      user: userId,
      address: account,
      owner,
      accountMode,
      eip7702Implementation,
      implementation,
      ...summary,
    };
    return c.json(body);
  });

  app.get('/v1/policy', (c) => {
    const body: PolicyResponse = { policy: getPolicy(deps.agent.db, c.get('userId')) };
    return c.json(body);
  });
  app.put('/v1/policy', validate('json', PolicyUpdateSchema), (c) => {
    const body: PolicyResponse = { policy: updatePolicy(deps.agent.db, c.get('userId'), c.req.valid('json')) };
    return c.json(body);
  });

  return app;
}
