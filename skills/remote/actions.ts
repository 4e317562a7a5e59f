import { z } from 'zod';
import type { IntentAction } from '../../common/intent-actions.ts';
import { HumanAmount, TokenName } from '../sdk/inputs.ts';
import type { SkillManifest } from '../sdk/manifest.ts';

/**
 * The actions a remote skill may serve, each with the input Sextant sends (the intent's own field
 * names, resolved) and validates itself. Only actions whose effect on the account Sextant can bound
 * from the user's words alone are accepted: for a swap, what is sold and the least that comes back.
 * A supply or a borrow moves value into positions (aTokens, debt) that the account's token balances
 * do not show, so a remote one could not be held to the intent; those stay local skills for now.
 */
export const REMOTE_SWAP_INPUT = z.object({
  tokenIn: TokenName.describe('The token to sell: "ETH" or a 0x token address (resolved by Sextant).'),
  tokenOut: TokenName.describe('The token to buy: "ETH" or a 0x token address (resolved by Sextant).'),
  amountIn: HumanAmount.describe('How much tokenIn to sell, in human units.').optional(),
  amountOut: HumanAmount.describe('How much tokenOut to buy, in human units (remote skills refuse it).').optional(),
  slippageBps: z.number().int().min(0).max(10_000).optional(),
  minAmountOut: HumanAmount.describe('The least tokenOut the user will accept, when they named one.').optional(),
});

export type RemoteSwapInput = z.output<typeof REMOTE_SWAP_INPUT>;

export const REMOTE_ACTIONS: readonly IntentAction[] = ['swap'];

const SWAP_FIELDS = new Set(Object.keys(REMOTE_SWAP_INPUT.shape));

/**
 * Why a remote skill cannot be used as declared, or undefined when it can: it must be an action skill
 * serving only actions Sextant can bound, and its input may require no field Sextant does not send.
 */
export function remoteSkillProblem(manifest: SkillManifest): string | undefined {
  if (manifest.kind !== 'action') return 'remote skills must build calls; read-only ones are not accepted';
  const others = manifest.actions.filter((action) => !REMOTE_ACTIONS.includes(action));
  if (others.length > 0) {
    return `remote skills may serve ${REMOTE_ACTIONS.join(', ')} only (it declares ${others.join(', ')}), since Sextant must bound what they do from the intent alone`;
  }
  const required = Array.isArray(manifest.input.required) ? (manifest.input.required as unknown[]) : [];
  const unknown = required.filter((field) => typeof field !== 'string' || !SWAP_FIELDS.has(field));
  if (unknown.length > 0) {
    return `its input requires ${unknown.map(String).join(', ')}, which Sextant does not send (it sends ${[...SWAP_FIELDS].join(', ')})`;
  }
  return undefined;
}
