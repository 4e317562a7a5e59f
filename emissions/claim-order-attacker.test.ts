import { type Address, createWalletClient, encodeFunctionData, erc20Abi, type Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { migrateAgentCore } from '../agent-core/migrations.ts';
import { unlockAgentKey } from '../agent-core/orders/agent-key.ts';
import { cancelOrder, confirmOrder } from '../agent-core/orders/lifecycle.ts';
import { proposeClaimRewards } from '../agent-core/orders/propose-claim-rewards.ts';
import { type RunnerEnvironment, runOrders } from '../agent-core/orders/runner.ts';
import { type ClaimRewardsOrder, orderRuns, runExecution } from '../agent-core/orders/store.ts';
import { delegatorUser, withAgentKey } from '../agent-core/orders/testing/delegator-user.ts';
import type { RewardsSource } from '../agent-core/plan/rewards.ts';
import { savePlan } from '../agent-core/plan/store.ts';
import { updatePolicy } from '../agent-core/policy/policy.ts';
import { openDatabase } from '../common/database.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { revertChainAfterFile } from '../devnet/testing/chain-snapshot.ts';
import { devnetClients, devnetTransport, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import {
  type Delegation,
  delegationTypedData,
  ROOT_AUTHORITY,
  redeemCalldata,
  selfBatchCalldata,
} from '../smart-accounts/delegations.ts';
import { TEST_PASSPHRASE, testEnvironment } from '../smart-accounts/testing/environment.ts';
import { claimCall, rewardClaimsOf, rewardsSource } from './claims.ts';
import type { DistributionTarget } from './distribute.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { testDistributionTarget } from './testing/distribution.ts';
import { rewardEpochFor } from './testing/rewarded-account.ts';

/**
 * A claim order attacked. Its agent key holds the user's claims and its own gas, nothing more: stolen,
 * it cannot take the user's tokens (no allowance) nor redeem a delegation it made up for the user's
 * address (the DeleGator checks the user's signature). The runner claims each epoch once even when
 * two passes race, a run is misrecorded and the chain is read stale (the distributor pays each claim
 * once, and a claim paid already is simulated, refused and never sent); it sends nothing but a
 * distributor claim that pays the order's account, whatever its rewards source hands it; and a claim,
 * which moves nothing out of the user's address, is not held back by a daily limit already used.
 */
const manifest = testDevnet();
const clients = devnetClients(manifest);
const { publicClient } = clients;
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);
migrateEmissions(env.db);
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
const delegationManager = env.chain.contracts.delegationFramework?.delegationManager as Address;

revertChainAfterFile(clients);

/** A claim order of a new DeleGator user, confirmed, claiming `target`'s token; each test its own. */
async function claimOrderUser(target: DistributionTarget, rewards: RewardsSource) {
  env.rewards = rewards;
  const user = await delegatorUser(env, manifest);
  const agent = await withAgentKey(env, user.userId);
  const proposed = await proposeClaimRewards(env, rewards, user.userId, user.account, { days: 5 });
  const order = (await confirmOrder(env, user.owner, user.userId, proposed.id)) as ClaimRewardsOrder;
  expect(order.status).toBe('active');
  const balanceOf = (token: Address, address: Address) =>
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
  return {
    ...user,
    agent,
    order,
    rewardBalance: () => balanceOf(target.rewardToken, user.account),
    balanceOf,
    agentNonce: () => publicClient.getTransactionCount({ address: agent }),
    outcome: async (on: RunnerEnvironment = env) => (await runOrders(on)).find((r) => r.orderId === order.id)?.outcome,
    /** Ends the order, so the passes of the file's later tests do not run it. */
    done: () => cancelOrder(env, user.owner, user.userId, order.id),
  };
}

/** Sends `call` from `from` as is, with a gas limit of its own (no estimate, which would refuse a revert). */
async function sendRaw(from: PrivateKeyAccount, call: { to: Address; data: Hex; value?: bigint }) {
  const wallet = createWalletClient({
    chain: clients.chain,
    account: from,
    transport: devnetTransport(manifest.rpcUrl),
  });
  const hash = await wallet.sendTransaction({ ...call, gas: 600_000n, chain: clients.chain, account: from });
  return minedReceipt(publicClient, hash);
}

describe('a claim order under attack', () => {
  it("stolen, its agent key moves nothing of the user's: no allowance to take, no delegation of its own making", async () => {
    const { target } = await testDistributionTarget(manifest);
    const u = await claimOrderUser(target, rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken));
    const first = await rewardEpochFor(env.db, target, u.account);
    expect(await u.outcome()).toBe(`epoch ${first.epoch}'s claim succeeded`);

    // The thief has the agent key itself, outside Sextant.
    const thief = await unlockAgentKey(env.db, u.userId, TEST_PASSPHRASE);
    const before = {
      usdc: await u.balanceOf(usdc.address, u.account),
      reward: await u.rewardBalance(),
      eth: await publicClient.getBalance({ address: u.account }),
      nonce: await publicClient.getTransactionCount({ address: u.account }),
    };
    expect(before.usdc).toBeGreaterThan(0n);
    expect(before.reward).toBe(first.amount);
    // The order allowed the agent key nothing.
    for (const token of [usdc.address, target.rewardToken]) {
      expect(
        await publicClient.readContract({
          address: token,
          abi: erc20Abi,
          functionName: 'allowance',
          args: [u.account, thief.address],
        }),
      ).toBe(0n);
    }

    // 1. Take the user's tokens as a spender.
    for (const [token, amount] of [
      [usdc.address, before.usdc],
      [target.rewardToken, before.reward],
    ] as const) {
      const taken = await sendRaw(thief, {
        to: token,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: 'transferFrom',
          args: [u.account, thief.address, amount],
        }),
      });
      expect(taken.status).toBe('reverted');
    }

    // 2. Redeem a delegation from the user's address that the thief made up and signed with the agent key:
    // the user's USDC, their rewards, their ETH.
    const made = (salt: bigint): Delegation => ({
      delegate: thief.address,
      delegator: u.account,
      authority: ROOT_AUTHORITY,
      caveats: [],
      salt,
      signature: '0x',
    });
    const forged = async (salt: bigint): Promise<Delegation> => {
      const delegation = made(salt);
      return {
        ...delegation,
        signature: await thief.signTypedData(delegationTypedData(delegationManager, env.chain.chainId, delegation)),
      };
    };
    const takes = [
      {
        to: usdc.address,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [thief.address, before.usdc] }),
      },
      {
        to: target.rewardToken,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [thief.address, before.reward] }),
      },
      { to: thief.address, value: before.eth / 2n, data: '0x' as Hex },
    ];
    for (const [i, take] of takes.entries()) {
      const redeemed = await sendRaw(thief, {
        to: delegationManager,
        data: redeemCalldata([await forged(BigInt(i + 1))], take),
      });
      expect(redeemed.status).toBe('reverted');
    }
    // Unsigned, too: the DeleGator holds the user's signature to be its own, never none.
    expect(
      (
        await sendRaw(thief, {
          to: delegationManager,
          data: redeemCalldata([made(9n)], takes[0] as (typeof takes)[number]),
        })
      ).status,
    ).toBe('reverted');
    // 3. Have the user's address execute the calls for it directly.
    expect((await sendRaw(thief, { to: u.account, data: selfBatchCalldata(takes) })).status).toBe('reverted');

    expect(await u.balanceOf(usdc.address, u.account)).toBe(before.usdc);
    expect(await u.rewardBalance()).toBe(before.reward);
    expect(await publicClient.getBalance({ address: u.account })).toBe(before.eth);
    expect(await publicClient.getTransactionCount({ address: u.account })).toBe(before.nonce);
    expect(await u.balanceOf(usdc.address, thief.address)).toBe(0n);
    expect(await u.balanceOf(target.rewardToken, thief.address)).toBe(0n);
    await u.done();
  });

  it('claims an epoch once when two runner processes pass at the same time', async () => {
    const { target } = await testDistributionTarget(manifest);
    const u = await claimOrderUser(target, rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken));
    const epoch = await rewardEpochFor(env.db, target, u.account);
    // A second process: its own connection to the same database.
    const other = { ...env, db: openDatabase(env.dbPath) };
    const outcomes = await Promise.all([u.outcome(), u.outcome(other)]);
    expect(outcomes.sort()).toEqual([
      `epoch ${epoch.epoch}'s claim already started`,
      `epoch ${epoch.epoch}'s claim succeeded`,
    ]);
    expect(await u.agentNonce()).toBe(1);
    expect(await u.rewardBalance()).toBe(epoch.amount);
    expect(orderRuns(env.db, u.order.id).map((run) => [run.period, run.attempt])).toEqual([[epoch.epoch, 1]]);
    other.db.close();
    await u.done();
  });

  it('never lands a second claim of an epoch, even with its run misrecorded and the chain read stale', async () => {
    const { target } = await testDistributionTarget(manifest);
    const honest = rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken);
    // A source that never sees a claim paid (a node behind, a cache).
    const stale: RewardsSource = async (account) => {
      const found = await honest(account);
      return { ...found, rewards: found.rewards.map((reward) => ({ ...reward, claimed: false })) };
    };
    const u = await claimOrderUser(target, stale);
    const epoch = await rewardEpochFor(env.db, target, u.account);
    expect(await u.outcome()).toBe(`epoch ${epoch.epoch}'s claim succeeded`);
    expect(await u.outcome()).toMatch(/^1 epoch to claim, each waiting/);
    expect(await u.agentNonce()).toBe(1);

    // The run's record lost (as if it had failed before it left), the source still stale.
    const [run] = orderRuns(env.db, u.order.id);
    env.db
      .prepare("UPDATE executions SET status = 'failed', sent = 'no' WHERE id = ?")
      .run((run as NonNullable<typeof run>).executionId);
    let clock = Date.now();
    env.now = () => clock;
    try {
      for (let attempt = 2; attempt <= 3; attempt++) {
        clock += 10 * 60_000;
        expect(await u.outcome()).toMatch(
          new RegExp(`^epoch ${epoch.epoch}'s claim not run: The claim would revert, so it was not sent`),
        );
      }
      clock += 10 * 60_000;
      expect(await u.outcome()).toMatch(/given up after 3 attempts$/);
    } finally {
      env.now = undefined;
    }
    expect(await u.agentNonce()).toBe(1);
    expect(await u.rewardBalance()).toBe(epoch.amount);
    expect(orderRuns(env.db, u.order.id).map((r) => runExecution(env.db, u.order, r).sent)).toEqual(['no', 'no', 'no']);
    await u.done();
  });

  it('sends nothing but a distributor claim that pays its own account, whatever its rewards source says', async () => {
    const { target } = await testDistributionTarget(manifest);
    const honest = rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken);
    // A stranger's real, open claim in an epoch of another database on the same token.
    const stranger = await fundedAccount(manifest, '1');
    const theirs = openDatabase(':memory:');
    await rewardEpochFor(theirs, target, stranger.account.address);
    const [strangerClaim] = await rewardClaimsOf(theirs, publicClient, stranger.account.address, {
      chainId: env.chain.chainId,
      rewardToken: target.rewardToken,
    });
    const handed: { to: Address; data: Hex }[] = [
      // Not a claim: any call the agent key could make from its own address.
      {
        to: target.rewardToken,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [stranger.account.address, 1n] }),
      },
      // A claim, but paying another account.
      claimCall(strangerClaim as NonNullable<typeof strangerClaim>),
    ];
    let hand = handed[0] as { to: Address; data: Hex };
    const lying: RewardsSource = async (account) => {
      const found = await honest(account);
      return { ...found, rewards: found.rewards.map((reward) => ({ ...reward, call: { ...hand, value: 0n } })) };
    };
    const u = await claimOrderUser(target, lying);
    const epoch = await rewardEpochFor(env.db, target, u.account);
    for (const call of handed) {
      hand = call;
      expect(await u.outcome()).toMatch(/is not a claim that pays/);
    }
    expect(await u.agentNonce()).toBe(0);
    expect(await u.balanceOf(target.rewardToken, stranger.account.address)).toBe(0n);
    expect(
      await publicClient.readContract({
        address: target.rewardToken,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [u.agent, stranger.account.address],
      }),
    ).toBe(0n);
    expect(orderRuns(env.db, u.order.id)).toEqual([]);
    // The honest claim still goes.
    env.rewards = honest;
    expect(await u.outcome()).toBe(`epoch ${epoch.epoch}'s claim succeeded`);
    expect(await u.rewardBalance()).toBe(epoch.amount);
    theirs.close();
    await u.done();
  });

  it('runs on a network with neither the delegation framework nor an Aave market (it needs neither)', async () => {
    const { target } = await testDistributionTarget(manifest);
    const u = await claimOrderUser(target, rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken));
    const epoch = await rewardEpochFor(env.db, target, u.account);
    // Ethereum, Base, OP and Arbitrum as the runtime knows them: no delegationFramework, and Base Sepolia no Aave.
    const bare = {
      ...env,
      chain: { ...env.chain, contracts: { ...env.chain.contracts, delegationFramework: undefined, aaveV3: undefined } },
    } as RunnerEnvironment;
    expect(await u.outcome(bare)).toBe(`epoch ${epoch.epoch}'s claim succeeded`);
    expect(await u.rewardBalance()).toBe(epoch.amount);
    expect(await u.agentNonce()).toBe(1);
    await u.done();
  });

  it('claims though the day already moved more than the daily limit allows (a claim moves nothing out)', async () => {
    const { target } = await testDistributionTarget(manifest);
    const u = await claimOrderUser(target, rewardsSource(env.db, publicClient, env.chain.chainId, target.rewardToken));
    // $200 moved today by a plan, then the daily limit lowered to $100.
    savePlan(env.db, {
      userId: u.userId,
      conversationId: undefined,
      message: 'send 200 USDC to a friend',
      status: 'confirmed',
      chainId: env.chain.chainId,
      account: u.account,
      intents: [],
      steps: [],
      calls: [],
      preview: {} as never,
      valueUsd: 200,
      newRecipients: [],
      refusal: undefined,
      referrer: null,
    });
    updatePolicy(env.db, u.userId, { maxDailyUsd: 100 });
    const epoch = await rewardEpochFor(env.db, target, u.account);
    expect(await u.outcome()).toBe(`epoch ${epoch.epoch}'s claim succeeded`);
    expect(await u.rewardBalance()).toBe(epoch.amount);
    expect(await u.agentNonce()).toBe(1);
    await u.done();
  });
});
