import { erc20Abi, formatUnits, getAddress } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { addressInput, TokenName } from '../sdk/inputs.ts';

export const erc20Balance = defineSkill({
  id: 'erc20/balance',
  version: '1.0.0',
  title: 'Token balance',
  description: "Reads the balance of a token (or ETH) held by the user's account or any other address.",
  protocol: 'erc20',
  author: SEXTANT_AUTHOR,
  actions: ['balance'],
  chains: ALL_CHAINS,
  input: z.object({
    token: TokenName,
    account: addressInput('Whose balance, as a 0x address; the user’s own account when left out.').optional(),
  }),
  contracts: {},
  async read(input, ctx) {
    const token = await ctx.token(input.token);
    const holder = input.account ? getAddress(input.account) : ctx.account;
    const balance =
      token.address === NATIVE_TOKEN
        ? await ctx.client.getBalance({ address: holder })
        : await ctx.client.readContract({
            address: token.address,
            abi: erc20Abi,
            functionName: 'balanceOf',
            args: [holder],
          });
    const amount = formatUnits(balance, token.decimals);
    return {
      summary: `${holder} holds ${amount} ${token.symbol}`,
      values: { account: holder, token: token.symbol, amount, baseUnits: balance.toString() },
    };
  },
});
