import { encodeFunctionData, erc20Abi, getAddress } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { addressInput, HumanAmount, TokenName } from '../sdk/inputs.ts';

export const erc20Transfer = defineSkill({
  id: 'erc20/transfer',
  version: '1.0.0',
  title: 'Send a token',
  description: 'Sends an ERC-20 token from the account to an address.',
  protocol: 'erc20',
  author: SEXTANT_AUTHOR,
  actions: ['transfer'],
  chains: ALL_CHAINS,
  input: z.object({
    token: TokenName,
    amount: HumanAmount,
    recipient: addressInput('Who receives the tokens, as a 0x address.'),
  }),
  contracts: { '*': [{ contract: 'token-list', functions: ['transfer(address,uint256)'] }] },
  async build(input, ctx) {
    const token = await ctx.token(input.token);
    if (token.address === NATIVE_TOKEN) {
      throw new SkillError('ETH is not an ERC-20 token.', { hint: 'Send ETH with native/transfer.' });
    }
    const amount = toBaseUnits(input.amount, token);
    const recipient = getAddress(input.recipient);
    return {
      calls: [
        {
          to: token.address,
          value: 0n,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, amount] }),
        },
      ],
      bounds: { gives: [{ token: token.address, amount }], receives: [] },
      approvals: [],
      summary: `Send ${formatAmount(amount, token)} to ${recipient}`,
    };
  },
});
