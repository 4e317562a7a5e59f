import { z } from 'zod';

/**
 * A user's limits as the API shows them (GET and PUT /v1/policy), as a zod schema: the Policy type
 * (policy.ts) is read from it, /openapi.json publishes it, the page's types are generated from it.
 */
export const PolicySchema = z.object({
  maxPlanUsd: z.number().describe('The most one plan may move, in USD (what leaves the account, at current prices).'),
  maxDailyUsd: z
    .number()
    .describe("The most all of a day's plans (the last 24 hours, confirmed) plus this one may move, in USD."),
  maxSlippageBps: z.number().int().describe('The highest swap slippage a plan may use, in basis points.'),
  confirmNewRecipients: z
    .boolean()
    .describe('A transfer to an address this user has never sent to needs an explicit confirmation.'),
});

/** GET /v1/policy and PUT /v1/policy: the policy as stored. */
export const PolicyResponseSchema = z.object({ policy: PolicySchema });
export type PolicyResponse = z.output<typeof PolicyResponseSchema>;
