import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { confirmPlan, handleMessage } from '../agent-core/agent.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { listen } from '../app/server.ts';
import { testAgentApp } from '../app/testing/agent-app.ts';
import { findFreePort } from '../common/ports.ts';
import { chatUiRoutes } from './routes.ts';

/**
 * The preview card tells the truth about positions and amounts, in a real headless Chromium against
 * the real server on the shared devnet: a borrow shows the debt as owed (red, with its USD), an
 * allowance spent in the plan shows 0 left, and long amounts are rounded with the exact figure on hover.
 */

declare function getComputedStyle(element: unknown): { color: string };

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts', 'screenshots');
const manifest = inject('devnet');
const WAIT = { timeout: 30_000, interval: 100 };
const MINUS = '\u2212';

async function snap(page: Page, name: string, element?: Locator) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await (element ? element.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM}.`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});

describe('the preview card on the real server', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const { app, token } = testAgentApp(manifest, deps, [alice], { page: chatUiRoutes() });
  const server = await listen(app, '127.0.0.1', await findFreePort());
  afterAll(() => server.close());

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

  async function signedIn() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/?token=${token}`);
    await expect.poll(() => page.url(), WAIT).toBe(`${server.url}/`);
    return { context, page, errors };
  }

  async function ask(page: Page, message: string) {
    await page.getByTestId('message-input').fill(message);
    await page.getByTestId('message-input').press('Enter');
    const reply = page.getByTestId('assistant-message').last();
    await expect.poll(() => reply.getAttribute('aria-busy'), WAIT).toBe('false');
    return reply.getByTestId('plan-card');
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
