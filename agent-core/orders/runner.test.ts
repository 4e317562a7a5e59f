import { type Address, encodeFunctionData, erc20Abi, parseEther, parseUnits } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { type Delegation, disableCalldata, selfBatchCalldata } from '../../smart-accounts/delegations.ts';
import { getExecution, insertOrGetExecution, updateExecution } from '../../smart-accounts/executions.ts';
import { delegationParties } from '../../smart-accounts/testing/delegation-parties.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { ensureUser } from '../../smart-accounts/users.ts';
import { migrateAgentCore } from '../migrations.ts';
import { savePlan, setPlanExecution, transitionPlan } from '../plan/store.ts';
import { type DailySwapGrant, dailySwapGrant } from './daily-swap-grant.ts';
import { migrateOrders } from './migrations.ts';
import { aaveOraclePrices } from './oracle-price.ts';
import { MAX_ATTEMPTS, type RunnerEnvironment, runOrders } from './runner.ts';
import { getOrder, insertOrder, newOrderId, type Order, orderRuns } from './store.ts';
import { buyWethInPool, buyWethUntilPoolGivesLess } from './testing/move-pool.ts';

/**
 * The runner against the devnet, with the chain's clock moved through anvil. The whole file runs in
 * an anvil snapshot that is reverted at the end, so the days it moves the clock by (and what it
 * swaps) do not outlive it for the test files after it on this devnet.
 */
const manifest = testDevnet();
const { testClient } = devnetClients(manifest);
const parties = delegationParties(manifest);
const { publicClient, framework, user, agent } = parties;
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; symbol: string; decimals: number };
const weth = { address: manifest.contracts.weth, symbol: 'WETH', decimals: 18 };
const pool = manifest.uniswapV3Pools.find((p) => p.symbols.includes('USDC') && p.symbols.includes('WETH'));
const DAY = 86_400;

const balanceOf = (token: Address, holder: Address) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

let clock = Date.now();
// No bundler inside a reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
Object.assign(env, {
  agentKey: async () => agent,
  now: () => clock,
});
migrateAgentCore(env.db);
migrateOrders(env.db);
const userId = 'orders-user';
ensureUser(env.db, userId);

revertChainAfterFile({ testClient, publicClient });
beforeAll(async () => {
  await parties.setUp();
});

/** An order as the user confirmed it: the day delegations signed, the router allowed the total. */
async function activeOrder(days: number, salt: bigint): Promise<Order> {
  if (!pool) throw new Error('The devnet has no USDC/WETH pool.');
  const terms: DailySwapGrant = {
    user: user.address,
    agent: agent.address,
    tokenIn: usdc,
    tokenOut: weth,
    amountIn: parseUnits('50', 6),
    minAmountOut: parseEther('0.0158'),
    fee: pool.fee,
    router: manifest.contracts.uniswapV3.swapRouter02,
    protocol: 'Uniswap V3',
    start: (await publicClient.getBlock()).timestamp - 10n,
    days,
    salt,
    enforcers: framework.enforcers,
  };
  const built = dailySwapGrant(terms);
  await parties.send(user, { to: built.approval.to, data: built.approval.data }, 'approval');
  const delegations = await Promise.all(built.delegations.map(parties.sign));
  return insertOrder(env.db, {
    id: newOrderId(),
    userId,
    chainId: manifest.chainId,
    account: user.address,
    agent: agent.address,
    kind: 'daily-swap',
    terms,
    delegations,
    words: built.words,
    agentGas: 0n,
    status: 'active',
    grantExecutionId: null,
  });
}

async function nextDay(): Promise<void> {
  await testClient.increaseTime({ seconds: DAY });
  await testClient.mine({ blocks: 1 });
}

const outcomeOf = async (order: Order) => (await runOrders(env)).find((r) => r.orderId === order.id)?.outcome;

describe('the order runner', () => {
  it('runs a daily swap once per day, with the chain’s clock, and stops at its count', async () => {
    const order = await activeOrder(2, 10_000n);
    const usdcBefore = await balanceOf(usdc.address, user.address);
    const wethBefore = await balanceOf(weth.address, user.address);

    expect(await outcomeOf(order)).toBe('day 1 succeeded');
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('50', 6));
    const wethDay1 = await balanceOf(weth.address, user.address);
    // At least the oracle's worth less the default 1% slippage ceiling: 50 USDC at $3,000 a WETH.
    expect(wethDay1 - wethBefore).toBeGreaterThanOrEqual(((parseEther('50') / 3000n) * 99n) / 100n);

    // The same day again: nothing more.
    expect(await outcomeOf(order)).toMatch(/^day 1 done/);
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('50', 6));

    await nextDay();
    expect(await outcomeOf(order)).toBe('day 2 succeeded');
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('100', 6));
    expect(await balanceOf(weth.address, user.address)).toBeGreaterThan(wethDay1);

    await nextDay();
    expect(await outcomeOf(order)).toBe('finished');
    expect(getOrder(env.db, userId, order.id).status).toBe('finished');
    expect(await runOrders(env)).toEqual([]);
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('100', 6));
    const runs = orderRuns(env.db, order.id);
    expect(runs.map((r) => [r.period, r.attempt])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(runs.map((r) => getExecution(env.db, userId, r.executionId).status)).toEqual(['succeeded', 'succeeded']);
  });

  it('waits while a plan of the address that runs unvetted code is on its way (what it swaps in would land beside it unwatched)', async () => {
    const order = await activeOrder(1, 10_500n);
    // A plan of the address whose guard watches every holding, confirmed, its operation not landed yet.
    const unvetted = savePlan(env.db, {
      userId,
      conversationId: undefined,
      message: 'swap on a third-party desk',
      status: 'proposed',
      chainId: manifest.chainId,
      account: user.address,
      intents: [],
      steps: [],
      calls: [],
      preview: { ok: true, guard: { address: user.address, checks: [], watchesHoldings: [usdc.address] } } as never,
      valueUsd: 0,
      newRecipients: [],
      refusal: undefined,
      referrer: null,
    });
    transitionPlan(env.db, unvetted.id, 'proposed', 'confirmed');
    const { record } = insertOrGetExecution(env.db, {
      userId,
      planId: unvetted.id,
      idempotencyKey: `in-flight-${unvetted.id}`,
      chainId: manifest.chainId,
      account: user.address,
      calls: [],
    });
    setPlanExecution(env.db, unvetted.id, record.id);
    const usdcBefore = await balanceOf(usdc.address, user.address);

    expect(await outcomeOf(order)).toMatch(new RegExp(`^day 1 waits: plan ${unvetted.id} of this address`));
    expect(orderRuns(env.db, order.id)).toEqual([]);
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore);

    updateExecution(env.db, record.id, { status: 'failed', sent: 'no', error: 'test record' });
    expect(await outcomeOf(order)).toBe('day 1 succeeded');
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('50', 6));
  });

  it('leaves exactly one transaction when killed after sending, and sends the same one again when killed before', async () => {
    const order = await activeOrder(2, 20_000n);
    const usdcBefore = await balanceOf(usdc.address, user.address);
    const agentNonce = await publicClient.getTransactionCount({ address: agent.address });

    env.afterSend = () => Promise.reject(new Error('killed after sending'));
    expect(await outcomeOf(order)).toMatch(/killed after sending/);
    env.afterSend = undefined;
    // The restart: the run in flight is settled from its receipt, and no second one is made.
    expect(await outcomeOf(order)).toBe('day 1 succeeded');
    expect(await outcomeOf(order)).toMatch(/^day 1 done/);
    expect(await publicClient.getTransactionCount({ address: agent.address })).toBe(agentNonce + 1);
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('50', 6));

    await nextDay();
    env.beforeSend = () => Promise.reject(new Error('killed before sending'));
    expect(await outcomeOf(order)).toMatch(/killed before sending/);
    env.beforeSend = undefined;
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('50', 6));
    // The restart finds the signed run the node never got and sends those same bytes.
    expect(await outcomeOf(order)).toMatch(/^day 2 sent again/);
    expect(await outcomeOf(order)).toBe('day 2 succeeded');
    expect(await publicClient.getTransactionCount({ address: agent.address })).toBe(agentNonce + 2);
    expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore - parseUnits('100', 6));
    expect(orderRuns(env.db, order.id)).toHaveLength(2);
  });

  it('does not swap when the pool gives less than the oracle’s price allows, backs off, and gives up for the day', async () => {
    const order = await activeOrder(1, 30_000n);
    // Someone buys WETH in the pool: it now costs more there than the oracle says, whatever earlier
    // trades on this devnet left its price at.
    // The case's premise, checked: the pool gives less for the day's 50 USDC than the oracle's price
    // (earlier files on this devnet may have left WETH cheap there; one trade was not always enough).
    const prices = await aaveOraclePrices(publicClient, env.chain);
    const [usdIn, usdOut] = await Promise.all([prices.usd(usdc), prices.usd(weth)]);
    const oracleOut = parseEther(((50 * (usdIn as number)) / (usdOut as number)).toFixed(18));
    // One trade at least, as the case always made; more while the pool still gives the oracle's price.
    await buyWethInPool(manifest, 20_000);
    await buyWethUntilPoolGivesLess(
      manifest,
      { tokenIn: usdc.address, tokenOut: weth.address, amountIn: parseUnits('50', 6), fee: pool?.fee ?? 500 },
      oracleOut,
    );
    const usdcBefore = await balanceOf(usdc.address, user.address);
    const wethBefore = await balanceOf(weth.address, user.address);
    // The day's minimum comes from the oracle; with the user's slippage ceiling at 0 the pool's fee
    // alone puts the swap below it.
    env.db
      .prepare(
        `INSERT INTO agent_policies (user_id, max_plan_usd, max_daily_usd, max_slippage_bps, confirm_new_recipients, updated_at)
       VALUES (?, 10000, 25000, 0, 1, ?)`,
      )
      .run(userId, new Date().toISOString());
    try {
      expect(await outcomeOf(order)).toMatch(/^day 1 not run: The day's swap would revert/);
      expect(await outcomeOf(order)).toBe('day 1 retried after a back-off');
      for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
        clock += 10 * 60_000;
        expect(await outcomeOf(order)).toMatch(/^day 1 not run/);
      }
      clock += 60 * 60_000;
      expect(await outcomeOf(order)).toBe(`day 1 given up after ${MAX_ATTEMPTS} attempts`);
      expect(await balanceOf(usdc.address, user.address)).toBe(usdcBefore);
      expect(await balanceOf(weth.address, user.address)).toBe(wethBefore);
      expect(orderRuns(env.db, order.id)).toHaveLength(MAX_ATTEMPTS);
    } finally {
      env.db.prepare('DELETE FROM agent_policies WHERE user_id = ?').run(userId);
    }
  });

  it('stops an order whose allowance the user took back, or whose delegation they revoked', async () => {
    const order = await activeOrder(2, 40_000n);
    await parties.send(
      user,
      {
        to: usdc.address,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: 'approve',
          args: [manifest.contracts.uniswapV3.swapRouter02, 0n],
        }),
      },
      'allowance taken back',
    );
    const before = await balanceOf(usdc.address, user.address);
    expect(await outcomeOf(order)).toMatch(/^stopped: The Uniswap V3 router may spend only 0 USDC/);
    expect(getOrder(env.db, userId, order.id).status).toBe('stopped');
    expect(orderRuns(env.db, order.id)).toHaveLength(0);
    expect(await balanceOf(usdc.address, user.address)).toBe(before);

    const revoked = await activeOrder(2, 50_000n);
    await parties.send(
      user,
      {
        to: user.address,
        data: selfBatchCalldata([{ to: user.address, data: disableCalldata(revoked.delegations[0] as Delegation) }]),
      },
      'revocation',
    );
    expect(await outcomeOf(revoked)).toBe('stopped: Its delegation was revoked on chain.');
    expect(orderRuns(env.db, revoked.id)).toHaveLength(0);
    expect(await balanceOf(usdc.address, user.address)).toBe(before);
  });
});
