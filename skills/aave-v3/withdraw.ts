import { encodeFunctionData, maxUint256 } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, type SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { TokenName } from '../sdk/inputs.ts';
import { poolAbi } from './abi.ts';
import { AmountOrAll } from './amount.ts';
import { AAVE_V3_CHAINS } from './chains.ts';
import {
  amountForValue,
  breaksFloor,
  collateralRoomAtFloor,
  formatHealthFactor,
  valueInBase,
} from './health-factor.ts';
import { aaveMarket } from './market.ts';
import { type AavePlan, describeAmount, formatRoughly, makePlan, planReading } from './plan.ts';
import { collateralThreshold, readPosition } from './position.ts';
import { availableLiquidity, readReserve } from './reserve.ts';

const WithdrawInput = z.object({ token: TokenName, amount: AmountOrAll });

export const aaveWithdraw = defineSkill({
  id: 'aave-v3/withdraw',
  version: '1.0.0',
  title: 'Withdraw from Aave V3',
  description:
    'Withdraws a supplied token from Aave V3 back to the account, burning its aTokens; "all" withdraws the whole supply with its interest. Refuses a withdrawal that would leave the health factor under 1.1 while there is debt.',
  protocol: 'aave',
  author: SEXTANT_AUTHOR,
  actions: ['withdraw'],
  chains: AAVE_V3_CHAINS,
  input: WithdrawInput,
  contracts: { '*': [{ contract: 'aaveV3.pool', functions: ['withdraw(address,uint256,address)'] }] },
  async build(input, ctx) {
    const plan = await planWithdraw(input, ctx);
    const { market, reserve, amount } = plan;
    const asset = reserve.token.address;
    // uint256 max asks the Pool for the whole aToken balance at execution, interest included; an
    // explicit figure would leave the interest of the seconds in between behind.
    const requested = plan.all ? maxUint256 : amount;
    return {
      calls: [
        {
          to: market.pool,
          value: 0n,
          data: encodeFunctionData({ abi: poolAbi, functionName: 'withdraw', args: [asset, requested, ctx.account] }),
        },
      ],
      bounds: { gives: [], receives: [{ token: asset, amount }] },
      approvals: [],
      summary: `Withdraw ${describeAmount(plan)} from Aave V3`,
    };
  },
  async quote(input, ctx) {
    return planReading(await planWithdraw(input, ctx));
  },
});

async function planWithdraw(input: z.output<typeof WithdrawInput>, ctx: SkillContext): Promise<AavePlan> {
  const market = await aaveMarket(ctx);
  const reserve = await readReserve(ctx, market, input.token, 'withdraw');
  const { token } = reserve;
  const position = await readPosition(ctx, market, reserve);
  if (position.supplied === 0n) {
    throw new SkillError(`There is no ${token.symbol} supplied to Aave V3 from this account on ${ctx.chain.name}.`, {
      hint: 'Nothing to withdraw; check the token (supply it first with aave-v3/supply).',
    });
  }
  const all = input.amount === 'all';
  const amount = all ? position.supplied : toBaseUnits(input.amount, token);
  if (amount > position.supplied) {
    throw new SkillError(`Only ${formatRoughly(position.supplied, token)} is supplied to Aave V3 from this account.`, {
      hint: `Withdraw at most that, or "all".`,
    });
  }
  const liquidity = await availableLiquidity(ctx, reserve);
  if (amount > liquidity) {
    throw new SkillError(
      `Aave V3 has only ${formatRoughly(liquidity, token)} on hand to withdraw right now; the rest is lent out.`,
      { hint: 'Withdraw at most that now, and the rest once borrowers repay.' },
    );
  }
  const threshold = collateralThreshold(reserve, position, 'withdraw');
  const plan = makePlan(
    { action: 'withdraw', market, reserve, amount, all, position },
    threshold === undefined
      ? {}
      : {
          collateralBase: -valueInBase(amount, reserve.price, token.decimals, 'up'),
          collateralThresholdBps: threshold,
        },
  );
  if (threshold !== undefined && breaksFloor(position.healthFactor, plan.healthFactorAfter)) {
    const room = amountForValue(collateralRoomAtFloor(position.account, threshold), reserve.price, token.decimals);
    throw new SkillError(
      `Withdrawing ${describeAmount(plan)} would take the health factor from ${formatHealthFactor(position.healthFactor)} to ${formatHealthFactor(plan.healthFactorAfter)}, under the 1.1 floor (at 1 the position can be liquidated).`,
      {
        hint:
          room > 0n
            ? `Withdraw at most about ${formatRoughly(room, token)}, or repay some debt first (aave-v3/repay).`
            : 'Repay some debt first (aave-v3/repay).',
      },
    );
  }
  return plan;
}
