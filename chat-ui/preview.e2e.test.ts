import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { confirmPlan, handleMessage } from '../agent-core/agent.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { lastReply, send, serveChatPage, snap, useChromium } from '../app/testing/browser.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';

/**
 * The preview card tells the truth about positions and amounts, in a real headless Chromium against
 * the real server on the shared devnet: a borrow shows the debt as owed (red, with its USD), an
 * allowance spent in the plan shows 0 left, and long amounts are rounded with the exact figure on hover.
 */

declare function getComputedStyle(element: unknown): { color: string };

const manifest = testDevnet();
const MINUS = '\u2212';

const { signedIn: signedInTo } = useChromium();

describe('the preview card on the real server', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const served = await serveChatPage(manifest, deps, [alice]);

  // Collateral first, through the agent itself, so the borrow below has something to borrow against.
  const supplied = await handleMessage(deps, {
    userId: alice.userId,
    owner: alice.ownerAddress,
    account: alice.account,
    text: 'supply 2 WETH to aave',
  });
  const record = await confirmPlan(deps, {
    userId: alice.userId,
    planId: supplied.plan?.id as string,
    owner: alice.owner,
  });
  if (record.status !== 'succeeded') throw new Error(`the collateral did not land: ${record.error}`);

  const signedIn = () => signedInTo(served);

  /** Sends `message` and returns the plan card of the reply. */
  async function ask(page: Page, message: string) {
    await send(page, message);
    return (await lastReply(page)).getByTestId('plan-card');
  }

  it('"borrow 500 USDC": the debt is owed, in red, with its USD, and counted as value out', async () => {
    const { context, page, errors } = await signedIn();
    const card = await ask(page, 'borrow 500 USDC');
    const debt = card.locator('[data-testid="balance-change"][data-kind="debt"]');
    expect(await debt.getByTestId('position-change').textContent()).toBe('You will owe 500 USDC on Aave V3');
    expect(await debt.getAttribute('data-direction')).toBe('out');
    expect(await debt.textContent()).toContain(`${MINUS}$500.00`);
    const red = await debt.locator('.amount').evaluate((cell) => getComputedStyle(cell).color);
    expect(red).toBe('rgb(180, 35, 24)');
    // The USDC that arrives is the only gain; nothing called variableDebt… is shown as one.
    const gains = await card.locator('[data-testid="balance-change"][data-direction="in"]').allTextContents();
    expect(gains).toHaveLength(1);
    expect(gains[0]).toContain('+500');
    expect(await card.getByTestId('value-out').textContent()).toBe('$500.00');
    await snap(page, 'preview-borrow', card);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('"supply 0.1 WETH to aave": 0 left of the allowance; long amounts are rounded, exact on hover', async () => {
    const { context, page, errors } = await signedIn();
    const supply = await ask(page, 'supply 0.1 WETH to aave');
    expect(await supply.getByTestId('approval-remaining').textContent()).toBe(' · 0 left after the plan');
    const position = supply.locator('[data-testid="balance-change"][data-kind="supplied"]');
    expect(await position.getByTestId('position-change').textContent()).toBe('Your Aave V3 supply grows by 0.1 WETH');
    expect(await position.getAttribute('data-direction')).toBe('in');
    await snap(page, 'preview-supply', supply);

    const swap = await ask(page, 'swap 1.23456789 WETH for USDC');
    const summary = swap.getByTestId('step-summary');
    const exact = (await summary.getAttribute('title')) ?? '';
    expect(exact).toMatch(/^Swap 1\.23456789 WETH for at least [\d.]+ USDC/);
    expect(await summary.textContent()).toMatch(/^Swap 1\.23457 WETH for at least [\d.]+ USDC/);
    const usdc = swap.locator('[data-testid="balance-change"][data-symbol="USDC"] .amount span[title]');
    const shown = (await usdc.textContent()) ?? '';
    const full = (await usdc.getAttribute('title')) ?? '';
    // About six significant digits shown, the exact amount in the title.
    expect(shown.replace(/[^\d]/g, '').length).toBeLessThanOrEqual(6);
    expect(Number(full.split(' ')[0])).toBeCloseTo(Number(shown.replace(/[+,]/g, '')), 0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
