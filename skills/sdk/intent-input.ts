import { isDeepStrictEqual } from 'node:util';
import type { Address } from 'viem';
import { z } from 'zod';
import type { IntentAction } from '../../common/intent-actions.ts';
import { SkillDefinitionError } from './errors.ts';

/**
 * An intent as the planner hands it to a skill: every name resolved against the chain. Tokens are a
 * listed symbol or a 0x address (an unlisted token only ever by address), people and contracts are
 * 0x addresses, and the amount is in human units of the token it counts in: the user's "half",
 * "$50" or "all my USDC" already made a number, except where the skill's own `amount` takes "all"
 * (all of a supply or a debt moves every second; the skill resolves it on chain).
 */
export type ResolvedIntent = {
  action: IntentAction;
  token?: string;
  tokenIn?: string;
  tokenOut?: string;
  /** Human units ("100", "0.25"), or "all" where the skill's `amount` field takes it. */
  amount?: string;
  /** The same amount in the token's smallest unit, for a skill that counts in them. */
  amountInBaseUnits?: string;
  amountOut?: string;
  minAmountOut?: string;
  slippageBps?: number;
  recipient?: Address;
  spender?: Address;
  /** Whose balance a read asks about, when not the account's own. */
  account?: Address;
  /** Bridges: the destination chain's slug, as the user named it ("arbitrum"). */
  toChain?: string;
  /** NFTs: the token id, as the user gave it. */
  tokenId?: string;
};

/** How a skill turns a resolved intent into its input (`defineSkill({ fromIntent })`). */
export type FromIntent = (intent: ResolvedIntent) => unknown;

/** The fields of an object input schema; undefined for any other schema. */
function inputFields(input: z.ZodType): Record<string, z.ZodType> | undefined {
  return input instanceof z.ZodObject ? (input.shape as Record<string, z.ZodType>) : undefined;
}

/**
 * Which resolved field fills an input field of the same meaning when the skill declares no
 * `fromIntent`: each by its own name, and `amountIn` (what a swap sells) from the intent's amount.
 */
function intentValueFor(field: string, intent: ResolvedIntent): unknown {
  if (field === 'amountIn') return intent.amount;
  return intent[field as keyof ResolvedIntent];
}

/**
 * The skill's input for a resolved intent: its own `fromIntent` when it declares one, else each of
 * its input's fields from the intent's field of the same name. A resolved field the input has no
 * place for is named, never dropped: a payee, a spender or a minimum the skill would ignore is a
 * plan that does something else than what was asked.
 */
export function inputFromIntent(
  skill: { id: string; input: z.ZodType; fromIntent?: FromIntent },
  intent: ResolvedIntent,
): unknown {
  if (skill.fromIntent) return skill.fromIntent(intent);
  const fields = inputFields(skill.input);
  if (!fields) {
    throw new SkillDefinitionError(
      `Skill ${skill.id}: its input is not an object schema, so it must say how an intent maps to it (fromIntent).`,
    );
  }
  const input: Record<string, unknown> = {};
  for (const field of Object.keys(fields)) {
    const value = intentValueFor(field, intent);
    if (value !== undefined) input[field] = value;
  }
  return input;
}

/**
 * The resolved fields a skill's input would leave unused (apart from `action`; the amount counts once,
 * in whichever unit the skill takes it): the planner refuses such a plan rather than build one that
 * ignores part of the request. By name, the fields its object input has no place for; with
 * `fromIntent`, the parts of the intent whose absence would not change the input it maps to (a
 * mapping that ignores the user's minimum, or spreads it into a schema that strips it, ignores it).
 */
export function unusedIntentFields(
  skill: { input: z.ZodType; fromIntent?: FromIntent },
  intent: ResolvedIntent,
): (keyof ResolvedIntent)[] {
  const given = (Object.keys(intent) as (keyof ResolvedIntent)[]).filter(
    (key) => key !== 'action' && key !== 'amountInBaseUnits' && intent[key] !== undefined,
  );
  if (skill.fromIntent) return ignoredByFromIntent(skill.fromIntent, inputFields(skill.input), intent, given);
  const fields = new Set(Object.keys(inputFields(skill.input) ?? {}));
  if (fields.has('amountIn')) fields.add('amount');
  if (fields.has('amountInBaseUnits')) fields.add('amount');
  return given.filter((key) => !fields.has(key));
}

/**
 * The parts of the intent a `fromIntent` ignores: mapped once with the whole intent and once without
 * the part (the amount with its base units), the input it fills does not differ. Fields the skill's
 * object schema does not declare are stripped when the input is parsed, so they do not count; a
 * mapping that fails without the part needs it.
 */
function ignoredByFromIntent(
  fromIntent: FromIntent,
  fields: Record<string, z.ZodType> | undefined,
  intent: ResolvedIntent,
  given: (keyof ResolvedIntent)[],
): (keyof ResolvedIntent)[] {
  const whole = fromIntent(intent);
  return given.filter((part) => {
    const without: ResolvedIntent = { ...intent };
    delete without[part];
    if (part === 'amount') delete without.amountInBaseUnits;
    let reduced: unknown;
    try {
      reduced = fromIntent(without);
    } catch {
      return false;
    }
    return !differsInKeptFields(whole, reduced, fields);
  });
}

function differsInKeptFields(a: unknown, b: unknown, fields: Record<string, z.ZodType> | undefined): boolean {
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isRecord(a) || !isRecord(b)) return !isDeepStrictEqual(a, b);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].some((key) => (!fields || key in fields) && !isDeepStrictEqual(a[key], b[key]));
}

/** Whether the skill's `amount` takes "all" itself (withdraw and repay: all of a moving balance). */
export function takesAll(skill: { input: z.ZodType }): boolean {
  return inputFields(skill.input)?.amount?.safeParse('all').success ?? false;
}

/** Whether the skill's input has a field of this name. */
export function hasInputField(skill: { input: z.ZodType }, field: string): boolean {
  return inputFields(skill.input)?.[field] !== undefined;
}
