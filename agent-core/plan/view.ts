import { z } from 'zod';
import { AddressJson, IntegerString } from '../../common/json-schemas.ts';

/**
 * A plan as the API shows it, as a zod schema: the one shape behind POST /v1/chat's `plan` event,
 * GET /v1/plans/:id, a cancel, a conversation's turns and MCP. `planView` (agent.ts) builds it; the
 * fake API (chat-ui/testing/fake-api.ts) and the page are typed from it; /openapi.json publishes it.
 */

const SkillReadingSchema = z.object({ summary: z.string(), values: z.record(z.string(), z.string()) });

const BalanceChangeSchema = z.object({
  token: AddressJson,
  symbol: z.string(),
  amount: z.string(),
  baseUnits: IntegerString,
  usd: z.number().optional(),
  kind: z.enum(['wallet', 'supplied', 'debt']),
  asset: z.object({ token: AddressJson, symbol: z.string(), protocol: z.string() }).optional(),
  description: z.string(),
});

const ValueFlowSchema = z.object({
  kind: z.enum(['give', 'transfer', 'allowance', 'debt', 'withdrawal']),
  step: z.number().int(),
  token: AddressJson,
  label: z.string(),
  listed: z.boolean(),
  amount: z.string(),
  baseUnits: IntegerString,
  usd: z.number().optional(),
  countedUsd: z.number().optional(),
  to: AddressJson.optional(),
});

const UnlistedTokenSchema = z.object({ address: AddressJson, symbol: z.string() });

const ValueLedgerSchema = z.object({
  flows: z.array(ValueFlowSchema),
  totalUsd: z.number(),
  unpriced: z.array(AddressJson),
  unlistedTokens: z.array(UnlistedTokenSchema),
  recipients: z.array(AddressJson),
  healthFactor: z.object({ before: IntegerString.nullable(), after: IntegerString.nullable() }).optional(),
});

const LegPreviewSchema = z.object({
  ok: z.boolean(),
  problem: z.string().optional(),
  changes: z.array(BalanceChangeSchema),
  approvals: z.array(
    z.object({
      token: AddressJson,
      symbol: z.string(),
      spender: AddressJson,
      amount: z.string(),
      remaining: z.string(),
    }),
  ),
  gas: z.object({ units: IntegerString, fee: z.string(), feeUsd: z.number().optional(), sponsored: z.boolean() }),
  ledger: ValueLedgerSchema,
  valueOutUsd: z.number(),
  /** The on-chain guard the bundle ends with, and its bounds in words; absent: the bundle runs unguarded. */
  guard: z
    .object({
      address: AddressJson,
      checks: z.array(z.string()),
      /** When the bundle may run code Sextant has not vetted: every token the guard reads, all the account held at the preview. */
      watchesHoldings: z.array(AddressJson).optional(),
    })
    .optional(),
});

export const PreviewSchema = LegPreviewSchema.extend({
  /**
   * A plan that continues on another chain after a bridge: that leg's preview, simulated on its chain
   * as it will be once the bridged funds arrive. The ledger and valueOutUsd above count both legs.
   */
  destination: z
    .object({
      chainId: z.number().int(),
      chain: z.string(),
      /** What the bridge brings there, at least, by `deadline` (unix seconds); the leg runs once it has. */
      arrives: z.array(
        z.object({ token: AddressJson, symbol: z.string(), amount: z.string(), deadline: z.number().int() }),
      ),
      preview: LegPreviewSchema,
    })
    .optional(),
});

export const PlanStatusSchema = z.enum(['proposed', 'refused', 'confirmed', 'cancelled', 'expired']);

export const PlanViewSchema = z.object({
  id: z.string(),
  status: PlanStatusSchema,
  steps: z.array(
    z.object({
      skillId: z.string(),
      version: z.string(),
      protocol: z.string(),
      title: z.string(),
      summary: z.string(),
      quote: SkillReadingSchema.optional(),
      /** Set on the steps that run on another chain once the plan's bridge is filled there. */
      chainId: z.number().int().optional(),
    }),
  ),
  preview: PreviewSchema,
  valueUsd: z.number(),
  /** Addresses this plan pays that the user has never paid: confirming needs an explicit yes for them. */
  newRecipients: z.array(AddressJson),
  /** Tokens off the token list the plan uses (named by address): confirming needs an explicit yes. */
  unlistedTokens: z.array(UnlistedTokenSchema),
  refusal: z.string().optional(),
  expiresAt: z.string(),
  executionId: z.string().optional(),
  /**
   * A plan that continues on another chain, once confirmed: where its leg there stands. `waiting`
   * until the bridge is filled there (or fails, or expires); `executed` once its own execution there
   * was sent (`executionStatus` says how it ended); `abandoned` with the reason when it never will run.
   */
  leg: z
    .object({
      chainId: z.number().int(),
      status: z.enum(['waiting', 'executed', 'abandoned']),
      reason: z.string().optional(),
      executionId: z.string().optional(),
      executionStatus: z.string().optional(),
      txHash: z.string().optional(),
    })
    .optional(),
});

/** GET /v1/plans/:id and POST /v1/plans/:id/cancel. */
export const PlanResponseSchema = z.object({ plan: PlanViewSchema });
