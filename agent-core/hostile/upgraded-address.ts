import { randomUUID } from 'node:crypto';
import { type Address, createWalletClient, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { expect } from 'vitest';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetClients, devnetTransport } from '../../devnet/testing/clients.ts';
import { applyDelegationChange, previewDelegationChange } from '../../smart-accounts/eip7702.ts';
import { importOwnerKey, unlockOwnerKey } from '../../smart-accounts/keystore.ts';
import { TEST_PASSPHRASE } from '../../smart-accounts/testing/environment.ts';
import type { Eip7702Implementation } from '../../smart-accounts/users.ts';
import { ensureUser } from '../../smart-accounts/users.ts';
import type { AgentDeps } from '../agent.ts';
import type { HostileUser } from './harness.ts';

/**
 * A hostile case's victim whose account is its own address (EIP-7702): a fresh key funded from the
 * faucet that first acts as a plain wallet (`asWallet`: the approvals and delegations it gave before
 * Sextant, each sent and checked to land), then is imported into `base`'s Sextant and upgraded to
 * Simple7702Account, or to MetaMask's DeleGator.
 */
export async function upgradedAddressUser(
  base: AgentDeps,
  manifest: DevnetManifest,
  options: {
    implementation?: Eip7702Implementation;
    asWallet?: (send: (to: Address, data: Hex) => Promise<void>, address: Address) => Promise<void>;
  } = {},
): Promise<HostileUser & { address: Address }> {
  const { publicClient, chain } = devnetClients(manifest);
  const userId = `user-${randomUUID().slice(0, 8)}`;
  const privateKey = generatePrivateKey();
  const key = privateKeyToAccount(privateKey);
  await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, key.address);
  const wallet = createWalletClient({ account: key, chain, transport: devnetTransport(manifest.rpcUrl) });
  const send = async (to: Address, data: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to, data }) });
    expect(receipt.status).toBe('success');
  };
  await options.asWallet?.(send, key.address);
  ensureUser(base.env.db, userId);
  await importOwnerKey(base.env.db, userId, TEST_PASSPHRASE, privateKey);
  const owner = await unlockOwnerKey(base.env.db, userId, TEST_PASSPHRASE);
  const implementation = options.implementation ?? 'simple7702';
  await applyDelegationChange(
    base.env,
    owner,
    await previewDelegationChange(base.env, userId, key.address, 'upgrade', { implementation }),
  );
  const user = { userId, owner, ownerAddress: key.address, account: key.address } as unknown as HostileUser;
  return { ...user, address: key.address };
}
