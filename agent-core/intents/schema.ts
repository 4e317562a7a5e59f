import { z } from 'zod';
import { INTENT_ACTIONS } from '../../common/intent-actions.ts';

/**
 * The canonical intent schema (shared/design/intent-schema.md), as zod. The parsers (embedded and
 * LLM) produce it, the planner consumes it, `sextant parse` prints it. The `.describe()` texts double
 * as the LLM's field descriptions, so they say what the doc says.
 */

const DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
/** "100", "0.5", "all", "50%", "$100". */
const AMOUNT = /^(?:all|(?:\d+(?:\.\d+)?|\.\d+)%|\$(?:\d+(?:\.\d+)?|\.\d+)|\d+(?:\.\d+)?|\.\d+)$/;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;

export const AmountSchema = z
  .string()
  .regex(AMOUNT, 'expected "100", "0.5", "all", a percentage ("50%") or a USD value ("$100")')
  .refine((value) => !value.endsWith('%') || Number(value.slice(0, -1)) <= 100, 'a percentage is at most 100%')
  .describe(
    'Human units as typed ("100", "0.5"), "all", a percentage of the balance ("50%"; "half" is "50%") or a USD value ("$100"). For swaps, the amount of tokenIn.',
  );

const DecimalSchema = z.string().regex(DECIMAL, 'expected a decimal number in human units, e.g. "1000" or "0.5"');
const SlugSchema = z.string().regex(SLUG, 'expected a lower-case slug, e.g. "uniswap" or "base"');

export const IntentSchema = z.object({
  action: z.enum(INTENT_ACTIONS).describe('What to do.'),
  amount: AmountSchema.optional(),
  amountOut: DecimalSchema.describe(
    'Swaps only: an exact-output amount of tokenOut ("buy 1000 USDC with ETH").',
  ).optional(),
  minAmountOut: DecimalSchema.describe(
    'Swaps: a floor on what is received that the user stated ("at least 4000 USDT").',
  ).optional(),
  slippageBps: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .describe('A slippage the user stated, in basis points (0.3% is 30).')
    .optional(),
  token: z
    .string()
    .min(1)
    .describe('The asset of a single-asset action, as a symbol ("USDC") or a 0x address if the user typed one.')
    .optional(),
  tokenIn: z.string().min(1).describe('Swaps: the token sold.').optional(),
  tokenOut: z.string().min(1).describe('Swaps: the token bought.').optional(),
  recipient: z
    .string()
    .min(1)
    .describe('Transfers: a 0x address, an ENS name or an address-book label, exactly as the user gave it.')
    .optional(),
  spender: z.string().min(1).describe('Approvals: whom the allowance is for.').optional(),
  account: z.string().min(1).describe('Read queries about another address ("balance of 0x...").').optional(),
  tokenId: z.string().min(1).describe('NFTs: the token id.').optional(),
  protocol: SlugSchema.describe(
    'Lower-case protocol slug, only when the user named one ("uniswap", "aave").',
  ).optional(),
  chain: SlugSchema.describe('Lower-case chain slug, only when the user named one ("base", "arbitrum").').optional(),
  toChain: SlugSchema.describe('Bridges: the destination chain slug.').optional(),
  schedule: z
    .object({
      every: z.literal('day'),
      times: z.number().int().min(1).max(366),
    })
    .strict()
    .describe(
      'A repetition the user stated ("every day for 30 days": {"every": "day", "times": 30}): the request becomes a standing order, never a one-off. Only when the words say both how often and how many times.',
    )
    .optional(),
  condition: z
    .object({
      token: z.string().min(1),
      direction: z.enum(['above', 'below']),
      price: DecimalSchema,
    })
    .strict()
    .describe(
      'A price the user made the request wait for ("sell 1 ETH for USDC if ETH goes above 3,300": {"token": "ETH", "direction": "above", "price": "3300"}): the request becomes a standing price order, never done now.',
    )
    .optional(),
});

export const ParseResultSchema = z.object({
  intents: z.array(IntentSchema).describe('The intents, in execution order; [] when the message asks for nothing.'),
  clarify: z
    .string()
    .min(1)
    .describe(
      'A question, when something needed is missing or ambiguous; the intents may still carry what was understood.',
    )
    .optional(),
  unsupported: z.string().min(1).describe('Why the request cannot be done at all.').optional(),
  parser: z
    .string()
    .regex(/^(?:embedded|ollama:.+)$/, 'expected "embedded" or "ollama:<model>"')
    .describe('Which parser produced the result.'),
});

export type Intent = z.infer<typeof IntentSchema>;
export type ParseResult = z.infer<typeof ParseResultSchema>;
