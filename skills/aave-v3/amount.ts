import { z } from 'zod';
import { HumanAmount } from '../sdk/inputs.ts';

/**
 * The amount for withdraw and repay: a number, or "all". All of a supply or a debt is a moving
 * target (interest accrues every second), so the skills resolve it on chain, not the user.
 */
export const AmountOrAll = z
  .union([z.literal('all'), HumanAmount])
  .describe('Amount in human units of the token, as a decimal string such as "100" or "0.25", or "all".');

/**
 * The amount for supply and borrow: a number only. It is the SDK's HumanAmount with "all" caught
 * first, so the refusal says why instead of "not a number" (supplying a whole wallet or borrowing to
 * the limit is never what a careful default should do).
 */
export function exactAmount(action: 'supply' | 'borrow') {
  return z
    .string()
    .refine((value) => value.trim().toLowerCase() !== 'all', {
      message: `"all" is not an amount to ${action}; give a number such as "100"`,
      abort: true,
    })
    .regex(/^\d+(\.\d+)?$/, 'a positive decimal number such as "100" or "0.5"')
    .describe(`How much to ${action}, in human units of the token, as a decimal string, e.g. "100" or "0.25".`);
}
