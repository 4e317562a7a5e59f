import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { lastReply, send, serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';

/**
 * The side panel's account in a real headless Chromium against the real server on the shared devnet:
 * after "swap half my ETH to USDC and supply it to Aave" (confirmed in the page) it shows the Aave
 * position, the gas deposit the EntryPoint keeps for the account, and a total value within 0.5% of
 * the total before; and it reads the account again when
 * the page gets the focus, so an action taken elsewhere (a plan confirmed through the API) shows up.
 */

// The page's globals, typed just enough for the functions evaluated in it (the project has no DOM lib).
declare const window: { dispatchEvent(event: unknown): boolean };
declare const Event: new (type: string) => unknown;
declare function getComputedStyle(element: unknown): { whiteSpace: string };

const manifest = testDevnet();

// Pages 1000 tall: the whole account card in view.
const { signedIn: signedInTo } = useChromium({ height: 1000 });

/** "$104,654.22" → 104654.22; NaN for anything else. */
const dollars = (text: string | null) =>
  Number(/^\$([\d,]+\.\d\d)$/.exec((text ?? '').trim())?.[1]?.replaceAll(',', ''));

describe('the account panel on the real server', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const served = await serveChatPage(manifest, deps, [alice]);
  const { api } = served;
  // The swap moves about $15,000: above the default limit of $10,000 a plan.
  expect(
    (await api('/v1/policy', { method: 'PUT', body: JSON.stringify({ maxPlanUsd: 100_000, maxDailyUsd: 200_000 }) }))
      .status,
  ).toBe(200);

  const signedIn = () => signedInTo(served);
  const total = async (page: Page) => dollars(await page.getByTestId('account-total').textContent());
  const position = (page: Page, kind: string, symbol: string) =>
    page.locator(`[data-testid="position-row"][data-kind="${kind}"][data-symbol="${symbol}"]`);

  it('after "swap half my ETH to USDC and supply it to Aave", confirmed in the page: the Aave position, and the total within 0.5%', async () => {
    const { context, page, errors } = await signedIn();
    const before = await total(page);
    // 15 ETH (10 + 5 WETH) at about $3,000, 30,000 in stablecoins, 0.5 WBTC at about $60,000.
    expect(before).toBeGreaterThan(100_000);
    expect(before).toBeLessThan(110_000);
    expect(await page.getByTestId('position-row').count()).toBe(0);
    // The reward token is listed in the wallet (none earned yet).
    const reward = page.locator('[data-testid="balance-row"][data-reward="true"]');
    expect(await reward.getAttribute('data-symbol')).toBe('SXR');
    expect(await reward.textContent()).toContain('reward token');

    await send(page, 'swap half my ETH to USDC and supply it to Aave');
    const reply = await lastReply(page);
    const card = reply.getByTestId('plan-card');
    await card.getByTestId('confirm-button').click();
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');

    // The panel reloads when the execution settles: USDC supplied on Aave, valued by its oracle.
    const supplied = position(page, 'supplied', 'USDC');
    await supplied.waitFor({ timeout: WAIT.timeout });
    const suppliedUsd = dollars(await supplied.getByTestId('balance-usd').textContent());
    expect(suppliedUsd).toBeGreaterThan(14_000);
    expect(suppliedUsd).toBeLessThan(15_100);
    expect(await supplied.textContent()).toMatch(/supplied · \S+ · collateral/);
    // What the operation did not use of its prefunded gas, held for the account by the EntryPoint.
    const gasDeposit = position(page, 'gas-deposit', 'ETH');
    expect(await gasDeposit.textContent()).toContain('held by the EntryPoint v0.8 for gas');
    expect(dollars(await gasDeposit.getByTestId('balance-usd').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('health-factor').textContent()).toBe('no debt');
    expect(await page.getByTestId('aave-available').textContent()).toMatch(/^Can borrow \$[\d,]+\.\d\d more$/);
    const after = await total(page);
    console.log(
      `panel: "swap half my ETH to USDC and supply it to Aave": total value $${before.toFixed(2)} before, $${after.toFixed(2)} after (${(((after - before) / before) * 100).toFixed(2)}%)`,
    );
    expect(Math.abs(after - before) / before, `${before} → ${after}`).toBeLessThan(0.005);
    expect(await page.getByTestId('account-breakdown').textContent()).toMatch(
      /^wallet \$[\d,]+\.\d\d \+ positions \$[\d,]+\.\d\d$/,
    );
    await snap(page, 'account-positions', page.locator('#account-card'));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('answers "what\'s my balance?" with the account as a table that keeps its columns', async () => {
    const { context, page, errors } = await signedIn();
    await send(page, "what's my balance?");
    const reply = await lastReply(page);
    const text = reply.getByTestId('assistant-text');
    expect(await text.textContent()).toMatch(/^\| Asset +\| +Amount \| +USD \|$/m);
    expect(await text.textContent()).toMatch(/^Total value \$[\d,]+\.\d\d = wallet/m);
    // Laid out in a monospace font without wrapping, so the columns line up in the page too.
    expect(await text.evaluate((node) => getComputedStyle(node).whiteSpace)).toBe('pre');
    await snap(page, 'balance-table', reply);
    expect(errors).toEqual([]);
    await context.close();
  });

  // Borrows against the supply of the test before.
  it('reads the account again on focus: a borrow confirmed through the API while the page is open shows up', async () => {
    const { context, page, errors } = await signedIn();
    // The page read the account before signedIn returned (it waits for the balances).
    const loadedAt = Date.now();
    const before = await total(page);
    expect(await position(page, 'borrowed', 'DAI').count()).toBe(0);

    // Elsewhere (a script, the CLI, another tab): plan and confirm a borrow through the API.
    const stream = await (
      await api('/v1/chat', { method: 'POST', body: JSON.stringify({ message: 'borrow 500 DAI' }) })
    ).text();
    const planId = /"plan":\{"id":"([^"]+)"/.exec(stream)?.[1];
    expect(planId, stream.slice(0, 2000)).toBeDefined();
    const confirmed = (await (await api(`/v1/plans/${planId}/confirm`, { method: 'POST', body: '{}' })).json()) as {
      execution: { status: string };
    };
    expect(confirmed.execution.status).toBe('succeeded');
    // Nothing on the page knows of it yet.
    expect(await position(page, 'borrowed', 'DAI').count()).toBe(0);

    // The person comes back to the page, more than the page's 1 s since its last read (panel.js reads
    // again on focus only then): the borrow above usually took longer already.
    await page.waitForTimeout(Math.max(0, loadedAt + 1100 - Date.now()));
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    const borrowed = position(page, 'borrowed', 'DAI');
    await borrowed.waitFor({ timeout: 10_000 });
    expect(await borrowed.getByTestId('balance-amount').textContent()).toMatch(/^500(\.\d+)?$/);
    expect(await borrowed.getByTestId('balance-usd').textContent()).toMatch(/^\u2212\$50\d\.\d\d$/);
    expect(await page.getByTestId('health-factor').textContent()).toMatch(/^health \d+\.\d\d$/);
    expect(await page.getByTestId('account-breakdown').textContent()).toMatch(/ \u2212 debt \$50\d\.\d\d$/);
    // 500 DAI came in and 500 DAI is owed: the total holds.
    const after = await total(page);
    expect(Math.abs(after - before) / before, `${before} → ${after}`).toBeLessThan(0.001);
    await snap(page, 'account-after-borrow-elsewhere', page.locator('#account-card'));
    expect(errors).toEqual([]);
    await context.close();
  });
});
