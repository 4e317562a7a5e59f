import { type Address, erc20Abi, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { accessToken } from '../../app/access.ts';
import { testAgentApp } from '../../app/testing/agent-app.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { TEST_PASSPHRASE } from '../../smart-accounts/testing/environment.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import { unlockAgentKey } from './agent-key.ts';
import { runOrders } from './runner.ts';
import { delegatorUser } from './testing/delegator-user.ts';
import { OrderListResponseSchema, OrderResponseSchema, type OrderView } from './view.ts';

/**
 * /v1/orders on the devnet, through the whole app (auth, CSRF, the edge's errors): a daily swap
 * proposed, granted from the user's own address (the router's allowance on chain), run once by the
 * agent key, paused, resumed and cancelled (the allowance back to 0 on chain).
 */
const manifest = testDevnet();
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const router = manifest.contracts.uniswapV3.swapRouter02;

describe('standing orders over HTTP, on the devnet', async () => {
  const deps = await testAgent(manifest);
  const { publicClient } = deps.env;
  const alice = await delegatorUser(deps.env, manifest);
  // Bob keeps the SimpleAccount: his address cannot hold delegations.
  const bob = await fundedAgentUser(deps, manifest);
  const users = new Map([alice, bob].map((user) => [user.userId, user]));
  const agent = {
    agent: deps,
    userAccount: async (userId: string) => {
      const user = users.get(userId) as typeof alice;
      return { owner: user.ownerAddress, account: user.account };
    },
    unlock: async (userId: string) => (users.get(userId) as typeof alice).owner,
  };
  const { app, dataDir } = testAgentApp(manifest, deps, [alice, bob], {
    agent: { ...agent, passphrase: TEST_PASSPHRASE },
  });
  // The same server without SEXTANT_PASSPHRASE.
  const locked = testAgentApp(manifest, deps, [alice], { agent });
  const aliceToken = accessToken(dataDir, alice.userId);
  const bobToken = accessToken(dataDir, bob.userId);
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const post = (path: string, token: string, body?: unknown, on = app) =>
    on.request(path, {
      method: 'POST',
      headers: headers(token),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = (path: string, token: string) => app.request(path, { headers: headers(token) });
  const orderOf = async (response: Response) => OrderResponseSchema.parse(await response.json()).order;
  const allowance = (holder: Address) =>
    publicClient.readContract({
      address: usdc.address,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [holder, router],
    });
  const daily = { kind: 'daily-swap', amount: '50', spend: 'USDC', buy: 'ETH', days: 3 };

  it('refuses a bad body with its field, an address without the DeleGator, and a server without the passphrase', async () => {
    for (const [body, field] of [
      [{ ...daily, days: undefined }, 'days'],
      [{ ...daily, days: 32 }, 'days'],
      [{ ...daily, kind: 'price' }, 'kind'],
      [{ ...daily, amount: '' }, 'amount'],
      [{ ...daily, extra: 1 }, 'body'],
      [{ ...daily, kind: 'price-swap' }, 'when'],
      [{ ...daily, when: { direction: 'above', price: '3300' } }, 'when'],
      [{ kind: 'repay-guard', amount: '1000', days: 30 }, 'asset'],
      [{ ...daily, asset: 'USDC', healthFactorBelow: '1.5' }, 'asset'],
    ] as const) {
      const response = await post('/v1/orders', aliceToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { field: string }).field).toBe(field);
    }
    const notAnAmount = await post('/v1/orders', aliceToken, { ...daily, amount: 'lots' });
    expect(notAnAmount.status).toBe(409);
    expect(await notAnAmount.json()).toMatchObject({ error: '"lots" is not an amount.' });

    // A position guard for an address with no Aave debt guards nothing.
    const noDebt = await post('/v1/orders', aliceToken, {
      kind: 'repay-guard',
      amount: '1000',
      asset: 'USDC',
      healthFactorBelow: 1.5,
      days: 30,
    });
    expect(noDebt.status).toBe(409);
    expect(await noDebt.json()).toMatchObject({ error: expect.stringMatching(/no debt on Aave V3/) });

    const simpleAccount = await post('/v1/orders', bobToken, daily);
    expect(simpleAccount.status).toBe(409);
    expect(await simpleAccount.json()).toMatchObject({ error: expect.stringMatching(/DeleGator/) });

    const noPassphrase = await post('/v1/orders', locked.token, daily, locked.app);
    expect(noPassphrase.status).toBe(423);
    expect(await noPassphrase.json()).toMatchObject({
      code: 'server-passphrase-required',
      hint: expect.stringMatching(/SEXTANT_PASSPHRASE/),
    });
    expect(OrderListResponseSchema.parse(await (await get('/v1/orders', aliceToken)).json()).orders).toEqual([]);
  });

  it('proposes, grants (the allowance on chain), runs, pauses, resumes and cancels (the allowance back to 0)', async () => {
    const created = await post('/v1/orders', aliceToken, daily);
    expect(created.status).toBe(201);
    const proposed = await orderOf(created);
    expect(proposed).toMatchObject({
      status: 'proposed',
      account: alice.account,
      terms: { spend: { amount: '50', symbol: 'USDC', total: '150' }, buy: { symbol: 'WETH' }, days: 3 },
      grant: null,
      nextCheck: { at: null },
      runs: [],
    });
    expect(proposed.words).toMatch(/^Sextant may swap 50 USDC into at least 0\.01\d+ WETH on Uniswap V3/);
    expect(await allowance(alice.account)).toBe(0n);

    // Only an active order pauses; another user's order is not found, whatever is asked of it.
    expect((await post(`/v1/orders/${proposed.id}/pause`, aliceToken)).status).toBe(409);
    for (const action of ['confirm', 'pause', 'resume', 'cancel']) {
      expect((await post(`/v1/orders/${proposed.id}/${action}`, bobToken)).status, action).toBe(404);
    }
    expect((await get(`/v1/orders/${proposed.id}`, bobToken)).status).toBe(404);
    expect(OrderListResponseSchema.parse(await (await get('/v1/orders', bobToken)).json()).orders).toEqual([]);
    expect((await get('/v1/orders/ord_missing', aliceToken)).status).toBe(404);

    const confirmed = await post(`/v1/orders/${proposed.id}/confirm`, aliceToken);
    expect(confirmed.status).toBe(200);
    const active = await orderOf(confirmed);
    expect(active.status).toBe('active');
    expect(active.grant).toMatchObject({ status: 'succeeded', txHash: expect.stringMatching(/^0x/) });
    expect(await allowance(alice.account)).toBe(parseUnits('150', 6));

    // The runner's first day, with the agent key the proposal made.
    const report = await runOrders({
      ...deps.env,
      agentKey: (userId) => unlockAgentKey(deps.db, userId, TEST_PASSPHRASE),
    });
    expect(report.find((r) => r.orderId === proposed.id)?.outcome).toBe('day 1 succeeded');
    const shown = await orderOf(await get(`/v1/orders/${proposed.id}`, aliceToken));
    expect(shown.runs).toEqual([
      expect.objectContaining({
        day: 1,
        attempt: 1,
        status: 'succeeded',
        txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    ]);
    // Day 1 landed: the next check is the start of day 2.
    expect(shown.nextCheck.at).toBe(new Date(Date.parse(shown.terms.start) + 86_400_000).toISOString());
    const receipt = await publicClient.getTransactionReceipt({ hash: shown.runs[0]?.txHash as `0x${string}` });
    expect(receipt.from.toLowerCase()).toBe(shown.agent.toLowerCase());

    expect((await orderOf(await post(`/v1/orders/${proposed.id}/pause`, aliceToken))).status).toBe('paused');
    expect((await orderOf(await post(`/v1/orders/${proposed.id}/resume`, aliceToken))).status).toBe('active');
    const listed = OrderListResponseSchema.parse(await (await get('/v1/orders', aliceToken)).json()).orders;
    expect(listed.map((o: OrderView) => [o.id, o.status])).toEqual([[proposed.id, 'active']]);

    const cancelled = await orderOf(await post(`/v1/orders/${proposed.id}/cancel`, aliceToken));
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      statusReason: expect.stringMatching(/^Revoked on chain/),
      revoke: { status: 'succeeded' },
      nextCheck: { at: null },
    });
    expect(await allowance(alice.account)).toBe(0n);
    expect((await post(`/v1/orders/${proposed.id}/resume`, aliceToken)).status).toBe(409);

    // A price order is proposed the same way: one swap, waiting for its price (far above today's).
    const price = await orderOf(
      await post('/v1/orders', aliceToken, {
        kind: 'price-swap',
        amount: '50',
        spend: 'USDC',
        buy: 'WETH',
        days: 7,
        when: { direction: 'below', price: '0.0001' },
      }),
    );
    expect(price).toMatchObject({
      kind: 'price-swap',
      status: 'proposed',
      terms: { when: { direction: 'below', price: 0.0001 }, spend: { total: '50' } },
    });
    expect(price.words).toMatch(/once, when USDC's 10-minute average price in its pool goes below 0\.0001 WETH/);
  });
});
