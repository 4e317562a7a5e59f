import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { type Address, erc20Abi } from 'viem';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getPlan } from '../agent-core/plan/store.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { listen } from '../app/server.ts';
import { testAgentApp } from '../app/testing/agent-app.ts';
import { findFreePort } from '../common/ports.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { unlockedKeys } from '../smart-accounts/unlocked-keys.ts';
import { chatUiRoutes } from './routes.ts';

/**
 * The passphrase dialog in a real headless Chromium, against the real server on the shared devnet
 * started without SEXTANT_PASSPHRASE: Confirm asks for the passphrase in the page, a wrong one is
 * shown in the dialog, the right one unlocks the owner key and the plan executes.
 */

declare const document: { activeElement: { getAttribute(name: string): string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the key states, kept as test artifacts (test-artifacts/ is not committed). */
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts', 'screenshots');

/** The whole page, or only `element` when given. */
async function snap(page: Page, name: string, element?: Locator) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await (element ? element.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}
const manifest = inject('devnet');
/** How long a poll waits: the machine may be shared and slow, and an execution lands in seconds. */
const WAIT = { timeout: 30_000, interval: 100 };

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium).`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

describe('the passphrase dialog, on a server without SEXTANT_PASSPHRASE', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  // What app/runtime.ts builds when SEXTANT_PASSPHRASE is unset: the server signs only with unlocked keys.
  const keys = unlockedKeys(deps.db, { idleMs: 60_000 });
  const { app, token } = testAgentApp(manifest, deps, [alice], {
    keys,
    agent: {
      agent: deps,
      userAccount: async () => ({ owner: alice.owner.address, account: alice.account }),
      unlock: (userId) => keys.forSigning(userId),
    },
    page: chatUiRoutes(),
  });
  const server = await listen(app, '127.0.0.1', await findFreePort());
  afterAll(async () => {
    keys.close();
    await server.close();
  });
  const weth = manifest.tokens.find((t) => t.symbol === 'WETH')?.address as Address;
  const wethOf = (account: Address) =>
    deps.env.publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [account] });

  it('Confirm → the dialog → a wrong passphrase is shown → the right one → the plan executes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/?token=${token}`);
    await expect.poll(() => page.url(), WAIT).toBe(`${server.url}/`);
    await page.getByTestId('balance-row').first().waitFor();

    await page.getByTestId('message-input').fill('wrap 1 ETH');
    await page.getByTestId('message-input').press('Enter');
    const reply = page.getByTestId('assistant-message').last();
    await expect.poll(() => reply.getAttribute('aria-busy'), WAIT).toBe('false');
    const card = reply.getByTestId('plan-card');
    const planId = (await card.getAttribute('data-plan-id')) as string;
    const before = await wethOf(alice.account);

    // Closing the dialog confirms nothing: the card says why, and Confirm is there again.
    await card.getByTestId('confirm-button').click();
    const dialog = page.getByTestId('passphrase-dialog');
    await dialog.waitFor({ state: 'visible', timeout: WAIT.timeout });
    await page.getByTestId('passphrase-cancel').click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT.timeout });
    expect(await card.getByTestId('error-message').textContent()).toContain('Not confirmed');
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');

    await card.getByTestId('confirm-button').click();
    await dialog.waitFor({ state: 'visible', timeout: WAIT.timeout });
    // The passphrase field has the focus and a label; it is a password field.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('passphrase-input');
    expect(await page.locator('label[for="passphrase-input"]').count()).toBe(1);
    expect(await page.getByTestId('passphrase-input').getAttribute('type')).toBe('password');

    await page.getByTestId('passphrase-input').fill('not my passphrase');
    await page.getByTestId('passphrase-submit').click();
    const problem = page.getByTestId('passphrase-error');
    await expect.poll(() => problem.textContent(), WAIT).toContain('Wrong passphrase');
    expect(await dialog.isVisible()).toBe(true);
    expect(keys.isUnlocked(alice.userId)).toBe(false);
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');
    await snap(page, 'passphrase-dialog');

    await page.getByTestId('passphrase-input').fill(TEST_PASSPHRASE);
    await page.getByTestId('passphrase-submit').click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT.timeout });
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    await snap(page, 'passphrase-unlocked-executed');
    // On chain: exactly 1 WETH more; the plan is confirmed, once.
    expect((await wethOf(alice.account)) - before).toBe(10n ** 18n);
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('confirmed');
    expect(keys.isUnlocked(alice.userId)).toBe(true);

    // While the key is open, the next confirmation does not ask again.
    await page.getByTestId('message-input').fill('wrap 1 ETH');
    await page.getByTestId('message-input').press('Enter');
    const next = page.getByTestId('assistant-message').last();
    await expect.poll(() => next.getAttribute('aria-busy'), WAIT).toBe('false');
    await next.getByTestId('confirm-button').click();
    await expect.poll(() => next.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(await dialog.count()).toBe(0);
    expect((await wethOf(alice.account)) - before).toBe(2n * 10n ** 18n);
    expect(errors).toEqual([]);
    await context.close();
  });
});
