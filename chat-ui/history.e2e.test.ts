import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Page } from 'playwright-core';
import { type Address, erc20Abi, parseEther, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { getPlan } from '../agent-core/plan/store.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { accessToken } from '../app/access.ts';
import { lastReply, send, serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { FAUCET_AMOUNTS } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { newUser } from '../smart-accounts/testing/environment.ts';

/**
 * The conversation history and the first run, in a real headless Chromium against the real server on
 * the shared devnet: a reload brings back the conversation and its pending plan (which still
 * confirms), the history list reopens an older conversation and one an agent started over MCP, and an
 * unfunded user's empty page funds the account with "Get test funds".
 */

// The page's globals, typed just enough for the functions evaluated in it (the project has no DOM lib).
declare const document: { documentElement: { scrollWidth: number } };

const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;

// Pages 1400 wide: the history list beside the conversation and the panel.
const { signedIn } = useChromium({ width: 1400 });

/** The conversation id the page keeps in its address. */
const conversationInUrl = (page: Page) => new URL(page.url()).hash.match(/conversation=([^&]+)/)?.[1];

describe('the conversation history and the first run, on the real server', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  // A user whose account has never held anything: the first run.
  const carol = { ...(await newUser(deps.env)), ownerAddress: '0x' as Address };
  carol.ownerAddress = carol.owner.address;

  const started = (user: typeof alice) => serveChatPage(manifest, deps, [user]);
  const forAlice = await started(alice);
  const forCarol = await started(carol);

  const balanceOf = async (symbol: string, account: Address) =>
    symbol === 'ETH'
      ? deps.env.publicClient.getBalance({ address: account })
      : deps.env.publicClient.readContract({
          address: token(symbol),
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [account],
        });

  it('brings back the conversation and its pending plan after a reload, and Confirm still executes it', async () => {
    const { context, page, errors } = await signedIn(forAlice);
    await send(page, 'wrap 1 ETH');
    const reply = await lastReply(page);
    const planId = (await reply.getByTestId('plan-card').getAttribute('data-plan-id')) as string;
    expect(planId).toMatch(/^plan_/);
    const conversationId = conversationInUrl(page);
    expect(conversationId).toBe(getPlan(deps.db, alice.userId, planId)?.conversationId);

    await page.reload();
    // The same conversation, from the server: the message, the answer, the card with its countdown.
    await expect.poll(() => page.getByTestId('user-message').allTextContents(), WAIT).toEqual(['wrap 1 ETH']);
    const card = page.getByTestId('plan-card');
    expect(await card.getAttribute('data-plan-id')).toBe(planId);
    expect(await card.getByTestId('plan-status').getAttribute('data-status')).toBe('proposed');
    await expect.poll(() => card.getByTestId('plan-expiry').textContent(), WAIT).toMatch(/expires in \d/);
    expect(await page.getByTestId('assistant-text').textContent()).toContain('Here is the plan');
    expect(await page.getByTestId('empty-state').isHidden()).toBe(true);
    expect(conversationInUrl(page)).toBe(conversationId);
    // The list marks it as the open one, awaiting confirmation.
    const item = page.locator(`[data-testid="history-item"][data-conversation-id="${conversationId}"]`);
    await expect.poll(() => item.getAttribute('aria-current'), WAIT).toBe('true');
    expect(await item.getAttribute('data-awaiting')).toBe('true');
    await snap(page, 'history-reload');

    const wethBefore = await balanceOf('WETH', alice.account);
    await card.getByTestId('confirm-button').click();
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(await balanceOf('WETH', alice.account)).toBe(wethBefore + parseEther('1'));
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('confirmed');
    // Nothing awaits any more; a second reload shows the plan confirmed with its execution.
    await expect.poll(() => item.getAttribute('data-awaiting'), WAIT).toBe('false');
    await page.reload();
    await expect.poll(() => page.getByTestId('plan-status').getAttribute('data-status'), WAIT).toBe('confirmed');
    expect(await page.getByTestId('execution-status').getAttribute('data-status')).toBe('succeeded');
    expect(await page.getByTestId('confirm-button').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reopens an older conversation from the list and goes on with it, and one an agent started over MCP', async () => {
    const { context, page, errors } = await signedIn(forAlice);
    await send(page, 'swap 100 USDC');
    expect(await (await lastReply(page)).getAttribute('data-kind')).toBe('clarify');
    const older = conversationInUrl(page) as string;
    await page.getByTestId('new-chat').click();
    expect(conversationInUrl(page)).toBeUndefined();
    expect(await page.getByTestId('empty-state').isVisible()).toBe(true);
    await send(page, 'wrap 0.1 ETH');
    await lastReply(page);
    const newer = conversationInUrl(page) as string;
    expect(newer).not.toBe(older);

    // The list, newest first; the older one reopens with its question, and the answer continues it.
    const items = page.getByTestId('history-item');
    await expect
      .poll(
        async () =>
          (await items.evaluateAll((all) => all.map((e) => e.getAttribute('data-conversation-id')))).slice(0, 2),
        WAIT,
      )
      .toEqual([newer, older]);
    await items.filter({ hasText: 'swap 100 USDC' }).first().click();
    await expect.poll(() => page.getByTestId('user-message').allTextContents(), WAIT).toEqual(['swap 100 USDC']);
    expect(await page.getByTestId('assistant-message').last().getAttribute('data-kind')).toBe('clarify');
    expect(conversationInUrl(page)).toBe(older);
    await send(page, 'DAI');
    const answer = await lastReply(page);
    const daiPlan = (await answer.getByTestId('plan-card').getAttribute('data-plan-id')) as string;
    expect(getPlan(deps.db, alice.userId, daiPlan)?.conversationId).toBe(older);
    expect(await page.getByTestId('user-message').allTextContents()).toEqual(['swap 100 USDC', 'DAI']);

    // An agent builds a plan over MCP with the user's MCP token; the page lists it when it is looked at again.
    const client = new Client({ name: 'sextant-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${forAlice.server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${accessToken(forAlice.dataDir, alice.userId, 'mcp')}` } },
      }),
    );
    const result = (await client.callTool({
      name: 'build_plan',
      arguments: { message: 'wrap 0.2 ETH' },
    })) as CallToolResult;
    await client.close();
    const built = JSON.parse(result.content.find((part) => part.type === 'text')?.text ?? 'null') as {
      kind: string;
      text: string;
      conversationId: string;
      plan: { id: string } | null;
    };
    expect(built.kind, built.text).toBe('plan');
    await page.reload();
    const agents = page.locator(`[data-testid="history-item"][data-conversation-id="${built.conversationId}"]`);
    await expect.poll(() => agents.getAttribute('data-awaiting'), WAIT).toBe('true');
    await agents.click();
    const card = page.getByTestId('plan-card');
    await expect.poll(() => card.getAttribute('data-plan-id'), WAIT).toBe(built.plan?.id);
    const wethBefore = await balanceOf('WETH', alice.account);
    await card.getByTestId('confirm-button').click();
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(getPlan(deps.db, alice.userId, built.plan?.id as string)?.status).toBe('confirmed');
    expect(await balanceOf('WETH', alice.account)).toBe(wethBefore + parseEther('0.2'));

    // Narrower screens: the list moves above the panel, then between the conversation and the panel.
    for (const [width, name] of [
      [1000, 'history-narrow'],
      [390, 'history-phone'],
    ] as const) {
      await page.setViewportSize({ width, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect(await page.getByTestId('history').isVisible()).toBe(true);
      await snap(page, name);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('offers test funds on an unfunded user’s empty page, and "Get test funds" funds the account', async () => {
    for (const symbol of ['ETH', 'USDC', 'WETH']) expect(await balanceOf(symbol, carol.account)).toBe(0n);
    const { context, page, errors } = await signedIn(forCarol);
    const offer = page.getByTestId('first-run');
    await offer.waitFor();
    await expect.poll(() => page.locator('#first-run-lead').textContent(), WAIT).toMatch(/empty/);
    const amountOf = (symbol: string) =>
      page.locator(`[data-testid="balance-row"][data-symbol="${symbol}"] [data-testid="balance-amount"]`).textContent();
    expect(Number((await amountOf('USDC'))?.replaceAll(',', ''))).toBe(0);

    await page.getByTestId('get-test-funds').click();
    await expect.poll(() => page.getByTestId('first-run-status').getAttribute('data-tone'), WAIT).toBe('good');
    // On chain: what the faucet gives.
    expect(await balanceOf('ETH', carol.account)).toBe(parseEther(FAUCET_AMOUNTS.ETH as string));
    expect(await balanceOf('USDC', carol.account)).toBe(parseUnits(FAUCET_AMOUNTS.USDC as string, 6));
    expect(await balanceOf('WETH', carol.account)).toBe(parseEther(FAUCET_AMOUNTS.WETH as string));
    // And in the panel, refreshed without a reload.
    await expect
      .poll(async () => Number((await amountOf('USDC'))?.replaceAll(',', '')), WAIT)
      .toBe(Number(FAUCET_AMOUNTS.USDC));
    expect(Number((await amountOf('ETH'))?.replaceAll(',', ''))).toBe(Number(FAUCET_AMOUNTS.ETH));
    await snap(page, 'first-run-funds');
    expect(errors).toEqual([]);
    await context.close();
  });
});
