import { z } from 'zod';
import { ExecutionViewSchema } from '../../smart-accounts/views.ts';
import { PlanViewSchema } from '../plan/view.ts';

/**
 * The conversation history's answers of the HTTP API as zod schemas: GET /v1/conversations and
 * GET /v1/conversations/:id. The routes (routes.ts) type their answers with them; /openapi.json
 * publishes them; the page's types are generated from them.
 */

/** A conversation as a list shows it. */
export const ConversationSummarySchema = z.object({
  id: z.string(),
  title: z.string().describe('The first thing the user said, on one line and cut to 80 characters.'),
  createdAt: z.string(),
  updatedAt: z
    .string()
    .describe('The last turn, or the last change to one of its plans (a confirmation), whichever is later.'),
  awaitingConfirmation: z
    .boolean()
    .describe("Whether a plan in it awaits the user's confirmation: proposed and not expired."),
  pendingPlanId: z.string().nullable().describe("That plan's id (the newest, when there are several), else null."),
});
export type ConversationSummary = z.output<typeof ConversationSummarySchema>;

/**
 * A turn as the page shows it: who said what, the kind of answer, and the plan it offered (the same
 * view POST /v1/chat streams, with the status it has now) with its execution once confirmed.
 */
export const ConversationTurnSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  kind: z
    .string()
    .nullable()
    .describe("An assistant turn's kind of answer (plan, clarify, answer…); null for the user's."),
  createdAt: z.string(),
  plan: PlanViewSchema.nullable(),
  execution: ExecutionViewSchema.nullable(),
});
export type ConversationTurn = z.output<typeof ConversationTurnSchema>;

/** GET /v1/conversations: the user's conversations, most recently active first. */
export const ConversationListResponseSchema = z.object({ conversations: z.array(ConversationSummarySchema) });
export type ConversationListResponse = z.output<typeof ConversationListResponseSchema>;

/** GET /v1/conversations/:id: one conversation with its turns in order. */
export const ConversationResponseSchema = z.object({
  conversation: ConversationSummarySchema.extend({ turns: z.array(ConversationTurnSchema) }),
});
export type ConversationResponse = z.output<typeof ConversationResponseSchema>;
