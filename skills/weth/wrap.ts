import { encodeFunctionData } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { HumanAmount } from '../sdk/inputs.ts';
import { wethAbi } from './abi.ts';

export const wethWrap = defineSkill({
  id: 'weth/wrap',
  version: '1.0.0',
  title: 'Wrap ETH',
  description: 'Wraps ETH into WETH, one for one.',
  protocol: 'weth',
  author: SEXTANT_AUTHOR,
  actions: ['wrap'],
  chains: ALL_CHAINS,
  input: z.object({ amount: HumanAmount.describe('How much ETH to wrap, in ETH, e.g. "0.5".') }),
  contracts: { '*': [{ contract: 'weth', functions: ['deposit()'], payable: true }] },
  async build(input, ctx) {
    const weth = await ctx.token(ctx.contract('weth'));
    const amount = toBaseUnits(input.amount, await ctx.token('ETH'));
    return {
      calls: [{ to: weth.address, value: amount, data: encodeFunctionData({ abi: wethAbi, functionName: 'deposit' }) }],
      bounds: { gives: [{ token: NATIVE_TOKEN, amount }], receives: [{ token: weth.address, amount }] },
      approvals: [],
      summary: `Wrap ${formatAmount(amount, { symbol: 'ETH', decimals: 18 })} into ${weth.symbol}`,
    };
  },
});
