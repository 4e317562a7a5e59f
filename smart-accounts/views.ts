import { z } from 'zod';
import { AddressJson, HexJson, IntegerString } from '../common/json-schemas.ts';

/**
 * The smart-account answers of the HTTP API as zod schemas: what GET /v1/executions/:id (and its
 * events), a confirm and GET /v1/account return. The routes type their answers with them; /openapi.json publishes them.
 */

export const ExecutionStatusSchema = z.enum(['pending', 'submitted', 'succeeded', 'reverted', 'failed', 'dropped']);

/** An execution record as JSON (bigints as strings). */
export const ExecutionViewSchema = z.object({
  id: z.string(),
  planId: z.string().nullable(),
  status: ExecutionStatusSchema,
  sent: z.enum(['no', 'unknown', 'yes']),
  userOpHash: HexJson.nullable(),
  txHash: HexJson.nullable(),
  gasUsed: IntegerString.nullable(),
  feePaid: IntegerString.nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ExecutionView = z.output<typeof ExecutionViewSchema>;

export const ExecutionResponseSchema = z.object({ execution: ExecutionViewSchema });

/**
 * The events of GET /v1/executions/:id/events: each is the stream's `event:` name and the JSON of its
 * `data:` line — the execution at each change of status, then `done` with the last status sent.
 */
export const ExecutionEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('status'), data: ExecutionResponseSchema }),
  z.object({
    event: z.literal('done'),
    data: z.object({
      status: z.union([ExecutionStatusSchema, z.literal('')]).describe("The last status sent ('' when none was)."),
    }),
  }),
]);
export type ExecutionEvent = z.output<typeof ExecutionEventSchema>;

const BalanceViewSchema = z.object({
  symbol: z.string(),
  address: AddressJson.nullable(),
  decimals: z.number().int(),
  raw: IntegerString,
  amount: z.string(),
  usd: z.number().nullable(),
  reward: z.literal(true).optional(),
});

const PositionViewSchema = z.object({
  protocol: z.enum(['aave-v3', 'sextant', 'erc-4337']),
  kind: z.enum(['supplied', 'borrowed', 'deposit', 'gas-deposit']),
  symbol: z.string(),
  asset: AddressJson,
  token: AddressJson,
  tokenSymbol: z.string(),
  decimals: z.number().int(),
  raw: IntegerString,
  amount: z.string(),
  shares: z.string().optional(),
  usd: z.number().nullable(),
  priceSource: z.enum(['aave-oracle', 'price-skill']),
  collateral: z.boolean().optional(),
});

const AaveViewSchema = z.object({
  healthFactor: z.number().nullable(),
  collateralUsd: z.number(),
  debtUsd: z.number(),
  availableBorrowsUsd: z.number(),
  ltvBps: z.number(),
  liquidationThresholdBps: z.number(),
});

/** The account summary (smart-accounts/balances.ts accountSummary) as JSON. */
export const AccountSummarySchema = z.object({
  deployed: z.boolean(),
  chain: z.object({ slug: z.string(), name: z.string(), chainId: z.number().int() }),
  balances: z.array(BalanceViewSchema),
  positions: z.array(PositionViewSchema),
  aave: AaveViewSchema.nullable(),
  totals: z.object({
    walletUsd: z.number(),
    positionsUsd: z.number(),
    debtUsd: z.number(),
    totalUsd: z.number(),
    unpriced: z.array(z.string()),
  }),
});

/**
 * Which account the owner key drives (users.account_mode): a SimpleAccount at its own address, or
 * the owner's own address delegated (EIP-7702) to Simple7702Account or MetaMask's DeleGator.
 */
export const AccountModeSchema = z.enum(['simple-account', 'eip7702']);

/** In eip7702 mode, which contract the address delegates to (users.eip7702_implementation). */
export const Eip7702ImplementationSchema = z.enum(['simple7702', 'delegator']);

/** GET /v1/account: the signed-in user, their owner and smart account, and the account summary. */
export const AccountResponseSchema = AccountSummarySchema.extend({
  user: z.string(),
  address: AddressJson,
  owner: AddressJson,
  accountMode: AccountModeSchema.describe(
    "'simple-account': a SimpleAccount (EntryPoint v0.8) at `address`, owned by `owner`; 'eip7702': `address` is the owner's own, delegated to Simple7702Account or MetaMask's EIP-7702 DeleGator (eip7702Implementation).",
  ),
  eip7702Implementation: Eip7702ImplementationSchema.nullable().describe(
    "In eip7702 mode, what the address delegates to (or will, by its next batch): 'simple7702' (Simple7702Account) or 'delegator' (MetaMask's EIP-7702 DeleGator, which can hold delegations with caveats); null for a SimpleAccount.",
  ),
  implementation: AddressJson.nullable().describe(
    'The contract the address delegates to on chain (EIP-7702), or null when it delegates to none (always null for a SimpleAccount; in eip7702 mode null until the first operation carries the authorization).',
  ),
});
export type AccountResponse = z.output<typeof AccountResponseSchema>;
