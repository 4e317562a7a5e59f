import { type Address, erc20Abi, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { unlockAgentKey } from '../agent-core/orders/agent-key.ts';
import { runOrders } from '../agent-core/orders/runner.ts';
import { delegatorUser } from '../agent-core/orders/testing/delegator-user.ts';
import { OrderResponseSchema } from '../agent-core/orders/view.ts';
import { testAgent } from '../agent-core/testing/agent.ts';
import { serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';

/**
 * The Orders card in a real headless Chromium against the real server on the shared devnet: a daily
 * swap proposed and granted through the API, run once by the agent key, shows with its words, limits,
 * next check and the run's transaction; it pauses and resumes from the page, and cancelling from the
 * page (after saying yes) revokes the grant on chain. A proposal granted with the page's own button
 * sets the router's allowance on chain.
 */

const manifest = testDevnet();
const { signedIn } = useChromium({ height: 1400 });
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const router = manifest.contracts.uniswapV3.swapRouter02;

describe('the Orders card', async () => {
  const deps = await testAgent(manifest);
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
});
