import { encodeFunctionData, erc20Abi, getAddress } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount } from '../sdk/amounts.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { addressInput, TokenName } from '../sdk/inputs.ts';

/** Anything this large is an "unlimited" approval in disguise; exact amounts only. */
const UNLIMITED_THRESHOLD = 2n ** 128n;

export const erc20Approve = defineSkill({
  id: 'erc20/approve',
  version: '1.0.0',
  title: 'Approve a spender',
  description:
    'Allows a spender to take an exact amount of an ERC-20 token from the account. Never unlimited: the planner inserts the exact amount each step needs.',
  protocol: 'erc20',
  author: SEXTANT_AUTHOR,
  actions: ['approve'],
  chains: ALL_CHAINS,
  input: z.object({
    token: TokenName,
    spender: addressInput('Who may spend the tokens, as a 0x address.'),
    amount: z
      .string()
      .regex(/^\d+$/, 'a whole number of base units')
      .describe("The allowance in the token's smallest unit (base units), exact."),
  }),
  contracts: { '*': [{ contract: 'token-list', functions: ['approve(address,uint256)'] }] },
  async build(input, ctx) {
    const token = await ctx.token(input.token);
    if (token.address === NATIVE_TOKEN) throw new SkillError('ETH needs no approval.');
    const amount = BigInt(input.amount);
    if (amount >= UNLIMITED_THRESHOLD) {
      throw new SkillError(`Refusing an unlimited approval of ${token.symbol}.`, {
        hint: 'Approve the exact amount the next step spends.',
      });
    }
    const spender = getAddress(input.spender);
    return {
      calls: [
        {
          to: token.address,
          value: 0n,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] }),
        },
      ],
      bounds: { gives: [], receives: [] },
      approvals: [],
      summary: `Allow ${spender} to spend ${formatAmount(amount, token)}`,
    };
  },
});
