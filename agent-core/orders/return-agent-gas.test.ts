import type { Address, PublicClient } from 'viem';
import { describe, expect, it } from 'vitest';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { migrateAgentCore } from '../migrations.ts';
import { cancelOrder, confirmOrder, pauseOrder } from './lifecycle.ts';
import { proposeDailySwap } from './propose-daily-swap.ts';
import type { RunnerEnvironment } from './runner.ts';
import { orderPass } from './schedule.ts';
import { delegatorUser, withAgentKey } from './testing/delegator-user.ts';

/**
 * The ETH a grant sends the agent key for gas is the user's: while an order can still run (active or
 * paused) the key keeps it; once none can, the runner's pass sends what is left back to the user's
 * address, once, and nothing more after.
 */
const manifest = testDevnet();
const clients = devnetClients(manifest);
const { publicClient } = clients;
// No bundler inside a reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);

revertChainAfterFile(clients);

describe("the agent key's unused gas", () => {
  it('stays while an order may run, and goes back to the user once none can', async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent: Address = await withAgentKey(env, userId);
    const proposed = await proposeDailySwap(env, userId, address, { amount: '10', spend: 'USDC', buy: 'ETH', days: 2 });
    const order = await confirmOrder(env, owner, userId, proposed.id);
    expect(await publicClient.getBalance({ address: agent })).toBe(order.agentGas);
    const mine = async () => (await orderPass(env)).orders.filter((r) => r.orderId === order.id);

    // Active, then paused: the key keeps its gas (the active pass makes day 1's swap with it).
    expect((await mine()).map((r) => r.outcome)).toEqual(['day 1 succeeded']);
    const afterRun = await publicClient.getBalance({ address: agent });
    expect(afterRun).toBeLessThan(order.agentGas);
    pauseOrder(env, userId, order.id);
    expect(await mine()).toEqual([]);
    expect(await publicClient.getBalance({ address: agent })).toBe(afterRun);

    // Cancelled: the next pass returns what is left, less the transfer's own gas, to the address.
    await cancelOrder(env, owner, userId, order.id);
    const before = await publicClient.getBalance({ address });
    const [returned, ...more] = await mine();
    expect(more).toEqual([]);
    expect(returned?.outcome).toMatch(/^its agent key returned 0\.\d+ ETH of unused gas to 0x[0-9a-fA-F]{40} \(tx 0x/);
    const left = await publicClient.getBalance({ address: agent });
    const back = (await publicClient.getBalance({ address })) - before;
    expect(back + left).toBeLessThan(afterRun);
    expect(back).toBeGreaterThan((afterRun * 9n) / 10n);
    // What stays is about one transfer's fee (twice its gas is kept back, for an L1 data fee).
    expect(left).toBeLessThan((afterRun * 3n) / 100n);
    // Once: the dust left is not worth a transfer.
    const nonce = await publicClient.getTransactionCount({ address: agent });
    expect(await mine()).toEqual([]);
    expect(await publicClient.getTransactionCount({ address: agent })).toBe(nonce);
  });

  it("keeps the gas of an order granted while the pass reads the agent key's balance", async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent: Address = await withAgentKey(env, userId);
    const first = await proposeDailySwap(env, userId, address, { amount: '10', spend: 'USDC', buy: 'ETH', days: 2 });
    await confirmOrder(env, owner, userId, first.id);
    await cancelOrder(env, owner, userId, first.id);
    const next = await proposeDailySwap(env, userId, address, { amount: '10', spend: 'USDC', buy: 'ETH', days: 2 });
    // The user grants the next order (the page's Grant, in the server that runs the runner) just as
    // the pass, having found no order that needs gas, asks the node for the key's balance: the
    // grant's gas lands first. The node, the grant and the pass are all real; only the moment is chosen.
    let granted: Awaited<ReturnType<typeof confirmOrder>> | undefined;
    const racing = new Proxy(publicClient, {
      get(target, property, receiver) {
        if (property !== 'getBalance') return Reflect.get(target, property, receiver);
        return async (args: { address: Address }) => {
          if (!granted && args.address === agent) granted = await confirmOrder(env, owner, userId, next.id);
          return target.getBalance(args);
        };
      },
    }) as PublicClient;
    const pass = await orderPass({ ...env, publicClient: racing });
    expect(granted?.status).toBe('active');
    expect(pass.orders.filter((r) => r.orderId === first.id)).toEqual([]);
    // The next order's runs still have their gas: nothing left the key.
    expect(await publicClient.getBalance({ address: agent })).toBeGreaterThanOrEqual(next.agentGas);
  });

  it('is returned once when two passes run at once (the server and `sextant orders run`)', async () => {
    const { userId, owner, ownerAddress: address } = await delegatorUser(env, manifest);
    const agent: Address = await withAgentKey(env, userId);
    const proposed = await proposeDailySwap(env, userId, address, { amount: '10', spend: 'USDC', buy: 'ETH', days: 2 });
    await confirmOrder(env, owner, userId, proposed.id);
    await cancelOrder(env, owner, userId, proposed.id);
    const held = await publicClient.getBalance({ address: agent });
    const nonce = await publicClient.getTransactionCount({ address: agent });
    const before = await publicClient.getBalance({ address });
    const passes = await Promise.all([orderPass(env), orderPass(env)]);
    const mine = passes.flatMap((pass) => pass.orders).filter((r) => r.orderId === proposed.id);
    // The pass that lost the race may say its transfer was refused (its nonce was just used): never a second.
    expect(
      mine.filter((r) => r.outcome.startsWith('its agent key returned')),
      JSON.stringify(mine),
    ).toHaveLength(1);
    // One transfer: the key's nonce moved by one, and the address got what it sent, once.
    expect(await publicClient.getTransactionCount({ address: agent })).toBe(nonce + 1);
    const back = (await publicClient.getBalance({ address })) - before;
    const left = await publicClient.getBalance({ address: agent });
    expect(back).toBeGreaterThan((held * 9n) / 10n);
    expect(back + left).toBeLessThan(held);
  });
});
