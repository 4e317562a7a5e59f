import { Hono } from 'hono';
import type { Db } from '../../common/database.ts';
import { getExecution } from '../../smart-accounts/executions.ts';
import { executionJson } from '../../smart-accounts/routes.ts';
import type { ExecutionView } from '../../smart-accounts/views.ts';
import { planLeg, planView } from '../agent.ts';
import { getPlan } from '../plan/store.ts';
import { listConversations, readConversation, type Turn } from './conversations.ts';
import type { ConversationListResponse, ConversationResponse, ConversationTurn } from './views.ts';

type Env = { Variables: { userId: string } };

/**
 * The conversation history over HTTP, so a page can reload and another tab (or an agent's plans over
 * MCP, which are conversations too) can be picked up: GET /v1/conversations (the signed-in user's,
 * newest first) and GET /v1/conversations/:id (its turns, each assistant turn with its plan as
 * POST /v1/chat sent it, in its state now). Another user's conversation is a 404, like a missing one.
 */
export function conversationRoutes(deps: { db: Db }): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/v1/conversations', (c) => {
    const body: ConversationListResponse = { conversations: listConversations(deps.db, c.get('userId')) };
    return c.json(body);
  });

  app.get('/v1/conversations/:id', (c) => {
    const userId = c.get('userId');
    const conversation = readConversation(deps.db, userId, c.req.param('id'));
    if (!conversation) {
      return c.json(
        { error: 'There is no such conversation.', hint: 'Start a new one, or pick one from the list.' },
        404,
      );
    }
    const { turns, ...summary } = conversation;
    const body: ConversationResponse = {
      conversation: { ...summary, turns: turns.map((turn) => turnJson(deps.db, userId, turn)) },
    };
    return c.json(body);
  });

  return app;
}

/** A turn as the page shows it (its schema: ConversationTurnSchema, views.ts). */
function turnJson(db: Db, userId: string, turn: Turn): ConversationTurn {
  const plan = turn.planId ? getPlan(db, userId, turn.planId) : undefined;
  return {
    role: turn.role,
    text: turn.text,
    kind: turn.kind ?? null,
    createdAt: turn.createdAt,
    plan: plan ? planView(plan, planLeg(db, plan)) : null,
    execution: plan?.executionId ? executionOf(db, userId, plan.executionId) : null,
  };
}

function executionOf(db: Db, userId: string, executionId: string): ExecutionView | null {
  try {
    return executionJson(getExecution(db, userId, executionId));
  } catch {
    // The plan names an execution the user cannot see (never, for their own plans): show none.
    return null;
  }
}
