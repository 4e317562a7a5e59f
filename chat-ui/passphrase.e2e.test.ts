import { type Address, erc20Abi } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { getPlan } from '../agent-core/plan/store.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { lastReply, send, serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { unlockedKeys } from '../smart-accounts/unlocked-keys.ts';

/**
 * The passphrase dialog in a real headless Chromium, against the real server on the shared devnet
 * started without SEXTANT_PASSPHRASE: Confirm asks for the passphrase in the page, a wrong one is
 * shown in the dialog, the right one unlocks the owner key and the plan executes.
 */

declare const document: { activeElement: { getAttribute(name: string): string | null } | null };

const manifest = testDevnet();

const { signedIn } = useChromium();

describe('the passphrase dialog, on a server without SEXTANT_PASSPHRASE', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  // What app/runtime.ts builds when SEXTANT_PASSPHRASE is unset: the server signs only with unlocked keys.
  const keys = unlockedKeys(deps.db, { idleMs: 60_000 });
  const served = await serveChatPage(manifest, deps, [alice], {
    keys,
    agent: {
      agent: deps,
      userAccount: async () => ({ owner: alice.owner.address, account: alice.account }),
      unlock: (userId) => keys.forSigning(userId),
    },
  });
  afterAll(() => keys.close());
  const weth = manifest.tokens.find((t) => t.symbol === 'WETH')?.address as Address;
  const wethOf = (account: Address) =>
    deps.env.publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [account] });

  it('Confirm → the dialog → a wrong passphrase is shown → the right one → the plan executes', async () => {
    const { context, page, errors } = await signedIn(served);

    await send(page, 'wrap 1 ETH');
    const reply = await lastReply(page);
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
    await send(page, 'wrap 1 ETH');
    const next = await lastReply(page);
    await next.getByTestId('confirm-button').click();
    await expect.poll(() => next.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(await dialog.count()).toBe(0);
    expect((await wethOf(alice.account)) - before).toBe(2n * 10n ** 18n);
    expect(errors).toEqual([]);
    await context.close();
  });
});
