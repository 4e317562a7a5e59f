import { getAddress, isAddressEqual } from 'viem';
import { z } from 'zod';
import { ALL_CHAINS, SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { addressInput, HumanAmount } from '../sdk/inputs.ts';

export const nativeTransfer = defineSkill({
  id: 'native/transfer',
  version: '1.0.0',
  title: 'Send ETH',
  description: "Sends the chain's native ETH from the account to an address.",
  protocol: 'native',
  author: SEXTANT_AUTHOR,
  actions: ['transfer'],
  chains: ALL_CHAINS,
  input: z.object({ amount: HumanAmount, recipient: addressInput('Who receives the ETH, as a 0x address.') }),
  contracts: { '*': [{ contract: 'any', functions: [], payable: true }] },
  async build(input, ctx) {
    const eth = await ctx.token('ETH');
    const amount = toBaseUnits(input.amount, eth);
    const recipient = getAddress(input.recipient);
    if (isAddressEqual(recipient, ctx.account)) {
      throw new SkillError('The recipient is the account itself.', { hint: 'Give another address.' });
    }
    return {
      calls: [{ to: recipient, value: amount, data: '0x' }],
      bounds: { gives: [{ token: NATIVE_TOKEN, amount }], receives: [] },
      approvals: [],
      summary: `Send ${formatAmount(amount, eth)} to ${recipient}`,
    };
  },
});
