import { z } from 'zod';
import type { IntentAction } from '../../common/intent-actions.ts';
import { HumanAmount, TokenName } from '../sdk/inputs.ts';
import type { SkillManifest } from '../sdk/manifest.ts';

/**
 * The actions a remote skill may serve, each with the input Sextant sends (the intent's own field
 * names, resolved) and validates itself. Only actions whose effect on the account Sextant can bound
 * from the user's words alone, in a simulation, are accepted:
 * - a swap: what is sold, and the least that comes back (token balances);
 * - a supply or a withdraw into or out of the chain's Aave V3 market: the token given and the
 *   position token (aToken) received, or the aToken given and the token received. The aToken is read
 *   from Sextant's own pool address for the chain, so its balance is a fact the simulation can check.
 * A borrow or a repay moves debt, which the account's balances do not bound from the words alone;
 * those stay local skills.
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

/** A supply: the token and how much of it, in human units ("all" is made a number by the planner first). */
export const REMOTE_SUPPLY_INPUT = z.object({
  token: TokenName.describe('The token to supply: a 0x token address (resolved by Sextant).'),
  amount: HumanAmount.describe('How much to supply, in human units.'),
});

export type RemoteSupplyInput = z.output<typeof REMOTE_SUPPLY_INPUT>;

/**
 * A withdraw: the token and how much of it. The planner may hand "all" (all of a supply moves every
 * second); Sextant resolves it to the position's balance before it asks, so the endpoint always gets
 * a number.
 */
export const REMOTE_WITHDRAW_INPUT = z.object({
  token: TokenName.describe('The token to withdraw: a 0x token address (resolved by Sextant).'),
  amount: z
    .union([z.literal('all'), HumanAmount])
    .describe('How much to withdraw, in human units; "all" is resolved by Sextant before the endpoint is asked.'),
});

export type RemoteWithdrawInput = z.output<typeof REMOTE_WITHDRAW_INPUT>;

export const REMOTE_INPUTS = {
  swap: REMOTE_SWAP_INPUT,
  supply: REMOTE_SUPPLY_INPUT,
  withdraw: REMOTE_WITHDRAW_INPUT,
} as const;

export type RemoteAction = keyof typeof REMOTE_INPUTS;

export const REMOTE_ACTIONS: readonly RemoteAction[] = ['swap', 'supply', 'withdraw'];

function isRemoteAction(action: IntentAction): action is RemoteAction {
  return (REMOTE_ACTIONS as readonly string[]).includes(action);
}

/**
 * The one action a remote skill serves, or why it cannot be used as declared: it must be an action
 * skill serving exactly one action Sextant can bound (the bound is the action's), and its input may
 * require no field Sextant does not send for that action.
 */
export function remoteSkillAction(manifest: SkillManifest): { action: RemoteAction } | { problem: string } {
  if (manifest.kind !== 'action') return { problem: 'remote skills must build calls; read-only ones are not accepted' };
  const others = manifest.actions.filter((action) => !isRemoteAction(action));
  if (others.length > 0) {
    return {
      problem: `remote skills may serve ${REMOTE_ACTIONS.join(', ')} only (it declares ${others.join(', ')}), since Sextant must bound what they do from the intent alone`,
    };
  }
  const [action, ...more] = manifest.actions.filter(isRemoteAction);
  if (!action || more.length > 0) {
    return {
      problem: `a remote skill serves one action, whose bound Sextant applies (it declares ${manifest.actions.join(', ') || 'none'})`,
    };
  }
  const fields = new Set(Object.keys(REMOTE_INPUTS[action].shape));
  const required = Array.isArray(manifest.input.required) ? (manifest.input.required as unknown[]) : [];
  const unknown = required.filter((field) => typeof field !== 'string' || !fields.has(field));
  if (unknown.length > 0) {
    return {
      problem: `its input requires ${unknown.map(String).join(', ')}, which Sextant does not send for a ${action} (it sends ${[...fields].join(', ')})`,
    };
  }
  return { action };
}

/** Why a remote skill cannot be used as declared, or undefined when it can (remoteSkillAction's problem). */
export function remoteSkillProblem(manifest: SkillManifest): string | undefined {
  const verdict = remoteSkillAction(manifest);
  return 'problem' in verdict ? verdict.problem : undefined;
}
