import { encodeFunctionData } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, type SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { TokenName } from '../sdk/inputs.ts';
import { NO_REFERRAL, poolAbi, VARIABLE_RATE } from './abi.ts';
import { exactAmount } from './amount.ts';
import { AAVE_V3_CHAINS } from './chains.ts';
import { amountForValue, breaksFloor, debtRoomAtFloor, formatHealthFactor, valueInBase } from './health-factor.ts';
import { aaveMarket } from './market.ts';
import { type AavePlan, describeAmount, formatRoughly, makePlan, planReading } from './plan.ts';
import { readPosition } from './position.ts';
import { availableLiquidity, readReserve } from './reserve.ts';

const BorrowInput = z.object({ token: TokenName, amount: exactAmount('borrow') });

export const aaveBorrow = defineSkill({
  id: 'aave-v3/borrow',
  version: '1.0.0',
  title: 'Borrow from Aave V3',
  description:
    'Borrows a token from Aave V3 at the variable rate against the collateral the account has supplied. Refuses a borrow that would leave the health factor under 1.1. ERC-20 tokens only: borrow WETH, then unwrap it.',
  protocol: 'aave',
  author: SEXTANT_AUTHOR,
  actions: ['borrow'],
  chains: AAVE_V3_CHAINS,
  input: BorrowInput,
  contracts: { '*': [{ contract: 'aaveV3.pool', functions: ['borrow(address,uint256,uint256,uint16,address)'] }] },
  async build(input, ctx) {
    const plan = await planBorrow(input, ctx);
    const { market, reserve, amount } = plan;
    const asset = reserve.token.address;
    return {
      calls: [
        {
          to: market.pool,
          value: 0n,
          data: encodeFunctionData({
            abi: poolAbi,
            functionName: 'borrow',
            args: [asset, amount, VARIABLE_RATE, NO_REFERRAL, ctx.account],
          }),
        },
      ],
      bounds: { gives: [], receives: [{ token: asset, amount }] },
      approvals: [],
      summary: `Borrow ${describeAmount(plan)} from Aave V3 at the variable rate`,
    };
  },
  async quote(input, ctx) {
    return planReading(await planBorrow(input, ctx));
  },
});

async function planBorrow(input: z.output<typeof BorrowInput>, ctx: SkillContext): Promise<AavePlan> {
  const market = await aaveMarket(ctx);
  const reserve = await readReserve(ctx, market, input.token, 'borrow');
  const { token } = reserve;
  const amount = toBaseUnits(input.amount, token);
  const position = await readPosition(ctx, market, reserve);
  if (position.account.totalCollateralBase === 0n) {
    throw new SkillError(`This account has no collateral on Aave V3 on ${ctx.chain.name} to borrow against.`, {
      hint: 'Supply collateral first (aave-v3/supply), e.g. USDC or WETH.',
    });
  }
  const liquidity = await availableLiquidity(ctx, reserve);
  if (amount > liquidity) {
    throw new SkillError(`Aave V3 has only ${formatRoughly(liquidity, token)} available to borrow right now.`, {
      hint: 'Borrow less, or another asset.',
    });
  }
  // Rounded up: a debt is never valued below what the Pool will count.
  const value = valueInBase(amount, reserve.price, token.decimals, 'up');
  if (value > position.availableBorrowsBase) {
    const limit = amountForValue(position.availableBorrowsBase, reserve.price, token.decimals);
    throw new SkillError(
      `Borrowing ${formatRoughly(amount, token)} is more than Aave V3 lends against this account's collateral (about ${formatRoughly(limit, token)} more).`,
      { hint: 'Borrow less, or supply more collateral first (aave-v3/supply).' },
    );
  }
  const plan = makePlan({ action: 'borrow', market, reserve, amount, all: false, position }, { debtBase: value });
  if (breaksFloor(position.healthFactor, plan.healthFactorAfter)) {
    const room = amountForValue(debtRoomAtFloor(position.account), reserve.price, token.decimals);
    throw new SkillError(
      `Borrowing ${describeAmount(plan)} would take the health factor from ${formatHealthFactor(position.healthFactor)} to ${formatHealthFactor(plan.healthFactorAfter)}, under the 1.1 floor (at 1 the position can be liquidated).`,
      {
        hint:
          room > 0n
            ? `Borrow at most about ${formatRoughly(room, token)}, or supply more collateral first (aave-v3/supply).`
            : 'Supply more collateral (aave-v3/supply) or repay some debt (aave-v3/repay) first.',
      },
    );
  }
  return plan;
}
