import { type Address, erc20Abi, maxUint256, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls, readSkill } from '../build.ts';
import { executeBuilds, expectWithinBounds, fundedTestUser } from '../testing/devnet.ts';
import { erc20Approve } from './approve.ts';
import { erc20Balance } from './balance.ts';
import { erc20TotalSupply } from './total-supply.ts';
import { erc20Transfer } from './transfer.ts';

const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol) as { address: Address };

describe('erc20 skills', () => {
  const env = testEnvironment(manifest);
  const balanceOf = (address: Address, holder: Address) =>
    env.publicClient.readContract({ address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

  it('transfers with the decimals read from the chain (USDC 6, WBTC 8), by symbol in any case', async () => {
    const user = await fundedTestUser(env, manifest);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const usdc = await buildSkillCalls(erc20Transfer, { token: 'usdc', amount: '12.5', recipient }, user.ctx);
    const wbtc = await buildSkillCalls(erc20Transfer, { token: 'WBTC', amount: '0.01', recipient }, user.ctx);
    const { record, deltas } = await executeBuilds(env, user, [usdc, wbtc]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await balanceOf(token('USDC').address, recipient)).toBe(parseUnits('12.5', 6));
    expect(await balanceOf(token('WBTC').address, recipient)).toBe(parseUnits('0.01', 8));
    expect(deltas.get(token('USDC').address)).toBe(-parseUnits('12.5', 6));
    expectWithinBounds(deltas, { gives: [...usdc.bounds.gives, ...wbtc.bounds.gives], receives: [] });
  });

  it('approves an exact amount, and refuses an unlimited one', async () => {
    const user = await fundedTestUser(env, manifest);
    const spender = privateKeyToAccount(generatePrivateKey()).address;
    const amount = parseUnits('250', 18);
    const build = await buildSkillCalls(erc20Approve, { token: 'DAI', spender, amount: amount.toString() }, user.ctx);
    const { record } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    const allowance = await env.publicClient.readContract({
      address: token('DAI').address,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [user.account, spender],
    });
    expect(allowance).toBe(amount);
    await expect(
      buildSkillCalls(erc20Approve, { token: 'DAI', spender, amount: maxUint256.toString() }, user.ctx),
    ).rejects.toThrow(/unlimited approval/);
  });

  it('refuses a token that is not on the chain, and a token off the token list as an undeclared call', async () => {
    const user = await fundedTestUser(env, manifest);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const unknown = buildSkillCalls(erc20Transfer, { token: 'PEPE', amount: '1', recipient }, user.ctx);
    await expect(unknown).rejects.toThrow(/no token "PEPE"/);
    await expect(unknown).rejects.toMatchObject({ hint: expect.stringMatching(/USDC/) });
    // Aave's aUSDC is a real ERC-20, but not on the token list, so the skill may not call it.
    const aUsdc = manifest.aaveV3Reserves.USDC?.aToken as Address;
    await expect(
      buildSkillCalls(erc20Transfer, { token: aUsdc, amount: '1', recipient }, user.ctx),
    ).rejects.toMatchObject({ name: 'SkillRefusedError', reason: 'undeclared-call' });
  });

  it('reads the balance of any account and the total supply', async () => {
    const user = await fundedTestUser(env, manifest);
    const own = await readSkill(erc20Balance, { token: 'USDC' }, user.ctx);
    expect(own.values.amount).toBe('10000');
    const eth = await readSkill(erc20Balance, { token: 'ETH', account: user.account }, user.ctx);
    expect(Number(eth.values.amount)).toBeGreaterThan(0);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    expect((await readSkill(erc20Balance, { token: 'WBTC', account: stranger }, user.ctx)).values.amount).toBe('0');
    const supply = await readSkill(erc20TotalSupply, { token: 'USDC' }, user.ctx);
    const onChain = await env.publicClient.readContract({
      address: token('USDC').address,
      abi: erc20Abi,
      functionName: 'totalSupply',
    });
    expect(supply.values.baseUnits).toBe(onChain.toString());
  });
});
