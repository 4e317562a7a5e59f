import { encodeFunctionData } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { HumanAmount } from '../sdk/inputs.ts';
import { wethAbi } from './abi.ts';

export const wethUnwrap = defineSkill({
  id: 'weth/unwrap',
  version: '1.0.0',
  title: 'Unwrap WETH',
  description: 'Unwraps WETH back into ETH, one for one.',
  protocol: 'weth',
  author: SEXTANT_AUTHOR,
  actions: ['unwrap'],
  chains: ALL_CHAINS,
  input: z.object({ amount: HumanAmount.describe('How much WETH to unwrap, e.g. "0.5".') }),
  contracts: { '*': [{ contract: 'weth', functions: ['withdraw(uint256)'] }] },
  async build(input, ctx) {
    const weth = await ctx.token(ctx.contract('weth'));
    const amount = toBaseUnits(input.amount, weth);
    return {
      calls: [
        {
          to: weth.address,
          value: 0n,
          data: encodeFunctionData({ abi: wethAbi, functionName: 'withdraw', args: [amount] }),
        },
      ],
      bounds: { gives: [{ token: weth.address, amount }], receives: [{ token: NATIVE_TOKEN, amount }] },
      approvals: [],
      summary: `Unwrap ${formatAmount(amount, weth)} into ETH`,
    };
  },
});
