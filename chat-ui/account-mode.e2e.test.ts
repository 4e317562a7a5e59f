import { type Address, erc20Abi, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { lastReply, send, serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { applyDelegationChange, previewDelegationChange } from '../smart-accounts/eip7702.ts';
import { importOwnerKey, unlockOwnerKey } from '../smart-accounts/keystore.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { ensureUser } from '../smart-accounts/users.ts';

/**
 * The account card says which account the key drives, in a real headless Chromium against the real
 * server on the shared devnet: a SimpleAccount owned by the key, or the key's own address delegated
 * to Simple7702Account (EIP-7702), from which a plan confirmed in the page then moves the funds.
 */

const manifest = testDevnet();
const { signedIn } = useChromium({ height: 1000 });
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };

describe('the account mode on the page', async () => {
  const deps = await testAgent(manifest);
  const client = deps.env.publicClient;
  const usdcOf = (holder: Address) =>
    client.readContract({ address: usdc.address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

  // A funded address imported and upgraded: the user's account is the address itself.
  const userId = 'page-7702';
  const privateKey = generatePrivateKey();
  const address = privateKeyToAccount(privateKey).address;
  await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
  ensureUser(deps.db, userId);
  await importOwnerKey(deps.db, userId, TEST_PASSPHRASE, privateKey);
  const owner = await unlockOwnerKey(deps.db, userId, TEST_PASSPHRASE);
  await applyDelegationChange(deps.env, owner, await previewDelegationChange(deps.env, userId, address, 'upgrade'));
  const delegated = await serveChatPage(manifest, deps, [{ userId, owner, ownerAddress: address, account: address }]);
  const implementation = manifest.contracts.simple7702Account as Address;
  // And a user of a Sextant-made key, in the default mode.
  const alice = await fundedAgentUser(deps, manifest);
  const simple = await serveChatPage(manifest, deps, [alice]);
  // And an address delegated to MetaMask's EIP-7702 DeleGator instead.
  const gatorId = 'page-delegator';
  const gatorKey = generatePrivateKey();
  const gatorAddress = privateKeyToAccount(gatorKey).address;
  await fundFromFaucet(client, manifest.rpcUrl, [], gatorAddress);
  ensureUser(deps.db, gatorId);
  await importOwnerKey(deps.db, gatorId, TEST_PASSPHRASE, gatorKey);
  const gatorOwner = await unlockOwnerKey(deps.db, gatorId, TEST_PASSPHRASE);
  await applyDelegationChange(
    deps.env,
    gatorOwner,
    await previewDelegationChange(deps.env, gatorId, gatorAddress, 'upgrade', { implementation: 'delegator' }),
  );
  const gator = await serveChatPage(manifest, deps, [
    { userId: gatorId, owner: gatorOwner, ownerAddress: gatorAddress, account: gatorAddress },
  ]);

  it('shows "your own address (EIP-7702)" with its implementation, and a swap confirmed there moves funds off that address', async () => {
    const response = await delegated.api('/v1/account');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      address,
      owner: address,
      accountMode: 'eip7702',
      eip7702Implementation: 'simple7702',
      implementation,
      deployed: true,
    });

    const { context, page, errors } = await signedIn(delegated);
    const mode = page.getByTestId('account-mode');
    expect(await mode.getAttribute('data-mode')).toBe('eip7702');
    expect(await mode.textContent()).toBe(
      `Your own address (EIP-7702), delegated to Simple7702Account ${implementation.slice(0, 6)}…${implementation.slice(-4)}`,
    );
    expect(await page.getByTestId('account-address').getAttribute('title')).toBe(address);
    expect(await page.getByTestId('account-undeployed').count()).toBe(0);

    const before = await usdcOf(address);
    await send(page, 'swap 100 USDC for DAI');
    const card = (await lastReply(page)).getByTestId('plan-card');
    await card.getByTestId('confirm-button').click();
    await expect.poll(() => card.getByTestId('execution-status').getAttribute('data-status'), WAIT).toBe('succeeded');
    expect(await usdcOf(address)).toBe(before - parseUnits('100', usdc.decimals));
    await snap(page, 'account-mode-eip7702', page.locator('#account-card'));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a SimpleAccount owned by the key for a user in simple-account mode', async () => {
    expect(await (await simple.api('/v1/account')).json()).toMatchObject({
      address: alice.account,
      owner: alice.ownerAddress,
      accountMode: 'simple-account',
      eip7702Implementation: null,
      implementation: null,
    });
    const { context, page, errors } = await signedIn(simple);
    const mode = page.getByTestId('account-mode');
    expect(await mode.getAttribute('data-mode')).toBe('simple-account');
    expect(await mode.textContent()).toBe(
      `SimpleAccount (EntryPoint v0.8), owned by your key ${alice.ownerAddress.slice(0, 6)}…${alice.ownerAddress.slice(-4)}`,
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it("names MetaMask's DeleGator for an address delegated to it", async () => {
    const deleGator = manifest.contracts.delegation.eip7702StatelessDeleGator;
    expect(await (await gator.api('/v1/account')).json()).toMatchObject({
      address: gatorAddress,
      accountMode: 'eip7702',
      eip7702Implementation: 'delegator',
      implementation: deleGator,
    });
    const { context, page, errors } = await signedIn(gator);
    expect(await page.getByTestId('account-mode').textContent()).toBe(
      `Your own address (EIP-7702), delegated to MetaMask’s EIP-7702 DeleGator ${deleGator.slice(0, 6)}…${deleGator.slice(-4)}`,
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
