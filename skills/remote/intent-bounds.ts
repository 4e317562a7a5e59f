import { erc20Abi, formatUnits, isAddressEqual } from 'viem';
import type { Token } from '../../common/chains/types.ts';
import { toBaseUnits } from '../sdk/amounts.ts';
import type { AssetBounds, SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import type { RemoteAction, RemoteSupplyInput, RemoteSwapInput, RemoteWithdrawInput } from './actions.ts';
import { positionTokenFor } from './position-token.ts';

/**
 * Aave's ray arithmetic rounds each conversion between an amount and the aToken's scaled balance by
 * at most one unit, up or down, so a supply of N may show N − 1 aTokens and a withdraw of N may burn
 * N + 1. Two units cover it; more would be room for an endpoint to skim.
 */
export const POSITION_ROUNDING_UNITS = 2n;

/**
 * What Sextant holds a remote step to, derived from the intent alone before the endpoint is asked:
 * the one asset the account may give (and at most how much) and the one it must receive (and at
 * least how much). For a swap, the least received is the user's own minimum, or none yet: the
 * endpoint's claimed minimum is then checked against the simulation (remote-skill.ts).
 */
export type IntentBound = {
  /** What the endpoint is asked to build: the input, with its tokens resolved. */
  request: Record<string, unknown>;
  /** The step in words, for refusals: "swap", "supply", "withdrawal". */
  what: string;
  /** What the user asked to do with what is given: "sell", "supply", "withdraw". */
  verb: string;
  gives: { token: Token; amount: bigint };
  receives: { token: Token; amount: bigint };
  /** A minimum the user named (a swap's "at least …"), which the endpoint's claim may not undercut. */
  userMinimum: bigint | undefined;
  /** The bounds the plan carries once the minimum is settled (token balances, as local skills declare them). */
  planBounds(minimum: bigint): AssetBounds;
  /** The preview's line, written by Sextant from the checked numbers. */
  summary(minimum: bigint, via: string, amount: (value: bigint, token: Token) => string): string;
};

/** The bound of a remote step of `action` for this input (already validated against the action's schema). */
export function intentBound(action: RemoteAction, input: unknown, ctx: SkillContext, id: string): Promise<IntentBound> {
  if (action === 'swap') return swapBound(input as RemoteSwapInput, ctx, id);
  if (action === 'supply') return supplyBound(input as RemoteSupplyInput, ctx, id);
  return withdrawBound(input as RemoteWithdrawInput, ctx, id);
}

/** A swap sells an exact amount: at most that leaves, at least the minimum comes back. */
async function swapBound(input: RemoteSwapInput, ctx: SkillContext, id: string): Promise<IntentBound> {
  if (input.amountIn === undefined || input.amountOut !== undefined) {
    throw new SkillError(`${id} is a remote skill: it sells an exact amount (amountIn) and nothing else.`, {
      hint: 'An exact-output swap needs a maximum input that Sextant cannot derive from your words; name the amount to sell, or use a local skill.',
    });
  }
  const [tokenIn, tokenOut] = await Promise.all([ctx.token(input.tokenIn), ctx.token(input.tokenOut)]);
  if (isAddressEqual(tokenIn.address, tokenOut.address))
    throw new SkillError(`${id}: ${tokenIn.symbol} for itself is no swap.`);
  const amountIn = toBaseUnits(input.amountIn, tokenIn);
  const userMinimum = input.minAmountOut === undefined ? undefined : toBaseUnits(input.minAmountOut, tokenOut);
  return {
    request: input,
    what: 'swap',
    verb: 'sell',
    gives: { token: tokenIn, amount: amountIn },
    receives: { token: tokenOut, amount: userMinimum ?? 0n },
    userMinimum,
    planBounds: (minimum) => ({
      gives: [{ token: tokenIn.address, amount: amountIn }],
      receives: [{ token: tokenOut.address, amount: minimum }],
    }),
    summary: (minimum, via, amount) =>
      `Swap ${amount(amountIn, tokenIn)} for at least ${amount(minimum, tokenOut)} through ${via}`,
  };
}

/**
 * A supply gives at most the amount of the token, and the account's position token (the aToken)
 * must rise by at least that amount less Aave's rounding: supplied on the account's behalf, not
 * anyone else's.
 */
async function supplyBound(input: RemoteSupplyInput, ctx: SkillContext, id: string): Promise<IntentBound> {
  const token = await ctx.token(input.token);
  const position = await positionTokenFor(ctx, token, id);
  const amount = toBaseUnits(input.amount, token);
  const least = amount > POSITION_ROUNDING_UNITS ? amount - POSITION_ROUNDING_UNITS : 0n;
  return {
    request: { token: token.address, amount: formatUnits(amount, token.decimals) },
    what: 'supply',
    verb: 'supply',
    gives: { token, amount },
    receives: { token: position, amount: least },
    userMinimum: undefined,
    // As the local supply declares it: the token leaves; the aToken is a position, not a listed token.
    planBounds: () => ({ gives: [{ token: token.address, amount }], receives: [] }),
    summary: (minimum, via, format) =>
      `Supply ${format(amount, token)} for at least ${format(minimum, position)} through ${via}`,
  };
}

/**
 * A withdraw gives at most the amount of the position token (plus Aave's rounding), and the account
 * must receive at least the amount of the token: paid to the account, not anyone else. "all" is the
 * position's balance as the plan's earlier steps leave it.
 */
async function withdrawBound(input: RemoteWithdrawInput, ctx: SkillContext, id: string): Promise<IntentBound> {
  const token = await ctx.token(input.token);
  const position = await positionTokenFor(ctx, token, id);
  let amount: bigint;
  if (input.amount === 'all') {
    amount = await ctx.client.readContract({
      address: position.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [ctx.account],
    });
    if (amount === 0n) {
      throw new SkillError(`There is no ${token.symbol} supplied to Aave V3 from this account on ${ctx.chain.name}.`, {
        hint: 'Nothing to withdraw; check the token.',
      });
    }
  } else {
    amount = toBaseUnits(input.amount, token);
  }
  return {
    request: { token: token.address, amount: formatUnits(amount, token.decimals) },
    what: 'withdrawal',
    verb: 'withdraw',
    gives: { token: position, amount: amount + POSITION_ROUNDING_UNITS },
    receives: { token, amount },
    userMinimum: undefined,
    // As the local withdraw declares it, and the funds taken out of the position for the policy to count.
    planBounds: () => ({
      gives: [],
      receives: [{ token: token.address, amount }],
      withdrawals: [{ token: token.address, amount }],
    }),
    summary: (_minimum, via, format) =>
      `Withdraw ${format(amount, token)} (at most ${format(amount + POSITION_ROUNDING_UNITS, position)}) through ${via}`,
  };
}
