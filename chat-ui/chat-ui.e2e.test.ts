import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { type Address, erc20Abi, getAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { getPlan } from '../agent-core/plan/store.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { listen } from '../app/server.ts';
import { lastReply, type PageOptions, send, serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { findFreePort } from '../common/ports.ts';
import { deployLookalikeToken } from '../devnet/testing/fake-token.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { FAKE_DISTRIBUTOR, FAKE_TX_HASH, type FakeApiOptions, fakeApi } from './testing/fake-api.ts';

/**
 * The chat page in a real headless Chromium (Debian's, driven by playwright-core): first against the
 * real server on the shared devnet (a funded user, the embedded parser, the built-in skills), then
 * against the fake API (testing/fake-api.ts) for the states the devnet does not reach on demand.
 */

// The page's globals, typed just enough for the functions evaluated in it (the project has no DOM lib).
declare const document: {
  documentElement: { scrollWidth: number };
  body: { dataset: Record<string, string | undefined> };
  activeElement: unknown;
};
declare const navigator: { clipboard: { readText(): Promise<string> } };
declare function getComputedStyle(element: unknown): { color: string; outlineStyle: string; outlineWidth: string };

const manifest = testDevnet();
const HEX_64 = /^0x[0-9a-fA-F]{64}$/;

// Every page may read and write the clipboard (the copy buttons).
const { openPage, signedIn: signedInTo } = useChromium({ permissions: ['clipboard-read', 'clipboard-write'] });

const close = (context: BrowserContext) => context.close();

describe('the chat page on the real server', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const served = await serveChatPage(manifest, deps, [alice], {
    llm: async () => ({
      provider: 'embedded',
      model: 'embedded',
      reachable: false,
      host: 'http://127.0.0.1:1',
      detail:
        'Ollama is not reachable at http://127.0.0.1:1 (fetch failed); the embedded parser serves. Install Ollama and run `ollama pull qwen2.5:7b-instruct` to use the model.',
    }),
    skills: {
      db: deps.db,
      packagesDir: join(mkdtempSync(join(tmpdir(), 'sextant-chat-ui-')), 'skill-packages'),
      trustedAuditors: undefined,
    },
  });
  const { server, token, api } = served;
  const setPolicy = async (policy: Record<string, unknown>) => {
    const response = await api('/v1/policy', { method: 'PUT', body: JSON.stringify(policy) });
    expect(response.status).toBe(200);
  };

  /** The page, signed in through the URL `sextant start` prints. */
  const signedIn = (options: PageOptions = {}) => signedInTo(served, options);
  it('opens signed in: suggested prompts, the account, balances, policy, model and skills', async () => {
    const { context, page, errors } = await signedIn();
    expect(await page.getByTestId('locked').isHidden()).toBe(true);
    expect(await page.getByTestId('suggested-prompt').allTextContents()).toEqual([
      'swap 100 USDC for ETH',
      'supply 500 DAI to Aave',
      'wrap 1 ETH',
      'swap half my ETH to USDC and supply it to Aave',
    ]);
    const address = page.getByTestId('account-address');
    expect(await address.getAttribute('title')).toBe(alice.account);
    expect(await address.textContent()).toBe(`${alice.account.slice(0, 6)}…${alice.account.slice(-4)}`);
    await page.getByTestId('copy-account-address').click();
    await expect.poll(() => page.locator('.account-address .copy-feedback').textContent(), WAIT).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(alice.account);
    const symbols = await page.getByTestId('balance-row').evaluateAll((rows) => rows.map((row) => row.dataset.symbol));
    expect(symbols).toEqual(expect.arrayContaining(['ETH', 'WETH', 'USDC', 'DAI']));
    // 10 ETH at the devnet pool's price: $3,000 an ETH as seeded, moved a little by other test files' swaps.
    const ethRow = (await page.locator('[data-testid="balance-row"][data-symbol="ETH"]').textContent()) ?? '';
    const ethUsd = Number(/10\$([\d,]+\.\d{2})/.exec(ethRow)?.[1]?.replaceAll(',', ''));
    expect(ethUsd, ethRow).toBeGreaterThan(29_400);
    expect(ethUsd, ethRow).toBeLessThan(30_600);

    expect(await page.getByTestId('policy-max-plan-usd').inputValue()).toBe('10000');
    expect(await page.getByTestId('policy-max-daily-usd').inputValue()).toBe('25000');
    expect(await page.getByTestId('policy-max-slippage-bps').inputValue()).toBe('100');
    expect(await page.getByTestId('policy-confirm-new-recipients').isChecked()).toBe(true);
    // Every input has a label a screen reader reads out.
    for (const id of ['message-input', 'policy-max-plan-usd', 'policy-max-daily-usd', 'policy-max-slippage-bps']) {
      expect(await page.locator(`label[for="${id}"]`).count(), id).toBe(1);
    }

    expect(await page.getByTestId('llm-status').textContent()).toContain('Embedded parser');
    expect(await page.getByTestId('llm-hint').textContent()).toBe(
      'Install Ollama and pull qwen2.5:7b-instruct to use a local model.',
    );
    await page.locator('#skills-details summary').click();
    const swap = page.locator('[data-testid="skill-row"][data-skill-id="uniswap-v3/swap"]');
    expect(await swap.getAttribute('data-status')).toBe('audited');
    expect(await swap.getByTestId('skill-status').textContent()).toBe('Audited');
    expect(await swap.textContent()).toContain('uniswap-v3');
    await expect.poll(() => page.getByTestId('health').getAttribute('data-status'), WAIT).toBe('ok');
    // No epoch is settled on this server: the emissions card says how to settle one.
    expect(await page.getByTestId('emissions-empty').textContent()).toContain('sextant emissions settle --epoch last');
    expect(errors).toEqual([]);
    await close(context);
  });

  it('"swap 100 USDC for ETH": the preview shows USDC −100 and about +0.033 ETH, Confirm lands it, balances follow', async () => {
    const { context, page, errors } = await signedIn();
    await snap(page, '1-empty-conversation');
    const amountOf = (symbol: string) =>
      page.locator(`[data-testid="balance-row"][data-symbol="${symbol}"] [data-testid="balance-amount"]`).textContent();
    const usdcBefore = Number((await amountOf('USDC'))?.replaceAll(',', ''));
    const ethBefore = Number((await amountOf('ETH'))?.replaceAll(',', ''));

    await send(page, 'swap 100 USDC for ETH');
    const reply = await lastReply(page);
    const card = reply.getByTestId('plan-card');
    expect(await card.getByTestId('plan-step').getAttribute('data-skill')).toBe('uniswap-v3/swap');
    const usdc = card.locator('[data-testid="balance-change"][data-symbol="USDC"]');
    expect(await usdc.getAttribute('data-direction')).toBe('out');
    expect(await usdc.textContent()).toContain('\u2212100');
    const eth = card.locator('[data-testid="balance-change"][data-symbol="ETH"]');
    expect(await eth.getAttribute('data-direction')).toBe('in');
    const ethIn = Number(/\+([\d.]+)/.exec((await eth.textContent()) ?? '')?.[1]);
    expect(ethIn).toBeGreaterThan(0.03);
    expect(ethIn).toBeLessThan(0.036);
    await snap(page, '2-swap-preview');

    await card.getByTestId('confirm-button').click();
    const status = card.getByTestId('execution-status');
    await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(await card.getByTestId('tx-hash').getAttribute('title')).toMatch(HEX_64);
    await expect.poll(async () => Number((await amountOf('USDC'))?.replaceAll(',', '')), WAIT).toBe(usdcBefore - 100);
    const ethAfter = Number((await amountOf('ETH'))?.replaceAll(',', ''));
    // Up by the swap's output, less the gas fee.
    expect(ethAfter).toBeGreaterThan(ethBefore + ethIn * 0.9);
    await snap(page, '3-swap-succeeded');
    expect(errors).toEqual([]);
    await close(context);
  });

  it('streams a plan for a clicked prompt, confirms it once on a double click, and refreshes the balances', async () => {
    const { context, page, errors } = await signedIn();
    const wethBefore = await page
      .locator('[data-testid="balance-row"][data-symbol="WETH"] [data-testid="balance-amount"]')
      .textContent();
    const confirms: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/confirm')) confirms.push(request.url());
    });

    await page.getByTestId('suggested-prompt').filter({ hasText: 'wrap 1 ETH' }).click();
    expect(await page.getByTestId('user-message').last().textContent()).toBe('wrap 1 ETH');
    expect(await page.getByTestId('empty-state').isHidden()).toBe(true);
    const reply = await lastReply(page);
    expect(await reply.getByTestId('intent-chip').first().getAttribute('data-action')).toBe('wrap');
    expect(await reply.getByTestId('assistant-text').textContent()).toContain('Here is the plan');

    const card = reply.getByTestId('plan-card');
    expect(await card.getByTestId('plan-step').getAttribute('data-skill')).toBe('weth/wrap');
    expect(await card.getByTestId('plan-step').textContent()).toMatch(/weth\/wrap@\d+\.\d+\.\d+/);
    const weth = card.locator('[data-testid="balance-change"][data-symbol="WETH"]');
    expect(await weth.getAttribute('data-direction')).toBe('in');
    expect(await weth.textContent()).toContain('+1');
    expect(await weth.textContent()).toMatch(/\+\$[\d,]+\.\d\d/);
    const eth = card.locator('[data-testid="balance-change"][data-symbol="ETH"]');
    expect(await eth.getAttribute('data-direction')).toBe('out');
    expect(await eth.textContent()).toContain('\u22121');
    // In is green, out is red.
    const color = (row: typeof eth) => row.locator('.amount').evaluate((cell) => getComputedStyle(cell).color);
    expect(await color(weth)).toBe('rgb(21, 128, 61)');
    expect(await color(eth)).toBe('rgb(180, 35, 24)');
    expect(await card.getByTestId('gas-fee').textContent()).toMatch(/ETH|Sponsored/);

    await card.getByTestId('confirm-button').dblclick();
    const status = card.getByTestId('execution-status');
    await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(confirms).toHaveLength(1);
    expect(await card.getByTestId('plan-status').getAttribute('data-status')).toBe('confirmed');
    expect(await card.getByTestId('confirm-button').count()).toBe(0);
    expect(await card.getByTestId('tx-hash').getAttribute('title')).toMatch(HEX_64);
    expect(await card.getByTestId('user-op-hash').getAttribute('title')).toMatch(HEX_64);

    const wethAmount = page.locator('[data-testid="balance-row"][data-symbol="WETH"] [data-testid="balance-amount"]');
    await expect.poll(() => wethAmount.textContent(), WAIT).not.toBe(wethBefore);
    expect(Number((await wethAmount.textContent())?.replaceAll(',', ''))).toBe(
      Number(wethBefore?.replaceAll(',', '')) + 1,
    );
    expect(errors).toEqual([]);
    await close(context);
  });

  it('sends on Enter, keeps Shift+Enter as a new line, and shows where the keyboard focus is', async () => {
    const { context, page, errors } = await signedIn();
    const input = page.getByTestId('message-input');
    await input.focus();
    await page.keyboard.type('swap ETH');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('for USDC');
    expect(await input.inputValue()).toBe('swap ETH\nfor USDC');
    expect(await page.getByTestId('user-message').count()).toBe(0);

    await input.fill('');
    expect(await page.getByTestId('send-button').isDisabled()).toBe(true);
    await page.keyboard.type('swap ETH for USDC');
    await page.keyboard.press('Enter');
    const question = await lastReply(page);
    expect(await question.getAttribute('data-kind')).toBe('clarify');
    expect(await question.getByTestId('assistant-text').textContent()).toContain('How much ETH');
    expect(await input.inputValue()).toBe('');

    // The answer continues the same conversation: the question is filled, and a plan comes back.
    await send(page, '0.01');
    const plan = await lastReply(page);
    expect(await plan.getAttribute('data-kind')).toBe('plan');
    expect(
      await plan.locator('[data-testid="balance-change"][data-symbol="USDC"]').getAttribute('data-direction'),
    ).toBe('in');
    // Cancel it: no Confirm is left, and the card says so.
    await plan.getByTestId('cancel-button').click();
    await expect.poll(() => plan.getByTestId('plan-status').getAttribute('data-status'), WAIT).toBe('cancelled');
    expect(await plan.getByTestId('confirm-button').count()).toBe(0);

    // Focus is visible on what the keyboard reaches.
    await page.getByTestId('new-chat').click();
    await input.focus();
    await page.keyboard.press('Shift+Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as { dataset: Record<string, string | undefined> };
      const style = getComputedStyle(element);
      return { testid: element.dataset.testid, outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(focused.testid).toBe('suggested-prompt');
    expect(focused.outline).not.toBe('none');
    expect(focused.width).not.toBe('0px');
    expect(errors).toEqual([]);
    await close(context);
  });

  it('saves the policy from the form, shows a refused field, and shows a plan refused by the policy', async () => {
    const { context, page, errors } = await signedIn();
    try {
      await page.getByTestId('policy-max-slippage-bps').fill('900');
      await page.getByTestId('policy-save').click();
      await expect.poll(() => page.getByTestId('policy-status').textContent(), WAIT).toMatch(/Not saved/);
      expect(await page.getByTestId('policy-max-slippage-bps').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('[data-error-for="maxSlippageBps"]').textContent()).toContain('maxSlippageBps');

      await page.getByTestId('policy-max-slippage-bps').fill('100');
      await page.getByTestId('policy-max-plan-usd').fill('100');
      await page.getByTestId('policy-save').click();
      await expect.poll(() => page.getByTestId('policy-status').textContent(), WAIT).toBe('Saved.');
      const stored = (await (await api('/v1/policy')).json()) as { policy: { maxPlanUsd: number } };
      expect(stored.policy.maxPlanUsd).toBe(100);

      await send(page, 'wrap 1 ETH');
      const reply = await lastReply(page);
      expect(await reply.getAttribute('data-kind')).toBe('refused');
      expect(await reply.getByTestId('refusal-reason').textContent()).toContain('maxPlanUsd');
      expect(await reply.getByTestId('plan-status').getAttribute('data-status')).toBe('refused');
      expect(await reply.getByTestId('confirm-button').count()).toBe(0);
      await snap(page, '4-policy-refused');
      expect(errors).toEqual([]);
    } finally {
      await setPolicy({ maxPlanUsd: 10_000, maxSlippageBps: 100 });
      await close(context);
    }
  });

  it('asks for an explicit "I know this address" before paying a new recipient', async () => {
    const { context, page, errors } = await signedIn();
    const recipient = '0x000000000000000000000000000000000000dEaD';
    await send(page, `send 1 USDC to ${recipient}`);
    const reply = await lastReply(page);
    const card = reply.getByTestId('plan-card');
    expect(await card.getByTestId('new-recipient').textContent()).toContain(recipient);
    const confirm = card.getByTestId('confirm-button');
    expect(await confirm.isDisabled()).toBe(true);
    await card.getByTestId('new-recipient-ack').check();
    expect(await confirm.isEnabled()).toBe(true);
    await confirm.click();
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(await card.getByTestId('tx-hash').getAttribute('title')).toMatch(HEX_64);
    expect(errors).toEqual([]);
    await close(context);
  });

  it('names an unlisted token by its address and needs its own explicit yes', async () => {
    const { context, page, errors } = await signedIn();
    // An address of this test's own: never paid before, so it is a new recipient too.
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const lookalike = await deployLookalikeToken(manifest, 'USDC', 18, alice.account);
    const usdc = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
    const balance = (token: Address, holder: Address) =>
      deps.env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
    const realBefore = await balance(usdc, recipient);
    await send(page, `send 1 ${lookalike} to ${recipient}`);
    const card = (await lastReply(page)).getByTestId('plan-card');
    expect(await card.getByTestId('unlisted-token').textContent()).toContain(lookalike);
    const flows = await card.getByTestId('value-flow').allTextContents();
    expect(flows.join(' ')).toContain('calling itself "USDC"');
    const confirm = card.getByTestId('confirm-button');
    await card.getByTestId('new-recipient-ack').check();
    expect(await confirm.isDisabled()).toBe(true);
    await card.getByTestId('unlisted-token-ack').check();
    expect(await confirm.isEnabled()).toBe(true);
    await snap(page, '5-unlisted-token', card);
    await confirm.click();
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    // The lookalike moved; the real USDC did not.
    expect(await balance(lookalike, recipient)).toBe(10n ** 18n);
    expect(await balance(usdc, recipient)).toBe(realBefore);
    expect(errors).toEqual([]);
    await close(context);
  });

  it('says why a plan the account cannot pay for is not offered, and how to get the funds', async () => {
    const { context, page, errors } = await signedIn();
    await send(page, 'wrap 1000 ETH');
    const reply = await lastReply(page);
    expect(await reply.getAttribute('data-kind')).toBe('not-offered');
    // Funds the account lacks are named before any simulation, with how to get them; no plan card.
    expect(await reply.getByTestId('assistant-text').textContent()).toMatch(
      /^ETH: the plan needs 1000, the account holds [\d.]+\. On the devnet, `sextant faucet`/,
    );
    expect(await reply.getByTestId('plan-card').count()).toBe(0);
    expect(await reply.getByTestId('confirm-button').count()).toBe(0);
    expect(errors).toEqual([]);
    await close(context);
  });

  it('fits a phone: one column, the panel under the conversation, nothing wider than the screen', async () => {
    const { context, page, errors } = await signedIn({ width: 390, height: 844 });
    const conversation = await page.locator('#conversation').boundingBox();
    const panel = await page.locator('#panel').boundingBox();
    expect(panel?.y).toBeGreaterThanOrEqual((conversation?.y ?? 0) + (conversation?.height ?? 0));
    expect(panel?.width).toBeLessThanOrEqual(390);
    await send(page, 'wrap 0.5 ETH');
    const reply = await lastReply(page);
    await reply.getByTestId('plan-card').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const confirm = await reply.getByTestId('confirm-button').boundingBox();
    expect((confirm?.x ?? 0) + (confirm?.width ?? 0)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await close(context);
  });

  it('sends the referrer a front end linked with (?ref=) with every message, for the whole session', async () => {
    const referrer = '0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const { context, page, errors } = await openPage();
    await page.goto(`${server.url}/?token=${token}&ref=${referrer}`);
    await expect.poll(() => page.url(), WAIT).toBe(`${server.url}/?ref=${referrer}`);
    await page.getByTestId('balance-row').first().waitFor();
    const planReferrer = async (message: string) => {
      await send(page, message);
      const planId = await (await lastReply(page)).getByTestId('plan-card').getAttribute('data-plan-id');
      return getPlan(deps.db, alice.userId, planId as string)?.referrer;
    };
    expect(await planReferrer('wrap 0.01 ETH')).toBe(getAddress(referrer));
    // Opened again without ?ref= in the same tab: still sent.
    await page.goto(`${server.url}/`);
    await page.getByTestId('balance-row').first().waitFor();
    expect(await planReferrer('wrap 0.02 ETH')).toBe(getAddress(referrer));
    expect(errors).toEqual([]);
    await close(context);
  });

  it('shows the locked state, and only that, without a session', async () => {
    const { context, page, errors } = await openPage();
    await page.goto(`${server.url}/`);
    await snap(page, '5-locked-without-token');
    await page.getByTestId('locked').waitFor();
    expect(await page.getByTestId('locked').textContent()).toContain('sextant start');
    expect(await page.getByTestId('message-input').isVisible()).toBe(false);
    expect(await page.getByTestId('balance-row').count()).toBe(0);
    expect(errors).toEqual([]);
    await close(context);
  });
});

describe('the chat page in the states the fake API scripts', () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });
  async function fakeServer(options: FakeApiOptions = {}) {
    const server = await listen(fakeApi({ pace: 5, ...options }), '127.0.0.1', await findFreePort());
    servers.push(server);
    return server.url;
  }

  it('renders third-party text as text: no markup from a token symbol, a skill or the assistant runs', async () => {
    const url = await fakeServer();
    const { context, page, errors } = await openPage();
    await page.goto(url);
    await send(page, 'odd swap');
    const reply = await lastReply(page);
    const row = reply.locator('[data-testid="balance-change"]').nth(1);
    expect(await row.getAttribute('data-symbol')).toBe('<img src=x onerror="document.body.dataset.pwned=1">');
    expect(await row.textContent()).toContain('<img src=x');
    expect(await reply.locator('img[src="x"], script:not([src]), b').count()).toBe(0);
    expect(await reply.getByTestId('assistant-text').textContent()).toBe('<i>Here</i> is the plan.');
    await page.locator('#skills-details summary').click();
    expect(await page.locator('[data-skill-id="shady/drain"] .skill-title').textContent()).toBe(
      'Totally safe <b>skill</b>',
    );
    expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await close(context);
  });

  it('shows a plan that continues on another chain: its steps there marked, and that leg’s own changes, fee and guard', async () => {
    const url = await fakeServer();
    const { context, page, errors } = await openPage();
    await page.goto(url);
    await send(page, 'bridge 100 USDC to devnet-l2 and supply it to aave there');
    const card = (await lastReply(page)).getByTestId('plan-card');
    const steps = card.getByTestId('plan-step');
    expect(await steps.count()).toBe(2);
    expect(await steps.nth(0).getAttribute('data-chain-id')).toBeNull();
    expect(await steps.nth(1).getAttribute('data-chain-id')).toBe('31338');
    expect(await steps.nth(1).locator('.pill-chain').textContent()).toBe('on Sextant devnet L2');
    const leg = card.getByTestId('plan-destination');
    expect(await leg.getAttribute('data-chain-id')).toBe('31338');
    expect(await leg.locator('.plan-section-title').first().textContent()).toBe('Then on Sextant devnet L2');
    expect(await leg.textContent()).toContain('once at least 99.9 USDC has arrived');
    const there = leg.locator('[data-testid="balance-change"][data-symbol="USDC"]');
    expect(await there.getAttribute('data-direction')).toBe('out');
    expect(await there.textContent()).toContain('\u221299.9');
    expect(await leg.textContent()).toContain('Guarded on chain');
    // The origin's own change is shown once, outside the leg.
    expect(await card.locator('[data-testid="balance-change"][data-symbol="USDC"]').count()).toBe(2);
    await snap(page, 'bridge-two-legs');
    // Confirmed: the bridge runs here; the leg there waits for the fill, then has run.
    await card.getByTestId('confirm-button').click();
    const status = card.getByTestId('execution-status');
    await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('succeeded');
    const legStatus = card.getByTestId('leg-status');
    await expect.poll(() => legStatus.getAttribute('data-status'), WAIT).toBe('executed');
    expect(await legStatus.textContent()).toMatch(/^Ran on Sextant devnet L2: succeeded \(0x[0-9a-f]{8}…\)\.$/);
    await snap(page, 'bridge-two-legs-ran');
    expect(errors).toEqual([]);
    await close(context);
  });

  it('colors each skill by its audit status', async () => {
    const url = await fakeServer();
    const { context, page } = await openPage();
    await page.goto(url);
    await page.locator('#skills-details summary').click();
    const badge = (id: string) => page.locator(`[data-skill-id="${id}"] [data-testid="skill-status"]`);
    await badge('weth/wrap').waitFor();
    expect(await badge('weth/wrap').getAttribute('class')).toContain('badge-good');
    expect(await badge('tip-jar/wrap').getAttribute('class')).toContain('badge-warn');
    expect(await badge('shady/drain').getAttribute('class')).toContain('badge-bad');
    expect(await page.getByTestId('skills-summary').textContent()).toBe('3 of 5 audited');
    await close(context);
  });

  it('shows a revert with its reason and the transaction, and follows the execution to its end', async () => {
    const url = await fakeServer();
    const { context, page, errors } = await openPage();
    await page.goto(url);
    await send(page, 'wrap 1 ETH revert');
    const reply = await lastReply(page);
    await reply.getByTestId('confirm-button').click();
    const status = reply.getByTestId('execution-status');
    await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('reverted');
    expect(await reply.getByTestId('execution-error').textContent()).toContain('Too little received');
    expect(await reply.getByTestId('tx-hash').getAttribute('title')).toBe(FAKE_TX_HASH);
    expect(errors).toEqual([]);
    await close(context);
  });

  it('says the bundler is down in a banner, and why an execution failed', async () => {
    const url = await fakeServer({ bundlerDown: true });
    const { context, page, errors } = await openPage();
    await page.goto(url);
    const banner = page.locator('[data-testid="banner"][data-kind="bundler"]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('The bundler is down');
    expect(await page.getByTestId('health').getAttribute('data-status')).toBe('degraded');
    await send(page, 'wrap 1 ETH');
    const reply = await lastReply(page);
    await reply.getByTestId('confirm-button').click();
    await expect.poll(() => reply.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('failed');
    expect(await reply.getByTestId('execution-error').textContent()).toContain('Nothing was sent');
    expect(errors).toEqual([]);
    await close(context);
  });

  it('says the server is unreachable when it fails, and shows a streamed error with its hint', async () => {
    const broken = await fakeServer({ broken: true });
    const { context, page, errors } = await openPage();
    await page.goto(broken);
    const banner = page.locator('[data-testid="banner"][data-kind="server"]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('unreachable');
    await context.close();

    const url = await fakeServer();
    const second = await openPage();
    await second.page.goto(url);
    await send(second.page, 'boom');
    const reply = await lastReply(second.page);
    expect(await reply.getByTestId('error-message').textContent()).toContain('The planner crashed.');
    expect(await reply.getByTestId('error-message').textContent()).toContain('Try again in a moment.');
    expect(await second.page.getByTestId('send-button').isDisabled()).toBe(true);
    await second.page.getByTestId('message-input').fill('price of ETH');
    expect(await second.page.getByTestId('send-button').isEnabled()).toBe(true);
    expect([...errors, ...second.errors]).toEqual([]);
    await second.context.close();
  });

  it('marks a plan expired when its time runs out', async () => {
    const url = await fakeServer({ planTtlMs: 1500 });
    const { context, page } = await openPage();
    await page.goto(url);
    await send(page, 'wrap 1 ETH');
    const reply = await lastReply(page);
    expect(await reply.getByTestId('plan-expiry').textContent()).toMatch(/expires in 0:0\d/);
    await expect.poll(() => reply.getByTestId('plan-status').getAttribute('data-status'), WAIT).toBe('expired');
    expect(await reply.getByTestId('confirm-button').count()).toBe(0);
    await close(context);
  });

  it('draws the latest emissions epoch: a bar per bucket, what carries over, the top contributors', async () => {
    const url = await fakeServer();
    // Tall enough for the whole panel in one screenshot.
    const { context, page, errors } = await openPage({ height: 2400 });
    await page.goto(url);
    const card = page.locator('#emissions-card');
    const chart = card.getByTestId('emissions-chart');
    await chart.waitFor();
    await snap(page, '6-emissions-chart');

    // The facts, amounts exactly as the API gave them.
    expect(await card.getByTestId('emissions-epoch-number').textContent()).toBe('12');
    expect(await card.getByTestId('emissions-period').textContent()).toBe('2026-01-13 \u2192 2026-01-14 UTC');
    expect(await card.getByTestId('emissions-total').textContent()).toBe('13795.557181044479999997');
    expect(await card.getByTestId('emissions-status').getAttribute('data-status')).toBe('distributed');
    expect(await card.getByTestId('emissions-claims').textContent()).toBe('12 claims');
    const distributor = card.getByTestId('emissions-distributor');
    expect(await distributor.getAttribute('title')).toBe(FAKE_DISTRIBUTOR);
    expect(await distributor.textContent()).toBe('0x5FC8\u20265707');
    await card.getByTestId('copy-emissions-distributor').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(FAKE_DISTRIBUTOR);

    // The chart: an image with its summary, five bars, the carried-over remainders labelled.
    expect(await chart.getAttribute('role')).toBe('img');
    const summary = await chart.getAttribute('aria-label');
    expect(summary).toContain('capital paid 3448.889295261119999997, carried over 0.000000000000000003');
    expect(summary).toContain('protection paid 0, carried over 1149.72852487508');
    expect(await chart.locator(':scope > title').textContent()).toBe(summary);
    const bars = chart.getByTestId('emissions-bar');
    expect(await bars.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-bucket')))).toEqual([
      'capital',
      'code',
      'compute',
      'community',
      'protection',
    ]);
    const bar = (bucket: string) => chart.locator(`[data-testid="emissions-bar"][data-bucket="${bucket}"]`);
    expect(await bar('capital').getByTestId('emissions-paid').textContent()).toBe('paid 3448.889295261119999997');
    expect(await bar('capital').getByTestId('emissions-carried').textContent()).toBe(
      'carried over 0.000000000000000003',
    );
    expect(await bar('code').getByTestId('emissions-paid').textContent()).toBe('paid 3448.88929526112');
    expect(await bar('code').getByTestId('emissions-carried').count()).toBe(0);
    // Nobody earned from the protection fund: no paid segment, all of it carried over.
    expect(await bar('protection').locator('[data-part="paid"]').count()).toBe(0);
    expect(await bar('protection').locator('[data-part="carried"]').count()).toBe(1);
    expect(await bar('protection').getByTestId('emissions-carried').textContent()).toBe(
      'carried over 1149.72852487508',
    );
    const width = (bucket: string, part: string) =>
      bar(bucket)
        .locator(`[data-part="${part}"]`)
        .getAttribute('width')
        .then((w) => Number(w));
    // Scaled to the largest bucket: code fills the width, protection's 1149.72852487508 a third of it.
    expect(await width('code', 'paid')).toBe(320);
    expect(await width('protection', 'carried')).toBeCloseTo((320 * 1149.72852487508) / 3448.88929526112, 1);

    // The top contributors per bucket: short address, the full one in the title, the exact amount.
    const capital = card.locator('[data-testid="emissions-bucket"][data-bucket="capital"]');
    expect(await capital.locator('h4').textContent()).toMatch(/^Capital/);
    expect(await capital.locator('h4 .small').textContent()).toBe('top 5 of 7');
    const rows = capital.getByTestId('emissions-contributor');
    expect(await rows.count()).toBe(5);
    const first = rows.first();
    expect(await first.locator('code').getAttribute('title')).toBe('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
    expect(await first.locator('code').textContent()).toBe('0x3c44\u202693bc');
    expect(await first.getByTestId('emissions-amount').textContent()).toBe('2305.187154285098825551');
    const community = card.locator('[data-testid="emissions-bucket"][data-bucket="community"]');
    expect(await community.getByTestId('emissions-amount').allTextContents()).toEqual([
      '2682.46945186976',
      '766.41984339136',
    ]);
    const protection = card.locator('[data-testid="emissions-bucket"][data-bucket="protection"]');
    expect(await protection.getByTestId('emissions-no-contributors').textContent()).toBe(
      'No contributors: all 1149.72852487508 carries over to the next epoch.',
    );

    // Another epoch from the select: settled, its distributor not deployed yet.
    await card.getByTestId('emissions-epoch').selectOption('11');
    await expect.poll(() => card.getByTestId('emissions-epoch-number').textContent(), WAIT).toBe('11');
    expect(await card.getByTestId('emissions-status').getAttribute('data-status')).toBe('settled');
    expect(await card.getByTestId('emissions-distributor').count()).toBe(0);
    expect(await card.getByTestId('emissions-facts').textContent()).toContain('not deployed yet');
    expect(await card.getByTestId('emissions-chart').getAttribute('aria-label')).toContain(
      'protection paid 0, carried over 574.91364233156',
    );
    expect(errors).toEqual([]);
    await close(context);

    // At phone width: the card fits the screen, the chart scales down with it.
    const phone = await openPage({ width: 390, height: 3200 });
    await phone.page.goto(url);
    const phoneChart = phone.page.getByTestId('emissions-chart');
    await phoneChart.waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await phoneChart.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    expect(box?.width).toBeGreaterThan(300);
    await snap(phone.page, '7-emissions-phone', phone.page.locator('#emissions-card'));
    expect(phone.errors).toEqual([]);
    await close(phone.context);
  });

  it('says how to settle an epoch when none is, and shows an emissions error like the other cards', async () => {
    const url = await fakeServer({ noEpochs: true });
    const { context, page, errors } = await openPage();
    await page.goto(url);
    const empty = page.getByTestId('emissions-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('No epoch is settled yet.');
    expect(await empty.locator('pre code').textContent()).toBe('sextant emissions settle --epoch last');
    expect(await page.getByTestId('emissions-chart').count()).toBe(0);
    expect(await page.getByTestId('emissions-epoch').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await close(context);

    const broken = await openPage();
    await broken.page.goto(await fakeServer({ broken: true }));
    const error = broken.page.getByTestId('emissions').getByTestId('error-message');
    await error.waitFor();
    expect(await error.textContent()).toContain('The Sextant server is unreachable or failed to answer.');
    await close(broken.context);
  });
});
