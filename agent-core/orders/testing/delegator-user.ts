import type { Address, LocalAccount } from 'viem';
import { fundFromFaucet } from '../../../devnet/faucet.ts';
import type { DevnetManifest } from '../../../devnet/manifest.ts';
import { applyDelegationChange, previewDelegationChange } from '../../../smart-accounts/eip7702.ts';
import type { ExecutionEnvironment } from '../../../smart-accounts/environment.ts';
import { newUser, TEST_PASSPHRASE } from '../../../smart-accounts/testing/environment.ts';
import { ensureAgentKey, unlockAgentKey } from '../agent-key.ts';
import type { RunnerEnvironment } from '../runner.ts';

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

/** The user's agent key made (sealed with the test passphrase), and `env.agentKey` opening it. */
export async function withAgentKey(env: RunnerEnvironment, userId: string): Promise<Address> {
  const agent = await ensureAgentKey(env.db, userId, TEST_PASSPHRASE);
  env.agentKey = () => unlockAgentKey(env.db, userId, TEST_PASSPHRASE);
  return agent;
}
