import { type Address, erc20Abi, parseEther, parseUnits } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { type Delegation, selfBatchCalldata } from '../../smart-accounts/delegations.ts';
import { delegationParties } from '../../smart-accounts/testing/delegation-parties.ts';
import { type DailySwapGrant, dailySwapCall, dailySwapGrant } from './daily-swap-grant.ts';
import { revokeCallsOf } from './grant.ts';

const manifest = testDevnet();
const parties = delegationParties(manifest);
const { publicClient, framework, user, agent, stranger } = parties;
const token = (symbol: string) =>
  manifest.tokens.find((t) => t.symbol === symbol) as { address: Address; symbol: string; decimals: number };
const usdc = token('USDC');
const weth = { address: manifest.contracts.weth, symbol: 'WETH', decimals: 18 };
const pool = manifest.uniswapV3Pools.find((p) => p.symbols.includes('USDC') && p.symbols.includes('WETH'));

const balanceOf = (address: Address, holder: Address) =>
  publicClient.readContract({ address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const allowance = (address: Address, owner: Address, spender: Address) =>
  publicClient.readContract({ address, abi: erc20Abi, functionName: 'allowance', args: [owner, spender] });

/**
 * "Swap 50 USDC into WETH every day for `days` days", starting a little before now, for at least
 * `floor` WETH a day (the devnet's pool gives about 0.01666: 3,000 USDC a WETH, less its 0.05% fee).
 */
async function order(days: number, salt: bigint, floor = parseEther('0.0158')): Promise<DailySwapGrant> {
  if (!pool) throw new Error('The devnet has no USDC/WETH pool.');
  return {
    user: user.address,
    agent: agent.address,
    tokenIn: usdc,
    tokenOut: weth,
    amountIn: parseUnits('50', 6),
    minAmountOut: floor,
    fee: pool.fee,
    router: manifest.contracts.uniswapV3.swapRouter02,
    protocol: 'Uniswap V3',
    start: (await publicClient.getBlock()).timestamp - 10n,
    days,
    salt,
    enforcers: framework.enforcers,
  };
}

/** The grant as the user confirms it: the day delegations signed and the router allowed the total. */
async function confirmGrant(grant: DailySwapGrant): Promise<Delegation[]> {
  const built = dailySwapGrant(grant);
  await parties.send(user, { to: built.approval.to, data: built.approval.data }, 'approval');
  return Promise.all(built.delegations.map(parties.sign));
}

beforeAll(parties.setUp);

describe('a daily swap grant: one delegation a day, held by the chain', () => {
  it('says what it allows, in words, and nothing it does not', () => {
    const words = dailySwapGrant({
      user: '0x00000000000000000000000000000000000000aa',
      agent: '0x00000000000000000000000000000000000000bb',
      tokenIn: usdc,
      tokenOut: weth,
      amountIn: parseUnits('50', 6),
      minAmountOut: parseEther('0.0158'),
      fee: 500,
      router: '0x00000000000000000000000000000000000000cc',
      protocol: 'Uniswap V3',
      start: BigInt(Date.UTC(2026, 11, 5) / 1000), // 5 December 2026, 00:00 UTC
      days: 30,
      salt: 1n,
      enforcers: framework.enforcers,
    }).words;
    expect(() =>
      dailySwapGrant({
        user: user.address,
        agent: agent.address,
        tokenIn: usdc,
        tokenOut: weth,
        amountIn: 1n,
        minAmountOut: 1n,
        fee: 500,
        router: manifest.contracts.uniswapV3.swapRouter02,
        protocol: 'Uniswap V3',
        start: 1_000n,
        days: 32,
        salt: 1n,
        enforcers: framework.enforcers,
      }),
    ).toThrow(/at most 31 days/);
    expect(words).toBe(
      'Sextant may swap 50 USDC into at least 0.0158 WETH on Uniswap V3 (its 0.05% pool) once a day for 30 days, from 5 December 2026, 00:00 UTC until 4 January 2027, 00:00 UTC, paid to your address 0x00000000000000000000000000000000000000aa; nothing else. Your address allows the Uniswap V3 router 1500 USDC for it.',
    );
  });

  it('lets the agent key make one swap of exactly 50 USDC a day, paid to the user, and the chain refuses the rest', async () => {
    const grant = await order(2, 1_000n);
    const [today, tomorrow] = (await confirmGrant(grant)) as [Delegation, Delegation];
    const usdcBefore = await balanceOf(usdc.address, user.address);
    const wethBefore = await balanceOf(weth.address, user.address);

    expect(await parties.redeem(agent, today, dailySwapCall(grant, 0n))).toBe('success');
    const wethAfter = await balanceOf(weth.address, user.address);
    expect(wethAfter).toBeGreaterThan(wethBefore);
    // A second swap today, tomorrow's today, the same delegation in a stranger's hands: refused.
    expect(await parties.redeem(agent, today, dailySwapCall(grant, 0n))).toBe('reverted');
    expect(await parties.redeem(agent, tomorrow, dailySwapCall(grant, 0n))).toBe('reverted');
    expect(await parties.redeem(stranger, today, dailySwapCall(grant, 0n))).toBe('reverted');

    // Another amount, or the WETH paid to the agent key, with a fresh day's delegation: refused; the
    // pinned swap with it is taken (so the refusals were for the arguments).
    const again = await order(1, 2_000n);
    const [fresh] = (await confirmGrant(again)) as [Delegation];
    const twisted = (amountIn: bigint, recipient: Address) =>
      dailySwapCall({ ...again, amountIn, user: recipient }, 0n);
    expect(await parties.redeem(agent, fresh, twisted(parseUnits('60', 6), user.address))).toBe('reverted');
    expect(await parties.redeem(agent, fresh, twisted(parseUnits('50', 6), agent.address))).toBe('reverted');
    // The pinned swap carrying ETH (the router would keep it for anyone to take): refused, no ETH moves.
    const ethBefore = await publicClient.getBalance({ address: user.address });
    expect(await parties.redeem(agent, fresh, { ...dailySwapCall(again, 0n), value: parseEther('1') })).toBe(
      'reverted',
    );
    expect(await publicClient.getBalance({ address: user.address })).toBe(ethBefore);
    expect(await parties.redeem(agent, fresh, dailySwapCall(again, 0n))).toBe('success');

    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('100', 6));
    expect(await balanceOf(weth.address, user.address)).toBeGreaterThan(wethAfter);
    expect(await balanceOf(weth.address, agent.address)).toBe(0n);
  });

  it('refuses a day whose swap would bring in less than the grant’s floor (a bad or moved pool), and moves nothing', async () => {
    // A floor above what the pool gives stands for a pool moved against the user, or a thin one.
    const grant = await order(1, 5_000n, parseEther('0.02'));
    const [today] = (await confirmGrant(grant)) as [Delegation];
    const usdcBefore = await balanceOf(usdc.address, user.address);
    const wethBefore = await balanceOf(weth.address, user.address);
    // The router's own minimum written as 0 by the key: the chain's floor still holds.
    expect(await parties.redeem(agent, today, dailySwapCall(grant, 0n))).toBe('reverted');
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore);
    expect(await balanceOf(weth.address, user.address)).toBe(wethBefore);
    // Revoked, so the allowance it set does not outlive this test.
    await parties.send(
      user,
      { to: user.address, data: selfBatchCalldata(revokeCallsOf({ kind: 'daily-swap', terms: grant }, [today])) },
      'revoke',
    );
  });

  it('is revoked in one transaction from the user’s address: every day refused, the router allowed nothing', async () => {
    const grant = await order(3, 3_000n);
    const delegations = await confirmGrant(grant);
    expect(await allowance(usdc.address, user.address, grant.router)).toBe(parseUnits('150', 6));
    await parties.send(
      user,
      { to: user.address, data: selfBatchCalldata(revokeCallsOf({ kind: 'daily-swap', terms: grant }, delegations)) },
      'revoke',
    );
    const before = await balanceOf(usdc.address, user.address);
    expect(await parties.redeem(agent, delegations[0] as Delegation, dailySwapCall(grant, 0n))).toBe('reverted');
    expect(await allowance(usdc.address, user.address, grant.router)).toBe(0n);
    expect(await balanceOf(usdc.address, user.address)).toBe(before);
  });
});
