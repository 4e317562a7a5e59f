import { type Address, isAddress } from 'viem';
import { z } from 'zod';

/**
 * Input fields many skills share. Their `.describe()` texts reach the LLM as tool descriptions, so
 * they say what the field is and in which form.
 */

/** A positive amount in human units, as a decimal string ("100", "0.5"). */
export const HumanAmount = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a positive decimal number such as "100" or "0.5"')
  .describe('Amount in human units of the token, as a decimal string, e.g. "100" or "0.25".');

/** A token named by the user: a symbol from the chain's token list, or a 0x address. */
export const TokenName = z
  .string()
  .min(1)
  .describe('The token, as a symbol from the token list (e.g. "USDC", "ETH") or its 0x address.');

/** A 0x address, described for the field it fills (ENS names and labels are resolved before a skill runs). */
export function addressInput(description: string): z.ZodType<Address, string> {
  return z
    .string()
    .refine((value) => isAddress(value, { strict: false }), 'a 0x address of 40 hex digits')
    .describe(description) as unknown as z.ZodType<Address, string>;
}
