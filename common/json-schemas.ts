import type { Address, Hex } from 'viem';
import { z } from 'zod';

/**
 * Small zod pieces the API's response schemas share. The casts keep viem's template types (`0x${string}`)
 * on what the schemas give, and the JSON Schema a plain string with its pattern.
 */
export const AddressJson = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<Address>;
export const HexJson = z.string().regex(/^0x[0-9a-fA-F]*$/) as unknown as z.ZodType<Hex>;
/** An integer too large for a JSON number (base units, gas), as a decimal string. */
export const IntegerString = z.string().regex(/^-?\d+$/);
/** A decimal in human units ("-100", "0.0331"), exact. */
export const DecimalString = z.string().regex(/^-?\d+(\.\d+)?$/);
