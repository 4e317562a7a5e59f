import { z } from 'zod';
import { ParseResultSchema } from '../../intents/schema.ts';

/**
 * What the model is asked to write: the ParseResult without `parser` (we set it) and without
 * `unsupported` (the planner, not the parser, decides what cannot be done). Derived from the
 * canonical zod schema so the two never drift.
 */
export const LlmReplySchema = ParseResultSchema.pick({ intents: true, clarify: true });
export type LlmReply = z.infer<typeof LlmReplySchema>;

/**
 * The reply's JSON Schema, sent as Ollama's `format`: Ollama turns it into a grammar, so the model
 * can only write JSON of this shape (the zod check after it still catches what a grammar cannot,
 * such as "a percentage is at most 100%").
 */
export const LLM_REPLY_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(LlmReplySchema, { io: 'output' }) as Record<string, unknown>;
  return schema;
})();

type PropertySchema = { description?: string; enum?: string[]; type?: string };

/** The intent's fields and what each means, from the schema's own descriptions. */
export function intentFieldDescriptions(): { field: string; type: string; description: string }[] {
  const intents = (LLM_REPLY_JSON_SCHEMA.properties as Record<string, { items?: { properties?: unknown } }>).intents;
  const properties = (intents?.items?.properties ?? {}) as Record<string, PropertySchema>;
  return Object.entries(properties).map(([field, schema]) => ({
    field,
    type: schema.enum ? 'one of the actions' : (schema.type ?? 'string'),
    description: schema.description ?? '',
  }));
}
