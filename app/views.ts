import { z } from 'zod';
import { LlmStatusSchema } from '../agent-core/llm-status.ts';
import { AddressJson, DecimalString } from '../common/json-schemas.ts';

/**
 * The answers of the app's own routes as zod schemas: GET /v1/session, GET /health, the unlock and
 * lock of the owner key, and the faucet. The routes type their answers with them; /openapi.json
 * publishes them; the page's types (chat-ui/public/js/api-types.d.ts) are generated from them.
 */

const ChainSchema = z.object({ slug: z.string(), name: z.string(), chainId: z.number().int() });

/** GET /v1/session: who is signed in, on which chain, with which LLM. */
export const SessionResponseSchema = z.object({ user: z.string(), chain: ChainSchema, llm: LlmStatusSchema });
export type SessionResponse = z.output<typeof SessionResponseSchema>;

/** GET /health. `status` is "ok" only when the chain and the bundler both answer. */
export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  chain: ChainSchema.extend({
    blockNumber: z.number().int().nullable(),
    reachable: z.boolean(),
    error: z.string().optional(),
  }),
  bundler: z.object({
    url: z.string().nullable().describe('Cut to its origin: bundler URLs often carry API keys.'),
    reachable: z.boolean(),
    entryPoints: z.array(z.string()),
    error: z.string().optional(),
  }),
  llm: LlmStatusSchema,
});
export type HealthResponse = z.output<typeof HealthResponseSchema>;

/** POST /v1/session/unlock: the owner key is open in memory until it goes unused for `idleMinutes`. */
export const UnlockResponseSchema = z.object({
  unlocked: z.literal(true),
  owner: AddressJson,
  idleMinutes: z.number(),
});
export type UnlockResponse = z.output<typeof UnlockResponseSchema>;

/** POST /v1/session/lock: the owner key is dropped from memory. */
export const LockResponseSchema = z.object({ unlocked: z.literal(false) });
export type LockResponse = z.output<typeof LockResponseSchema>;

/** POST /v1/faucet: the account funded and what it was given, in human units. */
export const FaucetResponseSchema = z.object({
  account: AddressJson,
  given: z.array(z.object({ symbol: z.string(), amount: DecimalString })),
});
export type FaucetResponse = z.output<typeof FaucetResponseSchema>;
