import { type Address, encodeFunctionData, erc20Abi, type Hex, parseEther, parseUnits } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { poolAbi, VARIABLE_RATE } from '../../skills/aave-v3/abi.ts';
import type { Delegation } from '../../smart-accounts/delegations.ts';
import { delegationParties } from '../../smart-accounts/testing/delegation-parties.ts';
import { type RepayGuardGrant, repayCall, repayGuardGrant } from './repay-guard-grant.ts';

/**
 * "If my Aave health factor drops below 1.5, repay up to 1,000 USDC of debt", held by the chain: the
 * parties act as themselves, outside Sextant. The user's address supplies WETH and borrows USDC on the
 * devnet's Aave market; its WETH price feed is then lowered (the oracle moved), which drops the health
 * factor the runner will watch. Inside an anvil snapshot, reverted at the end.
 */
const manifest = testDevnet();
const { testClient } = devnetClients(manifest);
const parties = delegationParties(manifest);
const { publicClient, framework, user, agent, stranger } = parties;
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; symbol: string; decimals: number };
const weth = manifest.contracts.weth;
const pool = manifest.contracts.aaveV3.pool;
const debtToken = manifest.aaveV3Reserves.USDC?.variableDebtToken as Address;
const wethFeed = manifest.aaveV3Reserves.WETH?.priceFeed as Address;

const balanceOf = (token: Address, holder: Address) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const healthFactor = async () =>
  Number(
    (
      await publicClient.readContract({
        address: pool,
        abi: poolAbi,
        functionName: 'getUserAccountData',
        args: [user.address],
      })
    )[5],
  ) / 1e18;
const call = (to: Address, data: Hex) => parties.send(user, { to, data }, 'the user’s own call');

revertChainAfterFile({ testClient, publicClient });
beforeAll(async () => {
  await parties.setUp();
  // The position: 2 WETH supplied, 3,000 USDC borrowed (health factor about 1.6).
  await call(weth, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, parseEther('2')] }));
  await call(
    pool,
    encodeFunctionData({ abi: poolAbi, functionName: 'supply', args: [weth, parseEther('2'), user.address, 0] }),
  );
  await call(
    pool,
    encodeFunctionData({
      abi: poolAbi,
      functionName: 'borrow',
      args: [usdc.address, parseUnits('3000', 6), VARIABLE_RATE, 0, user.address],
    }),
  );
  // A stranger with USDC debt of their own, so that repaying it would succeed if the grant allowed it.
  await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, stranger.address);
  const theirs = (to: Address, data: Hex) => parties.send(stranger, { to, data }, 'the stranger’s own call');
  await theirs(weth, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, parseEther('1')] }));
  await theirs(
    pool,
    encodeFunctionData({ abi: poolAbi, functionName: 'supply', args: [weth, parseEther('1'), stranger.address, 0] }),
  );
  await theirs(
    pool,
    encodeFunctionData({
      abi: poolAbi,
      functionName: 'borrow',
      args: [usdc.address, parseUnits('100', 6), VARIABLE_RATE, 0, stranger.address],
    }),
  );
});

async function guard(
  salt: bigint,
  maxRepay = parseUnits('1000', 6),
): Promise<{ grant: RepayGuardGrant; delegation: Delegation }> {
  const grant: RepayGuardGrant = {
    user: user.address,
    agent: agent.address,
    asset: usdc,
    maxRepay,
    healthFactorBelow: 1.5,
    pool,
    protocol: 'Aave V3',
    start: (await publicClient.getBlock()).timestamp - 10n,
    days: 30,
    salt,
    enforcers: framework.enforcers,
  };
  const built = repayGuardGrant(grant);
  await call(built.approval.to, built.approval.data);
  const [delegation] = await Promise.all(built.delegations.map(parties.sign));
  return { grant, delegation: delegation as Delegation };
}

describe('a position guard: one repayment of the user’s own debt, capped, held by the chain', () => {
  it('lets the agent key repay up to the cap once the oracle moved, and refuses everything else', async () => {
    const before = await healthFactor();
    expect(before).toBeGreaterThan(1.5);
    // The oracle moves: WETH's feed (a MockAggregator, its answer in slot 0) falls 15%.
    const answer = BigInt((await publicClient.getStorageAt({ address: wethFeed, slot: '0x0' })) ?? '0x0');
    await testClient.setStorageAt({
      address: wethFeed,
      index: '0x0',
      value: `0x${((answer * 85n) / 100n).toString(16).padStart(64, '0')}`,
    });
    expect(await healthFactor()).toBeLessThan(1.5);

    const { grant, delegation } = await guard(1_000n);
    const debtBefore = await balanceOf(debtToken, user.address);
    const usdcBefore = await balanceOf(usdc.address, user.address);
    const other = { ...grant, user: stranger.address };
    // Over the cap, for someone else's debt (the stranger's, which Aave would take), another method (a
    // withdrawal Aave would allow), by a stranger: refused by the chain.
    expect(await parties.redeem(agent, delegation, repayCall(grant, parseUnits('1500', 6)))).toBe('reverted');
    expect(await parties.redeem(agent, delegation, repayCall(other, parseUnits('50', 6)))).toBe('reverted');
    const withdraw = encodeFunctionData({ abi: poolAbi, functionName: 'withdraw', args: [weth, 1n, agent.address] });
    expect(await parties.redeem(agent, delegation, { to: pool, data: withdraw })).toBe('reverted');
    expect(await parties.redeem(stranger, delegation, repayCall(grant, parseUnits('500', 6)))).toBe('reverted');
    expect(await balanceOf(debtToken, user.address)).toBeGreaterThanOrEqual(debtBefore);
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore);

    // The repayment it allows: 1,000 USDC of the user's own debt, once.
    expect(await parties.redeem(agent, delegation, repayCall(grant, parseUnits('1000', 6)))).toBe('success');
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('1000', 6));
    expect(await balanceOf(debtToken, user.address)).toBeLessThan(debtBefore - parseUnits('999', 6));
    expect(await healthFactor()).toBeGreaterThan(1.5);
    expect(await parties.redeem(agent, delegation, repayCall(grant, parseUnits('1', 6)))).toBe('reverted');
  });

  it('says what it allows, in words', async () => {
    const words = repayGuardGrant({
      user: '0x00000000000000000000000000000000000000aa',
      agent: '0x00000000000000000000000000000000000000bb',
      asset: usdc,
      maxRepay: parseUnits('1000', 6),
      healthFactorBelow: 1.5,
      pool,
      protocol: 'Aave V3',
      start: BigInt(Date.UTC(2026, 11, 6) / 1000),
      days: 30,
      salt: 1n,
      enforcers: framework.enforcers,
    }).words;
    expect(words).toBe(
      'Sextant may repay up to 1000 USDC of your USDC debt on Aave V3, from your address 0x00000000000000000000000000000000000000aa, once, when your health factor falls below 1.5, until 5 January 2027, 00:00 UTC; nothing else. The chain holds the 1000 USDC cap and that it is only a repayment of your own debt, not the trigger: a stolen agent key could repay early, never more. Your address allows the Aave V3 pool 1000 USDC for it.',
    );
  });
});
