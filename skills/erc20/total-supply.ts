import { erc20Abi, formatUnits } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { TokenName } from '../sdk/inputs.ts';

export const erc20TotalSupply = defineSkill({
  id: 'erc20/total-supply',
  version: '1.0.0',
  title: 'Token total supply',
  description: 'Reads the total supply of an ERC-20 token.',
  protocol: 'erc20',
  author: SEXTANT_AUTHOR,
  actions: ['total_supply'],
  chains: ALL_CHAINS,
  input: z.object({ token: TokenName }),
  contracts: {},
  async read(input, ctx) {
    const token = await ctx.token(input.token);
    if (token.address === NATIVE_TOKEN) {
      throw new SkillError('ETH has no total supply on chain.', { hint: 'Ask for an ERC-20 token.' });
    }
    const supply = await ctx.client.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: 'totalSupply',
    });
    const amount = formatUnits(supply, token.decimals);
    return {
      summary: `${token.symbol} total supply: ${amount}`,
      values: { token: token.symbol, amount, baseUnits: supply.toString() },
    };
  },
});
