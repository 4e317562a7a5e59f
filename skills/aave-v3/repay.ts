import { encodeFunctionData, erc20Abi } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, type SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { TokenName } from '../sdk/inputs.ts';
import { poolAbi, VARIABLE_RATE } from './abi.ts';
import { AmountOrAll } from './amount.ts';
import { AAVE_V3_CHAINS } from './chains.ts';
import { valueInBase } from './health-factor.ts';
import { aaveMarket } from './market.ts';
import { type AavePlan, describeAmount, formatRoughly, makePlan, planReading } from './plan.ts';
import { readPosition } from './position.ts';
import { readReserve } from './reserve.ts';

const RepayInput = z.object({ token: TokenName, amount: AmountOrAll });

/**
 * "Repay all" offers the debt plus this share of it (and at least one base unit) for the interest
 * that accrues until the operation executes: 0.1% is over eight hours at a 100% borrow rate.
 */
const ALL_MARGIN_DIVISOR = 1000n;

export const aaveRepay = defineSkill({
  id: 'aave-v3/repay',
  version: '1.0.0',
  title: 'Repay Aave V3 debt',
  description:
    'Repays variable-rate debt on Aave V3 with the borrowed token from the account; "all" clears the whole debt with its interest. ERC-20 tokens only: wrap ETH into WETH to repay WETH.',
  protocol: 'aave',
  author: SEXTANT_AUTHOR,
  actions: ['repay'],
  chains: AAVE_V3_CHAINS,
  input: RepayInput,
  contracts: { '*': [{ contract: 'aaveV3.pool', functions: ['repay(address,uint256,uint256,address)'] }] },
  async build(input, ctx) {
    const plan = await planRepay(input, ctx);
    const { market, reserve, amount } = plan;
    const asset = reserve.token.address;
    // Always an explicit amount, never uint256 max: the Pool takes min(amount, debt), so the approval
    // and the bounds are exact, and what is left of the allowance is at most the margin.
    return {
      calls: [
        {
          to: market.pool,
          value: 0n,
          data: encodeFunctionData({
            abi: poolAbi,
            functionName: 'repay',
            args: [asset, amount, VARIABLE_RATE, ctx.account],
          }),
        },
      ],
      bounds: { gives: [{ token: asset, amount }], receives: [] },
      approvals: [{ token: asset, spender: market.pool, amount }],
      summary: plan.all
        ? `Repay ${describeAmount(plan)} of debt on Aave V3, offering at most ${formatAmount(amount, reserve.token)}`
        : `Repay ${describeAmount(plan)} of debt on Aave V3`,
    };
  },
  async quote(input, ctx) {
    return planReading(await planRepay(input, ctx));
  },
});

async function planRepay(input: z.output<typeof RepayInput>, ctx: SkillContext): Promise<AavePlan> {
  const market = await aaveMarket(ctx);
  const reserve = await readReserve(ctx, market, input.token, 'repay');
  const { token } = reserve;
  const position = await readPosition(ctx, market, reserve);
  const debt = position.variableDebt;
  if (debt === 0n) {
    throw new SkillError(`This account has no variable-rate ${token.symbol} debt on Aave V3 on ${ctx.chain.name}.`, {
      hint: 'Nothing to repay; check the token.',
    });
  }
  const all = input.amount === 'all';
  let amount: bigint;
  if (all) {
    const margin = debt / ALL_MARGIN_DIVISOR > 0n ? debt / ALL_MARGIN_DIVISOR : 1n;
    const balance = await ctx.client.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [ctx.account],
    });
    if (balance < debt) {
      throw new SkillError(
        `The debt is ${formatRoughly(debt, token)}, but the account holds only ${formatRoughly(balance, token)}.`,
        {
          hint:
            balance > 0n
              ? `Repay part of it now (an amount up to what it holds), or get more ${token.symbol} first.`
              : `Get ${token.symbol} first (a swap, or a transfer in), then repay.`,
        },
      );
    }
    // Never more than the account holds: the Pool only takes what is owed, so a balance between the
    // debt and the debt plus the margin still clears it (unless seconds of interest outrun it).
    amount = debt + margin < balance ? debt + margin : balance;
  } else {
    amount = toBaseUnits(input.amount, token);
    if (amount > debt) {
      throw new SkillError(`The ${token.symbol} debt is only ${formatRoughly(debt, token)}.`, {
        hint: 'Repay "all" to clear it: the skill adds a small margin for the interest still accruing.',
      });
    }
  }
  const repaid = amount < debt ? amount : debt;
  // Clearing the whole debt values it rounded up, so that when it is the only debt nothing is left of
  // it by rounding; a part is valued rounded down, so the estimate never flatters.
  const value = valueInBase(repaid, reserve.price, token.decimals, all ? 'up' : 'down');
  return makePlan({ action: 'repay', market, reserve, amount, all, position }, { debtBase: -value });
}
