import { type Address, erc20Abi, parseEther } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { migrateAgentCore } from '../migrations.ts';
import { confirmOrder } from './lifecycle.ts';
import { migrateOrders } from './migrations.ts';
import { poolTwapPrice } from './pool-twap.ts';
import { proposeDailySwap } from './propose-daily-swap.ts';
import { type RunnerEnvironment, runOrders } from './runner.ts';
import { asSwapOrder, getOrder, orderRuns } from './store.ts';
import { delegatorUser, withAgentKey } from './testing/delegator-user.ts';
import { buyWethInPool } from './testing/move-pool.ts';

/**
 * A price order ("sell 1 WETH for USDC if WETH goes above P") against the devnet's deepest
 * WETH/USDC pool, whose price a test trade moves; the runner reads the pool's 10-minute average, so
 * the order fires only once the moved price has held for it. Inside an anvil snapshot, reverted at
 * the end (the clock is moved).
 */
const manifest = testDevnet();
const { testClient, publicClient } = devnetClients(manifest);
// No bundler inside a reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);
migrateOrders(env.db);
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
const weth = { address: manifest.contracts.weth, decimals: 18 };
const pool = manifest.uniswapV3Pools.find(
  (p) => p.symbols.includes('USDC') && p.symbols.includes('WETH') && p.fee === 500,
) as { address: Address };
const balanceOf = (token: Address, holder: Address) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const later = async (seconds: number) => {
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
};

revertChainAfterFile({ testClient, publicClient });
beforeAll(async () => {
  // The pool's average needs ten minutes of history behind it.
  await later(11 * 60);
});

describe('a price order', () => {
  it('sells only once the pool’s average price has crossed, at no less than its floor, and then is done', async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    await withAgentKey(env, userId);

    const now = (await poolTwapPrice(publicClient, pool.address, weth, usdc)) as number;
    expect(now).toBeGreaterThan(2900);
    const trigger = Math.round(now * 1.002 * 100) / 100;
    // Already above now: refused, it would run at once.
    await expect(
      proposeDailySwap(env, userId, address, {
        amount: '1',
        spend: 'WETH',
        buy: 'USDC',
        days: 7,
        when: { direction: 'above', price: String(Math.round(now * 0.99)) },
      }),
    ).rejects.toThrow(/already above/);
    const proposed = await proposeDailySwap(env, userId, address, {
      amount: '1',
      spend: 'WETH',
      buy: 'USDC',
      days: 7,
      when: { direction: 'above', price: String(trigger) },
    });
    expect(proposed.kind).toBe('price-swap');
    expect(proposed.words).toMatch(/once, when WETH's 10-minute average price in its pool goes above/);
    expect(proposed.words).toContain('a stolen agent key could make this swap earlier, but never for less');
    const order = await confirmOrder(env, owner, userId, proposed.id);
    expect(order.status).toBe('active');

    const wethBefore = await balanceOf(weth.address, address);
    const usdcBefore = await balanceOf(usdc.address, address);
    const outcome = async () => (await runOrders(env)).find((r) => r.orderId === order.id)?.outcome;
    expect(await outcome()).toMatch(/^waiting for WETH to go above/);

    // The pool's price jumps: its average has not followed yet, so nothing is sold.
    await buyWethInPool(manifest, 20_000);
    expect(await outcome()).toMatch(/^waiting for WETH to go above/);
    expect(await balanceOf(weth.address, address)).toBe(wethBefore);

    // Ten minutes later the average has crossed: one sale, at no less than the floor.
    await later(10 * 60 + 30);
    expect(await outcome()).toBe('the swap succeeded');
    expect(await balanceOf(weth.address, address)).toBe(wethBefore - parseEther('1'));
    const received = (await balanceOf(usdc.address, address)) - usdcBefore;
    expect(received).toBeGreaterThanOrEqual(asSwapOrder(getOrder(env.db, userId, order.id)).terms.minAmountOut);
    expect(Number(received) / 1e6).toBeGreaterThan(trigger * 0.99);

    expect(await outcome()).toBe('finished');
    expect(getOrder(env.db, userId, order.id).statusReason).toMatch(/price was reached/);
    expect(await runOrders(env)).toEqual([]);
    expect(orderRuns(env.db, order.id)).toHaveLength(1);
    expect(await balanceOf(weth.address, address)).toBe(wethBefore - parseEther('1'));
  });
});
