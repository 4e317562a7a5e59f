import { type Address, createWalletClient, encodeFunctionData, erc20Abi, type Hex, parseEther, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients, devnetTransport } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { poolAbi, VARIABLE_RATE } from '../../skills/aave-v3/abi.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { migrateAgentCore } from '../migrations.ts';
import { confirmOrder } from './lifecycle.ts';
import { proposeRepayGuard } from './propose-repay-guard.ts';
import { type RunnerEnvironment, runOrders } from './runner.ts';
import { getOrder, orderRuns } from './store.ts';
import { delegatorUser, withAgentKey } from './testing/delegator-user.ts';

/**
 * A position guard through Sextant's own code: a user whose address runs the DeleGator supplies WETH
 * and borrows USDC on the devnet's Aave market, grants "if my health factor drops below 1.5, repay up
 * to 1,000 USDC", and the runner repays once the oracle has moved (the WETH feed lowered), not before.
 */
const manifest = testDevnet();
const clients = devnetClients(manifest);
const { testClient, publicClient } = clients;
// No bundler inside a reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const weth = manifest.contracts.weth;
const pool = manifest.contracts.aaveV3.pool;
const debtToken = manifest.aaveV3Reserves.USDC?.variableDebtToken as Address;
const wethFeed = manifest.aaveV3Reserves.WETH?.priceFeed as Address;
const balanceOf = (token: Address, holder: Address) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

revertChainAfterFile(clients);

describe('a position guard', () => {
  it('repays up to its cap of the user’s own debt once the health factor has fallen, and not before', async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    await withAgentKey(env, userId);
    // The user's own position: 2 WETH supplied, 3,000 USDC borrowed (a health factor about 1.6).
    const wallet = createWalletClient({
      account: owner,
      chain: clients.chain,
      transport: devnetTransport(manifest.rpcUrl),
    });
    const own = async (to: Address, data: Hex) =>
      minedReceipt(publicClient, await wallet.sendTransaction({ to, data }));
    await own(weth, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, parseEther('2')] }));
    await own(
      pool,
      encodeFunctionData({ abi: poolAbi, functionName: 'supply', args: [weth, parseEther('2'), address, 0] }),
    );
    await own(
      pool,
      encodeFunctionData({
        abi: poolAbi,
        functionName: 'borrow',
        args: [usdc.address, parseUnits('3000', 6), VARIABLE_RATE, 0, address],
      }),
    );

    await expect(
      proposeRepayGuard(env, userId, address, { amount: '1000', asset: 'USDC', healthFactorBelow: '5', days: 30 }),
    ).rejects.toThrow(/already below 5/);
    const proposed = await proposeRepayGuard(env, userId, address, {
      amount: '1000',
      asset: 'USDC',
      healthFactorBelow: '1.5',
      days: 30,
    });
    expect(proposed.words).toMatch(/^Sextant may repay up to 1000 USDC of your USDC debt on Aave V3/);
    const order = await confirmOrder(env, owner, userId, proposed.id);
    expect(order.status).toBe('active');

    const outcome = async () => (await runOrders(env)).find((r) => r.orderId === order.id)?.outcome;
    const debtBefore = await balanceOf(debtToken, address);
    const usdcBefore = await balanceOf(usdc.address, address);
    expect(await outcome()).toMatch(/^waiting for the health factor to fall below 1.5/);
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore);

    // The oracle moves: WETH's feed (a MockAggregator, its answer in slot 0) falls 15%.
    const answer = BigInt((await publicClient.getStorageAt({ address: wethFeed, slot: '0x0' })) ?? '0x0');
    await testClient.setStorageAt({
      address: wethFeed,
      index: '0x0',
      value: `0x${((answer * 85n) / 100n).toString(16).padStart(64, '0')}`,
    });
    expect(await outcome()).toBe('the repayment succeeded');
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('1000', 6));
    expect(await balanceOf(debtToken, address)).toBeLessThan(debtBefore - parseUnits('999', 6));
    expect(await outcome()).toBe('finished');
    expect(getOrder(env.db, userId, order.id).statusReason).toMatch(/repaid/);
    expect(orderRuns(env.db, order.id)).toHaveLength(1);
    expect(await runOrders(env)).toEqual([]);
  });
});
