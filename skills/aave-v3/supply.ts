import { encodeFunctionData } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, type SkillContext } from '../sdk/define-skill.ts';
import { TokenName } from '../sdk/inputs.ts';
import { NO_REFERRAL, poolAbi } from './abi.ts';
import { exactAmount } from './amount.ts';
import { AAVE_V3_CHAINS } from './chains.ts';
import { valueInBase } from './health-factor.ts';
import { aaveMarket } from './market.ts';
import { type AavePlan, describeAmount, makePlan, planReading } from './plan.ts';
import { collateralThreshold, readPosition } from './position.ts';
import { readReserve } from './reserve.ts';

const SupplyInput = z.object({ token: TokenName, amount: exactAmount('supply') });

export const aaveSupply = defineSkill({
  id: 'aave-v3/supply',
  version: '1.0.0',
  title: 'Supply to Aave V3',
  description:
    'Supplies a token to Aave V3 to earn interest; the account receives aTokens, and the supply counts as collateral when Aave allows it. ERC-20 tokens only: wrap ETH into WETH first.',
  protocol: 'aave',
  author: SEXTANT_AUTHOR,
  actions: ['supply'],
  chains: AAVE_V3_CHAINS,
  input: SupplyInput,
  contracts: { '*': [{ contract: 'aaveV3.pool', functions: ['supply(address,uint256,address,uint16)'] }] },
  async build(input, ctx) {
    const plan = await planSupply(input, ctx);
    const { market, reserve, amount } = plan;
    const asset = reserve.token.address;
    return {
      calls: [
        {
          to: market.pool,
          value: 0n,
          data: encodeFunctionData({
            abi: poolAbi,
            functionName: 'supply',
            args: [asset, amount, ctx.account, NO_REFERRAL],
          }),
        },
      ],
      bounds: { gives: [{ token: asset, amount }], receives: [] },
      approvals: [{ token: asset, spender: market.pool, amount }],
      summary: `Supply ${describeAmount(plan)} to Aave V3`,
    };
  },
  async quote(input, ctx) {
    return planReading(await planSupply(input, ctx));
  },
});

async function planSupply(input: z.output<typeof SupplyInput>, ctx: SkillContext): Promise<AavePlan> {
  const market = await aaveMarket(ctx);
  const reserve = await readReserve(ctx, market, input.token, 'supply');
  const amount = toBaseUnits(input.amount, reserve.token);
  const position = await readPosition(ctx, market, reserve);
  const threshold = collateralThreshold(reserve, position, 'supply');
  return makePlan(
    { action: 'supply', market, reserve, amount, all: false, position },
    threshold === undefined
      ? {}
      : {
          collateralBase: valueInBase(amount, reserve.price, reserve.token.decimals, 'down'),
          collateralThresholdBps: threshold,
        },
  );
}
