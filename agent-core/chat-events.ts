import { z } from 'zod';
import { ParseResultSchema } from './intents/schema.ts';
import { PlanResponseSchema } from './plan/view.ts';

/**
 * The events of POST /v1/chat as a zod schema: each is the stream's `event:` name and the JSON of its
 * `data:` line. The route (routes.ts) sends only these; /openapi.json publishes them; the page's types
 * are generated from them.
 */
export const ChatEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('status'),
    data: z.object({ stage: z.enum(['parsing', 'planning', 'simulating']) }),
  }),
  z.object({ event: z.literal('intents'), data: z.object({ parse: ParseResultSchema }) }),
  z.object({ event: z.literal('text'), data: z.object({ delta: z.string() }) }),
  z.object({ event: z.literal('plan'), data: PlanResponseSchema }),
  z.object({
    event: z.literal('done'),
    data: z.object({
      kind: z.enum(['plan', 'answer', 'clarify', 'unsupported', 'refused', 'not-offered']),
      conversationId: z.string(),
      planId: z.string().nullable(),
    }),
  }),
  z.object({
    event: z.literal('error'),
    data: z.object({ error: z.string(), hint: z.string().optional() }),
  }),
]);
export type ChatEvent = z.output<typeof ChatEventSchema>;
