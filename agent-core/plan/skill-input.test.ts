import { getAddress, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import { defineSkill, type Skill } from '../../skills/sdk/define-skill.ts';
import { HumanAmount, TokenName } from '../../skills/sdk/inputs.ts';
import type { ResolvedIntent } from '../../skills/sdk/intent-input.ts';
import type { Intent } from '../intents/schema.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import { ClarifyError, UnsupportedError } from './errors.ts';
import type { PlannerContext } from './planner-context.ts';
import { skillInput } from './skill-input.ts';

/**
 * The planner's side of "skills own their input", against a real chain: what a request resolves to
 * for skills that are not the built-ins (third-party packages, with or without fromIntent), and the
 * requests whose parts must never be dropped or guessed on the way to a skill.
 */
const manifest = testDevnet();
const AUTHOR = getAddress('0x00000000000000000000000000000000000a0001');

/** A third-party action skill of `action` on the devnet with this input (it never builds here). */
function thirdParty<S extends z.ZodType>(
  action: Intent['action'],
  input: S,
  fromIntent?: (intent: ResolvedIntent) => z.input<S>,
): Skill {
  return defineSkill({
    id: `demo/${action.replace('_', '-')}`,
    version: '1.0.0',
    title: `Demo ${action}`,
    description: 'A third-party skill of the test.',
    protocol: 'demo',
    author: AUTHOR,
    actions: [action],
    chains: ['devnet'],
    input,
    contracts: {},
    ...(fromIntent ? { fromIntent } : {}),
    async build() {
      throw new Error('not built in this test');
    },
  });
}

describe('an intent to a skill input, on the devnet', async () => {
  const deps = await testAgent(manifest);
  const user = await fundedAgentUser(deps, manifest);
  const ctx = createSkillContext({ chain: deps.env.chain, client: deps.env.publicClient, account: user.account });
  const planner: PlannerContext = {
    chain: deps.env.chain,
    client: deps.env.publicClient,
    account: user.account,
    catalog: deps.catalog,
    lookupAddress: () => undefined,
  };
  const prices = { usd: async () => undefined, value: async () => undefined };
  const balanceOf = async (token: { decimals: number }) => parseUnits('1000', token.decimals);
  const inputFor = (skill: Skill, intent: Intent) => skillInput(skill, intent, 0, ctx, planner, { balanceOf, prices });

  it('hands a bridge skill the destination chain the user named, and refuses one that has no place for it', async () => {
    const bridge: Intent = { action: 'bridge', token: 'USDC', amount: '100', toChain: 'arbitrum' };
    // A destination with a default: dropping "to arbitrum" would bridge to optimism.
    const withDestination = thirdParty(
      'bridge',
      z.object({ token: TokenName, amount: HumanAmount, toChain: z.string().default('optimism') }),
    );
    expect(await inputFor(withDestination, bridge)).toMatchObject({ toChain: 'arbitrum', amount: '100' });
    const noDestination = thirdParty('bridge', z.object({ token: TokenName, amount: HumanAmount }));
    await expect(inputFor(noDestination, bridge)).rejects.toThrow(/toChain/);
  });

  it("refuses a fromIntent skill that would leave the user's minimum, or a payee, unused", async () => {
    const swapInput = z.object({ sell: TokenName, buy: TokenName, qty: HumanAmount, floor: HumanAmount.optional() });
    const ignoresFloor = thirdParty('swap', swapInput, (i) => ({
      sell: i.tokenIn ?? '',
      buy: i.tokenOut ?? '',
      qty: i.amount ?? '',
    }));
    const withFloor: Intent = {
      action: 'swap',
      tokenIn: 'USDC',
      tokenOut: 'WETH',
      amount: '100',
      minAmountOut: '0.03',
    };
    await expect(inputFor(ignoresFloor, withFloor)).rejects.toThrow(/minAmountOut/);
    await expect(inputFor(ignoresFloor, { ...withFloor, minAmountOut: undefined })).resolves.toMatchObject({
      qty: '100',
    });
    // Spreading the intent into a schema that strips what it does not declare drops it just the same.
    const spreads = thirdParty('swap', swapInput, (i) => ({
      ...i,
      sell: i.tokenIn ?? '',
      buy: i.tokenOut ?? '',
      qty: i.amount ?? '',
    }));
    await expect(inputFor(spreads, withFloor)).rejects.toThrow(/minAmountOut/);
    const usesFloor = thirdParty('swap', swapInput, (i) => ({
      sell: i.tokenIn ?? '',
      buy: i.tokenOut ?? '',
      qty: i.amount ?? '',
      ...(i.minAmountOut ? { floor: i.minAmountOut } : {}),
    }));
    await expect(inputFor(usesFloor, withFloor)).resolves.toMatchObject({ floor: '0.03' });
  });

  it('lets a fromIntent skill that moves its own token ignore that token, and no other', async () => {
    const wrap = thirdParty('wrap', z.object({ wei: z.string() }), (i) => ({ wei: i.amountInBaseUnits ?? '' }));
    expect(await inputFor(wrap, { action: 'wrap', token: 'ETH', amount: '1' })).toEqual({
      wei: parseUnits('1', 18).toString(),
    });
    await expect(inputFor(wrap, { action: 'wrap', token: 'USDC', amount: '1' })).rejects.toThrow(UnsupportedError);
  });

  it('never rounds an amount into base units: more decimals than the token has is asked again', async () => {
    const approve = deps.catalog.require('erc20/approve');
    const intent: Intent = { action: 'approve', token: 'USDC', spender: 'uniswap', amount: '1.0000005' };
    await expect(inputFor(approve, intent)).rejects.toThrow(ClarifyError);
    await expect(inputFor(approve, intent)).rejects.toThrow(/more decimals than USDC has \(6\)/);
    expect(await inputFor(approve, { ...intent, amount: '0.5' })).toMatchObject({ amount: '500000' });
  });

  it('never picks one amount when a swap names both what to sell and what to buy', async () => {
    const swap = deps.catalog.require('uniswap-v3/swap');
    const both: Intent = { action: 'swap', tokenIn: 'USDC', tokenOut: 'ETH', amount: '100', amountOut: '0.05' };
    await expect(inputFor(swap, both)).rejects.toThrow(UnsupportedError);
    await expect(inputFor(swap, both)).rejects.toThrow(/sell exactly 100 USDC, or buy exactly 0.05 ETH/);
    expect(await inputFor(swap, { ...both, amount: undefined })).toMatchObject({ amountOut: '0.05' });
  });

  it('does not make up "all" or a share of a position from the wallet for an action it cannot bound', async () => {
    // "unstake all my ETH": all of a stake is not the wallet's ETH balance.
    const unstake = thirdParty('unstake', z.object({ token: TokenName, amount: HumanAmount }));
    await expect(inputFor(unstake, { action: 'unstake', token: 'ETH', amount: 'all' })).rejects.toThrow(ClarifyError);
    await expect(inputFor(unstake, { action: 'unstake', token: 'ETH', amount: '50%' })).rejects.toThrow(ClarifyError);
    expect(await inputFor(unstake, { action: 'unstake', token: 'ETH', amount: '1' })).toMatchObject({ amount: '1' });
    // "withdraw half my USDC from aave": half of the supply, not of the wallet's USDC.
    const withdraw = deps.catalog.require('aave-v3/withdraw');
    await expect(inputFor(withdraw, { action: 'withdraw', token: 'USDC', amount: '50%' })).rejects.toThrow(
      ClarifyError,
    );
    expect(await inputFor(withdraw, { action: 'withdraw', token: 'USDC', amount: 'all' })).toMatchObject({
      amount: 'all',
    });
    // A skill that resolves "all" itself gets it, as before.
    const unstakeAll = thirdParty(
      'unstake',
      z.object({ token: TokenName, amount: z.union([z.literal('all'), HumanAmount]) }),
    );
    expect(await inputFor(unstakeAll, { action: 'unstake', token: 'ETH', amount: 'all' })).toMatchObject({
      amount: 'all',
    });
  });

  it('passes "all" only to skills whose action moves a position (withdraw, repay): a borrow of "all" is the number it was', async () => {
    const borrowAll = thirdParty(
      'borrow',
      z.object({ token: TokenName, amount: z.union([z.literal('all'), HumanAmount]) }),
    );
    expect(await inputFor(borrowAll, { action: 'borrow', token: 'USDC', amount: 'all' })).toMatchObject({
      amount: '1000',
    });
  });
});
