import { type Address, erc20Abi, parseEther, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { unlockAgentKey } from '../agent-core/orders/agent-key.ts';
import { OrderRequestSchema, proposeOrder } from '../agent-core/orders/routes.ts';
import { runOrders } from '../agent-core/orders/runner.ts';
import { delegatorUser } from '../agent-core/orders/testing/delegator-user.ts';
import { OrderResponseSchema } from '../agent-core/orders/view.ts';
import { testAgent } from '../agent-core/testing/agent.ts';
import { lastReply, send, serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { rewardsSource } from '../emissions/claims.ts';
import { migrateEmissions } from '../emissions/ledger/migrations.ts';
import { testDistributionTarget } from '../emissions/testing/distribution.ts';
import { rewardEpochFor } from '../emissions/testing/rewarded-account.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';

/**
 * The Orders card in a real headless Chromium against the real server on the shared devnet: a daily
 * swap proposed and granted through the API, run once by the agent key, shows with its words, limits,
 * next check and the run's transaction; it pauses and resumes from the page, and cancelling from the
 * page (after saying yes) revokes the grant on chain. A proposal granted with the page's own button
 * sets the router's allowance on chain. A claim order (in a reward token of the test's own) granted
 * with the page's button sends the agent key its gas, shows the epoch it claimed, and is cancelled
 * from the page with nothing sent.
 */

const manifest = testDevnet();
const { signedIn } = useChromium({ height: 1400 });
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const router = manifest.contracts.uniswapV3.swapRouter02;

describe('the Orders card', async () => {
  const { target } = await testDistributionTarget(manifest);
  const deps = await testAgent(manifest, {
    rewards: (env) => rewardsSource(env.db, env.publicClient, env.chain.chainId, target.rewardToken),
  });
  migrateEmissions(deps.db);
  const client = deps.env.publicClient;
  const alice = await delegatorUser(deps.env, manifest);
  const chat = await serveChatPage(manifest, deps, [alice], {
    agent: {
      agent: deps,
      userAccount: async () => ({ owner: alice.ownerAddress, account: alice.account }),
      unlock: async () => alice.owner,
      passphrase: TEST_PASSPHRASE,
    },
  });
  const allowance = () =>
    client.readContract({
      address: usdc.address,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [alice.account, router],
    });
  const propose = async (amount: string) => {
    const response = await chat.api('/v1/orders', {
      method: 'POST',
      body: JSON.stringify({ kind: 'daily-swap', amount, spend: 'USDC', buy: 'ETH', days: 3 }),
    });
    expect(response.status).toBe(201);
    return OrderResponseSchema.parse(await response.json()).order;
  };

  it('shows a granted order with its run, pauses and resumes it, and cancelling from the page revokes it on chain', async () => {
    const proposed = await propose('50');
    expect((await chat.api(`/v1/orders/${proposed.id}/confirm`, { method: 'POST' })).status).toBe(200);
    expect(await allowance()).toBe(parseUnits('150', 6));
    const report = await runOrders({
      ...deps.env,
      agentKey: (userId) => unlockAgentKey(deps.db, userId, TEST_PASSPHRASE),
    });
    expect(report.find((r) => r.orderId === proposed.id)?.outcome).toBe('day 1 succeeded');
    const shown = OrderResponseSchema.parse(await (await chat.api(`/v1/orders/${proposed.id}`)).json()).order;
    const runTx = shown.runs[0]?.txHash as string;

    const { context, page, errors } = await signedIn(chat);
    const card = page.locator(`[data-testid="order"][data-order-id="${proposed.id}"]`);
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('active');
    expect(await card.getByTestId('order-status').textContent()).toBe('Active');
    expect(await card.getByTestId('order-words').textContent()).toBe(proposed.words);
    expect(await card.textContent()).toContain('50 USDC → WETH, daily for 3 days');
    expect(await card.textContent()).toContain('150 USDC on Uniswap V3');
    expect(await card.getByTestId('order-next').textContent()).toMatch(/^\d+ \w+ \d{4}, \d\d:\d\d UTC: day 2$/);
    expect(await card.getByTestId('order-grant-tx').getAttribute('data-status')).toBe('succeeded');
    expect(await card.getByTestId('order-run').getAttribute('data-status')).toBe('succeeded');
    expect(await card.getByTestId('order-run-tx').getAttribute('title')).toBe(runTx);
    await snap(page, 'orders-active', page.locator('#orders-card'));

    await card.getByTestId('order-pause').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('paused');
    await card.getByTestId('order-resume').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('active');

    // Cancel asks first; keeping it changes nothing.
    await card.getByTestId('order-cancel').click();
    expect(await card.getByTestId('order-cancel-confirm').textContent()).toContain('takes back the router');
    await card.getByTestId('order-cancel-no').click();
    await expect.poll(() => card.getByTestId('order-cancel-confirm').count(), WAIT).toBe(0);
    expect(await allowance()).toBe(parseUnits('100', 6));

    await card.getByTestId('order-cancel').click();
    await card.getByTestId('order-cancel-yes').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('cancelled');
    expect(await card.getByTestId('order-reason').textContent()).toMatch(/^Revoked on chain/);
    expect(await card.getByTestId('order-revoke-tx').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => card.getByTestId('order-cancel').count(), WAIT).toBe(0);
    expect(await allowance()).toBe(0n);
    await snap(page, 'orders-cancelled', page.locator('#orders-card'));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('grants a proposal with the page’s button: the allowance lands on chain', async () => {
    const proposed = await propose('20');
    const { context, page, errors } = await signedIn(chat);
    const card = page.locator(`[data-testid="order"][data-order-id="${proposed.id}"]`);
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('proposed');
    expect(await card.getByTestId('order-next').textContent()).toMatch(/until you confirm it/);
    expect(await allowance()).toBe(0n);
    await card.getByTestId('order-grant').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('active');
    expect(await card.getByTestId('order-grant-tx').getAttribute('data-status')).toBe('succeeded');
    expect(await allowance()).toBe(parseUnits('60', 6));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('grants a claim order with the page’s button, shows the epoch it claimed, and cancels it with nothing sent', async () => {
    const created = await chat.api('/v1/orders', {
      method: 'POST',
      body: JSON.stringify({ kind: 'claim-rewards', days: 2 }),
    });
    expect(created.status).toBe(201);
    const proposed = OrderResponseSchema.parse(await created.json()).order;
    const rewardBalance = () =>
      client.readContract({
        address: target.rewardToken,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [alice.account],
      });
    const { context, page, errors } = await signedIn(chat);
    const card = page.locator(`[data-testid="order"][data-order-id="${proposed.id}"]`);
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('proposed');
    expect(await card.textContent()).toContain('Claim SXR rewards as each epoch is distributed, for 2 days');
    expect(await card.textContent()).toContain('SXR rewards of your address; spends nothing of yours');
    expect(await card.getByTestId('order-words').textContent()).toMatch(/It needs no permission over your funds/);
    // Alice's agent key already ran her daily swaps: the grant adds exactly this order's gas to it.
    const agentEth = await client.getBalance({ address: proposed.agent as Address });
    await card.getByTestId('order-grant').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('active');
    expect(await card.getByTestId('order-grant-tx').getAttribute('data-status')).toBe('succeeded');
    expect(await client.getBalance({ address: proposed.agent as Address })).toBe(
      agentEth + parseEther(proposed.agentGas),
    );

    const epoch = await rewardEpochFor(deps.db, target, alice.account);
    const before = await rewardBalance();
    const report = await runOrders({
      ...deps.env,
      rewards: deps.rewards,
      agentKey: (userId) => unlockAgentKey(deps.db, userId, TEST_PASSPHRASE),
    });
    expect(report.find((r) => r.orderId === proposed.id)?.outcome).toBe(`epoch ${epoch.epoch}'s claim succeeded`);
    expect(await rewardBalance()).toBe(before + epoch.amount);
    const shown = OrderResponseSchema.parse(await (await chat.api(`/v1/orders/${proposed.id}`)).json()).order;
    await page.locator('#refresh-orders').click();
    await expect.poll(() => card.getByTestId('order-run').count(), WAIT).toBe(1);
    expect(await card.getByTestId('order-run').textContent()).toContain(`Epoch ${epoch.epoch}: succeeded`);
    expect(await card.getByTestId('order-run-tx').getAttribute('title')).toBe(shown.runs[0]?.txHash);

    const ethBefore = await client.getBalance({ address: alice.account });
    await card.getByTestId('order-cancel').click();
    expect(await card.getByTestId('order-cancel-confirm').textContent()).toContain(
      'It holds no permission over your address, so nothing is sent',
    );
    expect(await card.getByTestId('order-cancel-yes').textContent()).toBe('Cancel');
    await card.getByTestId('order-cancel-yes').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('cancelled');
    expect(await card.getByTestId('order-reason').textContent()).toMatch(/nothing was revoked on chain/);
    expect(await card.getByTestId('order-revoke-tx').count()).toBe(0);
    expect(await client.getBalance({ address: alice.account })).toBe(ethBefore);
    await snap(page, 'orders-claim-cancelled', page.locator('#orders-card'));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the order the chat proposed, without a reload, and grants it with the page’s button', async () => {
    // As app/runtime.ts wires it on a server with the passphrase.
    const userAccount = async () => ({ owner: alice.ownerAddress, account: alice.account });
    deps.proposeStandingOrder = (userId, request) =>
      proposeOrder(
        { agent: deps, userAccount, passphrase: TEST_PASSPHRASE },
        userId,
        OrderRequestSchema.parse(request),
      );
    const weth = manifest.contracts.weth as Address;
    const wethAllowance = () =>
      client.readContract({ address: weth, abi: erc20Abi, functionName: 'allowance', args: [alice.account, router] });
    const { context, page, errors } = await signedIn(chat);
    await send(page, 'swap 0.01 WETH into USDC every day for 2 days');
    const reply = await lastReply(page);
    const text = (await reply.getByTestId('assistant-text').textContent()) ?? '';
    const id = /I proposed it as order (ord_[0-9a-f]+)/.exec(text)?.[1];
    expect(id, text).toBeDefined();
    const card = page.locator(`[data-testid="order"][data-order-id="${id}"]`);
    // Well within the card's own 30 s refresh: the chat's answer reloads it.
    await card.waitFor({ timeout: 5_000 });
    expect(await card.getAttribute('data-status')).toBe('proposed');
    expect(await card.textContent()).toContain('0.01 WETH → USDC, daily for 2 days');
    expect(await wethAllowance()).toBe(0n);
    await card.getByTestId('order-grant').click();
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('active');
    expect(await wethAllowance()).toBe(parseEther('0.02'));
    expect(errors).toEqual([]);
    await context.close();
  });
});
