import { erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { migrateAgentCore } from '../agent-core/migrations.ts';
import { cancelOrder, confirmOrder } from '../agent-core/orders/lifecycle.ts';
import { proposeClaimRewards } from '../agent-core/orders/propose-claim-rewards.ts';
import { type RunnerEnvironment, runOrders } from '../agent-core/orders/runner.ts';
import { getOrder, orderRuns, runExecution } from '../agent-core/orders/store.ts';
import { delegatorUser, withAgentKey } from '../agent-core/orders/testing/delegator-user.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { revertChainAfterFile } from '../devnet/testing/chain-snapshot.ts';
import { devnetClients, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { getExecution } from '../smart-accounts/executions.ts';
import { testEnvironment } from '../smart-accounts/testing/environment.ts';
import { claimCall, rewardClaimsOf, rewardsSource } from './claims.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { testDistributionTarget } from './testing/distribution.ts';
import { rewardEpochFor } from './testing/rewarded-account.ts';

/**
 * "Claim my rewards when an epoch settles" as a standing order, against real settlements: epochs
 * settled in the runner's own database and distributed on the devnet (a MerkleDistributor each, in a
 * reward token of the test's own). The runner claims each epoch once, as it is distributed, with the
 * agent key from its own address; the user signs no delegation and allows nothing; an epoch someone
 * else claimed first is left alone; the order ends with its days, and once cancelled claims nothing.
 */
const manifest = testDevnet();
const clients = devnetClients(manifest);
const { testClient, publicClient } = clients;
// No bundler inside a reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);
migrateEmissions(env.db);

revertChainAfterFile(clients);

describe('a claim order', () => {
  it('claims each distributed epoch once, from the agent key, and nothing after its days or once cancelled', async () => {
    const { target } = await testDistributionTarget(manifest);
    const token = target.rewardToken;
    const rewards = rewardsSource(env.db, publicClient, env.chain.chainId, token);
    env.rewards = rewards;
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent = await withAgentKey(env, userId);
    const rewardBalance = () =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    const agentNonce = () => publicClient.getTransactionCount({ address: agent });

    const proposed = await proposeClaimRewards(env, rewards, userId, address, { days: 3 });
    expect(proposed.words).toMatch(
      /^Sextant may claim the SXR rewards of your address 0x[0-9a-fA-F]{40} as each epoch is distributed.*It needs no permission over your funds, and you sign none/,
    );
    expect(proposed.delegations).toEqual([]);
    const order = await confirmOrder(env, owner, userId, proposed.id);
    expect(order.status).toBe('active');
    // The grant was the agent key's gas and nothing else: one call, ETH to the agent key.
    const grant = getExecution(env.db, userId, order.grantExecutionId as string);
    expect(grant.calls).toEqual([{ to: agent, value: order.agentGas, data: '0x' }]);
    expect(await publicClient.getBalance({ address: agent })).toBe(order.agentGas);

    const outcome = async () => (await runOrders(env)).find((r) => r.orderId === order.id)?.outcome;
    expect(await outcome()).toMatch(/^waiting for an epoch distributed with rewards/);
    expect(await agentNonce()).toBe(0);

    // An epoch settles and is distributed: the next pass claims it, exactly its amount, once.
    const first = await rewardEpochFor(env.db, target, address);
    expect(await outcome()).toBe(`epoch ${first.epoch}'s claim succeeded`);
    expect(await rewardBalance()).toBe(first.amount);
    expect(await agentNonce()).toBe(1);
    expect(await outcome()).toMatch(/^waiting/);
    expect(await agentNonce()).toBe(1);

    // The next epoch, likewise; one that someone else claimed for the user first is left alone.
    const second = await rewardEpochFor(env.db, target, address);
    expect(await outcome()).toBe(`epoch ${second.epoch}'s claim succeeded`);
    expect(await rewardBalance()).toBe(first.amount + second.amount);
    const third = await rewardEpochFor(env.db, target, address);
    const stranger = await fundedAccount(manifest, '1');
    const [open] = (
      await rewardClaimsOf(env.db, publicClient, address, { chainId: env.chain.chainId, rewardToken: token })
    ).filter((claim) => !claim.claimed);
    await minedReceipt(
      publicClient,
      await stranger.walletClient.sendTransaction({
        account: stranger.account,
        chain: stranger.walletClient.chain,
        ...claimCall(open as NonNullable<typeof open>),
      }),
    );
    expect(await outcome()).toMatch(/^waiting/);
    expect(await agentNonce()).toBe(2);
    expect(await rewardBalance()).toBe(first.amount + second.amount + third.amount);
    expect(orderRuns(env.db, order.id).map((run) => [run.period, runExecution(env.db, order, run).status])).toEqual([
      [first.epoch, 'succeeded'],
      [second.epoch, 'succeeded'],
    ]);

    // Its days pass: finished, with what it did; an epoch distributed after is not claimed by it.
    await testClient.increaseTime({ seconds: 3 * 86_400 + 60 });
    await testClient.mine({ blocks: 1 });
    expect(await outcome()).toBe('finished');
    expect(getOrder(env.db, userId, order.id).statusReason).toBe("Ran its 3 days; it claimed 2 epochs' rewards.");
    await rewardEpochFor(env.db, target, address);
    expect((await runOrders(env)).find((r) => r.orderId === order.id)).toBeUndefined();
    expect(await agentNonce()).toBe(2);
  });

  it('is cancelled without a transaction, and then claims nothing', async () => {
    const { target } = await testDistributionTarget(manifest);
    const rewards = rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken);
    env.rewards = rewards;
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent = await withAgentKey(env, userId);
    const order = await confirmOrder(
      env,
      owner,
      userId,
      (await proposeClaimRewards(env, rewards, userId, address, { days: 5 })).id,
    );
    await expect(proposeClaimRewards(env, rewards, userId, address, { days: 5 })).rejects.toThrow(
      new RegExp(`Order ${order.id} \\(active\\) already claims your rewards`),
    );
    const nonce = await publicClient.getTransactionCount({ address });
    // Nothing to sign: the owner key is never asked for.
    const cancelled = await cancelOrder(
      env,
      () => Promise.reject(new Error('the owner key was asked for')),
      userId,
      order.id,
    );
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.revokeExecutionId).toBeNull();
    expect(await publicClient.getTransactionCount({ address })).toBe(nonce);
    await rewardEpochFor(env.db, target, address);
    expect((await runOrders(env)).find((r) => r.orderId === order.id)).toBeUndefined();
    expect(await publicClient.getTransactionCount({ address: agent })).toBe(0);
  });

  it('refuses to grant a second claim order proposed before the first was granted, with nothing sent', async () => {
    const { target } = await testDistributionTarget(manifest);
    const rewards = rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken);
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    await withAgentKey(env, userId);
    const first = await proposeClaimRewards(env, rewards, userId, address, { days: 5 });
    const second = await proposeClaimRewards(env, rewards, userId, address, { days: 5 });
    const sent = await publicClient.getTransactionCount({ address });
    expect((await confirmOrder(env, owner, userId, first.id)).status).toBe('active');
    await expect(confirmOrder(env, owner, userId, second.id)).rejects.toThrow(
      new RegExp(`Order ${first.id} \\(active\\) already claims your rewards`),
    );
    expect(await publicClient.getTransactionCount({ address })).toBe(sent + 1);
    expect(getOrder(env.db, userId, second.id).status).toBe('proposed');
  });

  it('stops with the reason when the network’s reward token is no longer the one it claims', async () => {
    const { target } = await testDistributionTarget(manifest);
    const rewards = rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken);
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    await withAgentKey(env, userId);
    const order = await confirmOrder(
      env,
      owner,
      userId,
      (await proposeClaimRewards(env, rewards, userId, address, { days: 2 })).id,
    );
    const { target: another } = await testDistributionTarget(manifest);
    env.rewards = rewardsSource(env.db, publicClient, env.chain.chainId, another.rewardToken);
    expect((await runOrders(env)).find((r) => r.orderId === order.id)?.outcome).toMatch(
      /^stopped: The network's reward token is 0x[0-9a-fA-F]{40} now, not the SXR/,
    );
    expect(getOrder(env.db, userId, order.id).status).toBe('stopped');
  });
});
