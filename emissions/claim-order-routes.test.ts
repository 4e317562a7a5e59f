import { type Address, erc20Abi, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { unlockAgentKey } from '../agent-core/orders/agent-key.ts';
import { runOrders } from '../agent-core/orders/runner.ts';
import { OrderListResponseSchema, OrderResponseSchema } from '../agent-core/orders/view.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { accessToken } from '../app/access.ts';
import { testAgentApp } from '../app/testing/agent-app.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { rewardsSource } from './claims.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { testDistributionTarget } from './testing/distribution.ts';
import { rewardEpochFor } from './testing/rewarded-account.ts';

/**
 * POST /v1/orders with `kind: 'claim-rewards'` through the whole app, on the devnet, for a user who
 * keeps the SimpleAccount (a claim order needs no DeleGator): refused with anything but `days`,
 * proposed with nothing sent, confirmed (the agent key gets exactly its gas on chain), listed with its
 * reward token, run by the runner against an epoch really distributed (the account's balance rises by
 * exactly the claim) and cancelled with no transaction. Here in emissions/, since it needs settlements.
 */
const manifest = testDevnet();

describe('claim orders over HTTP, on the devnet', async () => {
  const { target } = await testDistributionTarget(manifest);
  const rewardToken = target.rewardToken;
  const deps = await testAgent(manifest, {
    rewards: (env) => rewardsSource(env.db, env.publicClient, env.chain.chainId, rewardToken),
  });
  migrateEmissions(deps.db);
  const { publicClient } = deps.env;
  const user = await fundedAgentUser(deps, manifest);
  const { app, dataDir } = testAgentApp(manifest, deps, [user], {
    agent: {
      agent: deps,
      userAccount: async () => ({ owner: user.ownerAddress, account: user.account }),
      unlock: async () => user.owner,
      passphrase: TEST_PASSPHRASE,
    },
  });
  const token = accessToken(dataDir, user.userId);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = (path: string, body?: unknown) =>
    app.request(path, { method: 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const get = (path: string) => app.request(path, { headers });
  const orderOf = async (response: Response) => OrderResponseSchema.parse(await response.json()).order;
  const rewardBalance = () =>
    publicClient.readContract({ address: rewardToken, abi: erc20Abi, functionName: 'balanceOf', args: [user.account] });

  it('takes only `days`, saying what is wrong otherwise', async () => {
    for (const [body, field, error] of [
      [{ kind: 'claim-rewards', days: 2, amount: '5' }, 'kind', /claim-rewards order takes only `days`/],
      [{ kind: 'claim-rewards', days: 2, spend: 'USDC', buy: 'ETH' }, 'kind', /takes only `days`/],
      [{ kind: 'claim-rewards', days: 2, asset: 'USDC', healthFactorBelow: '1.5' }, 'kind', /takes only `days`/],
      [{ kind: 'claim-rewards' }, 'days', /days/],
      [{ kind: 'claim-rewards', days: 0 }, 'days', /days/],
      [{ kind: 'claim-rewards', days: 32 }, 'days', /days/],
    ] as const) {
      const response = await post('/v1/orders', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const answer = (await response.json()) as { field: string; error: string };
      expect(answer.field, JSON.stringify(body)).toBe(field);
      expect(answer.error, JSON.stringify(body)).toMatch(error);
    }
    expect(OrderListResponseSchema.parse(await (await get('/v1/orders')).json()).orders).toEqual([]);
  });

  it('proposes, confirms (the agent key’s gas on chain), lists, claims a distributed epoch and cancels with nothing sent', async () => {
    const created = await post('/v1/orders', { kind: 'claim-rewards', days: 2 });
    expect(created.status).toBe(201);
    const proposed = await orderOf(created);
    expect(proposed).toMatchObject({
      kind: 'claim-rewards',
      status: 'proposed',
      account: user.account,
      grant: null,
      runs: [],
      terms: { days: 2, claim: { rewardToken, symbol: 'SXR' }, spend: { amount: '0', total: '0' } },
    });
    expect(proposed.words).toMatch(
      /^Sextant may claim the SXR rewards of your address 0x[0-9a-fA-F]{40} as each epoch is distributed.*It needs no permission over your funds, and you sign none/,
    );
    expect(await publicClient.getBalance({ address: proposed.agent as Address })).toBe(0n);

    const again = await post('/v1/orders', { kind: 'claim-rewards', days: 2 });
    expect(again.status, 'a proposed order does not yet stand in the way').toBe(201);
    expect((await orderOf(await post(`/v1/orders/${(await orderOf(again)).id}/cancel`))).status).toBe('cancelled');

    const confirmed = await post(`/v1/orders/${proposed.id}/confirm`);
    expect(confirmed.status).toBe(200);
    const active = await orderOf(confirmed);
    expect(active).toMatchObject({ status: 'active', grant: { status: 'succeeded' } });
    expect(await publicClient.getBalance({ address: active.agent as Address })).toBe(parseEther(active.agentGas));

    const second = await post('/v1/orders', { kind: 'claim-rewards', days: 5 });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({
      error: `Order ${proposed.id} (active) already claims your rewards as each epoch is distributed.`,
    });

    const listed = OrderListResponseSchema.parse(await (await get('/v1/orders')).json()).orders;
    const mine = listed.find((o) => o.id === proposed.id);
    expect(mine).toMatchObject({ status: 'active', terms: { claim: { rewardToken, symbol: 'SXR' } } });

    // An epoch paying the account is distributed; the runner claims it with the agent key.
    const epoch = await rewardEpochFor(deps.db, target, user.account);
    const before = await rewardBalance();
    const report = await runOrders({
      ...deps.env,
      rewards: deps.rewards,
      agentKey: (userId) => unlockAgentKey(deps.db, userId, TEST_PASSPHRASE),
    });
    expect(report.find((r) => r.orderId === proposed.id)?.outcome).toBe(`epoch ${epoch.epoch}'s claim succeeded`);
    expect(await rewardBalance()).toBe(before + epoch.amount);
    const shown = await orderOf(await get(`/v1/orders/${proposed.id}`));
    expect(shown.runs).toEqual([
      expect.objectContaining({
        day: null,
        epoch: epoch.epoch,
        attempt: 1,
        status: 'succeeded',
        txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    ]);
    const receipt = await publicClient.getTransactionReceipt({ hash: shown.runs[0]?.txHash as `0x${string}` });
    expect(receipt.from.toLowerCase()).toBe(shown.agent.toLowerCase());

    const ethBefore = await publicClient.getBalance({ address: user.account });
    const cancelled = await orderOf(await post(`/v1/orders/${proposed.id}/cancel`));
    expect(cancelled).toMatchObject({ status: 'cancelled', revoke: null, nextCheck: { at: null } });
    expect(await publicClient.getBalance({ address: user.account })).toBe(ethBefore);
  });

  it('is in the OpenAPI document', async () => {
    const response = await get('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(JSON.stringify(document.paths['/v1/orders']?.post?.requestBody)).toContain('"claim-rewards"');
  });
});
