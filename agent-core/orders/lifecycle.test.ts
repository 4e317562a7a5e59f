import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Address, erc20Abi, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { readDelegation } from '../../smart-accounts/eip7702.ts';
import { getExecution } from '../../smart-accounts/executions.ts';
import { newUser, TEST_PASSPHRASE, testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { migrateAgentCore } from '../migrations.ts';
import { ensureAgentKey } from './agent-key.ts';
import { cancelOrder, confirmOrder, pauseOrder, resumeOrder } from './lifecycle.ts';
import { migrateOrders } from './migrations.ts';
import { proposeDailySwap } from './propose-daily-swap.ts';
import { type RunnerEnvironment, runOrders } from './runner.ts';
import { getOrder, orderRuns } from './store.ts';
import { delegatorUser, withAgentKey } from './testing/delegator-user.ts';

/**
 * An order's life through Sextant's own code, as a user lives it: their address upgraded to the
 * DeleGator, a daily swap proposed in words, confirmed (delegations signed, the grant sent from
 * their address), run by the runner with the agent key, paused, resumed, and cancelled (revoked on
 * chain). Inside an anvil snapshot, reverted at the end.
 */
const manifest = testDevnet();
const KILLER = fileURLToPath(new URL('./testing/kill-during-run.ts', import.meta.url));
const { testClient, publicClient } = devnetClients(manifest);
// No bundler inside a reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);
migrateOrders(env.db);
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const weth = manifest.contracts.weth;
const router = manifest.contracts.uniswapV3.swapRouter02;
const balanceOf = (token: Address, holder: Address) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const allowance = (holder: Address) =>
  publicClient.readContract({
    address: usdc.address,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [holder, router],
  });

revertChainAfterFile({ testClient, publicClient });

describe('a standing order’s life', () => {
  it('is proposed in words, granted from the user’s address, run by the agent key, and revoked on chain when cancelled', async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent = await withAgentKey(env, userId);
    expect(await readDelegation(publicClient, address)).toEqual({
      kind: 'delegated',
      implementation: manifest.contracts.delegation.eip7702StatelessDeleGator,
    });

    const proposed = await proposeDailySwap(env, userId, address, { amount: '50', spend: 'USDC', buy: 'ETH', days: 3 });
    expect(proposed.status).toBe('proposed');
    expect(proposed.words).toMatch(
      /^Sextant may swap 50 USDC into at least 0\.01\d+ WETH on Uniswap V3 .* once a day for 3 days/,
    );
    expect(proposed.words).toContain('Your address allows the Uniswap V3 router 150 USDC for it.');
    expect(proposed.words).toContain(`sends the agent key ${agent}`);
    // Nothing is signed or sent by a proposal.
    expect(await allowance(address)).toBe(0n);

    const usdcBefore = await balanceOf(usdc.address, address);
    const granted = await confirmOrder(env, owner, userId, proposed.id);
    expect(granted.status).toBe('active');
    expect(getExecution(env.db, userId, granted.grantExecutionId as string).status).toBe('succeeded');
    expect(await allowance(address)).toBe(parseUnits('150', 6));
    expect(await publicClient.getBalance({ address: agent })).toBe(granted.agentGas);
    // Confirming again changes nothing.
    expect((await confirmOrder(env, owner, userId, proposed.id)).grantExecutionId).toBe(granted.grantExecutionId);

    const wethBefore = await balanceOf(weth, address);
    expect((await runOrders(env)).find((r) => r.orderId === granted.id)?.outcome).toBe('day 1 succeeded');
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', 6));
    expect(await balanceOf(weth, address)).toBeGreaterThan(wethBefore);

    // Paused: the next day passes without a run; resumed: the day after runs.
    pauseOrder(env, userId, granted.id);
    await testClient.increaseTime({ seconds: 86_400 });
    await testClient.mine({ blocks: 1 });
    expect(await runOrders(env)).toEqual([]);
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', 6));
    resumeOrder(env, userId, granted.id);

    const cancelled = await cancelOrder(env, owner, userId, granted.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await allowance(address)).toBe(0n);
    expect(await runOrders(env)).toEqual([]);
    expect(orderRuns(env.db, granted.id)).toHaveLength(1);
    expect(getOrder(env.db, userId, granted.id).statusReason).toMatch(/^Revoked on chain/);
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', 6));
  });

  it('leaves exactly one transaction a day when the runner’s process is killed after sending, or before', async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent = await withAgentKey(env, userId);
    const proposed = await proposeDailySwap(env, userId, address, { amount: '50', spend: 'USDC', buy: 'ETH', days: 2 });
    const order = await confirmOrder(env, owner, userId, proposed.id);
    const usdcBefore = await balanceOf(usdc.address, address);
    const nonceBefore = await publicClient.getTransactionCount({ address: agent });

    const killedAt = async (at: 'before-send' | 'after-send') => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          KILLER,
          JSON.stringify({ dbPath: env.dbPath, manifest, userId, passphrase: TEST_PASSPHRASE, at }),
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    };
    const outcome = async () => (await runOrders(env)).find((r) => r.orderId === order.id)?.outcome;

    // Day 1: killed once the node had the run. The restart settles it from its receipt; no second run.
    expect(await killedAt('after-send')).toBe('SIGKILL');
    expect(await outcome()).toBe('day 1 succeeded');
    expect(await outcome()).toMatch(/^day 1 done/);
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', 6));

    // Day 2: killed after the signed run was written, before it was sent. The restart sends those bytes.
    await testClient.increaseTime({ seconds: 86_400 });
    await testClient.mine({ blocks: 1 });
    expect(await killedAt('before-send')).toBe('SIGKILL');
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', 6));
    expect(await outcome()).toMatch(/^day 2 sent again/);
    expect(await outcome()).toBe('day 2 succeeded');

    expect(await publicClient.getTransactionCount({ address: agent })).toBe(nonceBefore + 2);
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('100', 6));
    expect(orderRuns(env.db, order.id).map((run) => [run.period, run.attempt])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('refuses to confirm for an address that cannot hold delegations, and a day over the policy’s limits', async () => {
    const { userId, owner } = await newUser(env);
    await ensureAgentKey(env.db, userId, TEST_PASSPHRASE);
    await expect(
      proposeDailySwap(env, userId, owner.address, { amount: '20000', spend: 'USDC', buy: 'WETH', days: 2 }),
    ).rejects.toThrow(/over your limit of \$10000 per plan/);
    const proposed = await proposeDailySwap(env, userId, owner.address, {
      amount: '5',
      spend: 'USDC',
      buy: 'WETH',
      days: 2,
    });
    await expect(confirmOrder(env, owner, userId, proposed.id)).rejects.toThrow(/DeleGator/);
    expect(getOrder(env.db, userId, proposed.id).status).toBe('proposed');
  });
});
