import { z } from 'zod';
import { AddressJson, DecimalString, HexJson, IntegerString } from '../common/json-schemas.ts';
import { BUCKETS } from './schedule.ts';

/**
 * The settled epochs' answers of the HTTP API as zod schemas: GET /v1/emissions/epochs,
 * GET /v1/emissions/epochs/:epoch and GET /v1/emissions/epochs/:epoch/claims/:address. The routes (routes.ts) type their answers with them, the report
 * (report.ts) is typed from its schema; /openapi.json publishes them; the page's types are generated
 * from them. Amounts are exact decimal strings in whole tokens.
 */

const EpochStatusSchema = z.enum(['settled', 'distributed', 'nothing-to-pay']);

/** GET /v1/emissions/epochs: the settled epochs, newest first. */
export const EpochListResponseSchema = z.object({
  epochs: z.array(
    z.object({
      epoch: z.number().int(),
      status: EpochStatusSchema,
      total: DecimalString,
      claims: z.number().int(),
      settledAt: z.string(),
    }),
  ),
});
export type EpochListResponse = z.output<typeof EpochListResponseSchema>;

/** GET /v1/emissions/epochs/:epoch: a settled epoch per bucket, for people and for the chart. */
export const EpochReportSchema = z.object({
  epoch: z.number().int(),
  from: z.string(),
  to: z.string(),
  status: EpochStatusSchema,
  total: DecimalString,
  claims: z.number().int(),
  root: z.string().nullable(),
  digest: z.string(),
  chainId: z.number().int().nullable(),
  rewardToken: AddressJson.nullable(),
  distributor: AddressJson.nullable(),
  buckets: z.array(
    z.object({
      bucket: z.enum(BUCKETS),
      emitted: DecimalString,
      carriedIn: DecimalString,
      paid: DecimalString,
      carriedOut: DecimalString,
      contributors: z.number().int(),
      payouts: z
        .array(z.object({ contributor: AddressJson, amount: DecimalString }))
        .describe('Largest payouts first; all of them unless a `top` limit was asked for.'),
    }),
  ),
});
export type EpochReport = z.output<typeof EpochReportSchema>;

/**
 * GET /v1/emissions/epochs/:epoch/claims/:address: what one address can claim from a settled epoch,
 * with everything the distributor's `claim(index, account, amount, proof)` takes.
 */
export const ClaimProofSchema = z.object({
  epoch: z.number().int(),
  status: EpochStatusSchema,
  account: AddressJson,
  index: z.number().int(),
  amount: DecimalString.describe('In whole tokens (18 decimals).'),
  amountWei: IntegerString,
  proof: z.array(HexJson),
  root: HexJson,
  chainId: z.number().int().nullable(),
  rewardToken: AddressJson.nullable(),
  distributor: AddressJson.nullable().describe('Null until the epoch is distributed.'),
  claimed: z
    .boolean()
    .nullable()
    .describe('What the distributor says; null when it is not deployed yet or the chain was not asked.'),
});
export type ClaimProof = z.output<typeof ClaimProofSchema>;
