import { type Address, getAddress, isAddress } from 'viem';
import { z } from 'zod';
import { SextantError } from '../common/errors.ts';

/**
 * A referrer is the front end or protocol endpoint a request came in through, named by its payout
 * address: the emissions' community bucket pays it for the plan's execution. Stored checksummed.
 */
export class InvalidReferrerError extends SextantError {
  override name = 'InvalidReferrerError';
  override readonly code = 'invalid-referrer';
}

const REFERRER_RULE = 'not an Ethereum address (0x and 40 hex digits; mixed case must match its checksum)';

/** A referrer as the API and the MCP tools take it (viem's `isAddress`: a mixed-case typo fails its checksum). */
export const ReferrerSchema = z
  .string()
  .refine((value) => isAddress(value), REFERRER_RULE)
  .describe("The referrer's payout address: the front end or protocol endpoint the request came through.");

/** The referrer, checksummed; anything but an address is an InvalidReferrerError. */
export function parseReferrer(value: string): Address {
  if (!isAddress(value)) throw new InvalidReferrerError(`Referrer "${value}" is ${REFERRER_RULE}.`);
  return getAddress(value);
}
