import type { Address, LocalAccount } from 'viem';
import { fundFromFaucet } from '../../../devnet/faucet.ts';
import type { DevnetManifest } from '../../../devnet/manifest.ts';
import { applyDelegationChange, previewDelegationChange } from '../../../smart-accounts/eip7702.ts';
import type { ExecutionEnvironment } from '../../../smart-accounts/environment.ts';
import { newUser } from '../../../smart-accounts/testing/environment.ts';

/**
 * A new user whose own address holds the faucet's amounts and is delegated to MetaMask's EIP-7702
 * DeleGator, as standing orders need: `account` is that address (what the server's userAccount
 * gives in 7702 mode), in the shape app/testing/agent-app.ts takes.
 */
export async function delegatorUser(
  env: ExecutionEnvironment,
  manifest: DevnetManifest,
): Promise<{ userId: string; owner: LocalAccount; ownerAddress: Address; account: Address }> {
  const { userId, owner } = await newUser(env);
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, owner.address);
  const change = await previewDelegationChange(env, userId, owner.address, 'upgrade', { implementation: 'delegator' });
  await applyDelegationChange(env, owner, change);
  return { userId, owner, ownerAddress: owner.address, account: owner.address };
}
