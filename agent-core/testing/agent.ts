import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'viem';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { loadSkillCatalog } from '../../skills/registry/catalog.ts';
import { newUser, testEnvironment } from '../../smart-accounts/testing/environment.ts';
import type { AgentDeps } from '../agent.ts';
import { migrateAgentCore } from '../migrations.ts';
import { migrateOrders } from '../orders/migrations.ts';
import { parseEmbedded } from '../parse/embedded/parse.ts';
import type { RewardsSource } from '../plan/rewards.ts';

/**
 * An agent on the shared devnet with the embedded parser, its own database, and the built-in skills.
 * `rewards` wires the emission rewards in, as app/ does (emissions/testing/agent.ts: testAgentWithRewards).
 */
export async function testAgent(
  manifest: DevnetManifest,
  options: { rewards?: (env: AgentDeps['env']) => RewardsSource | undefined } = {},
): Promise<AgentDeps> {
  const env = testEnvironment(manifest);
  migrateAgentCore(env.db);
  migrateOrders(env.db);
  const catalog = await loadSkillCatalog(env.db, {
    packagesDir: join(mkdtempSync(join(tmpdir(), 'sextant-agent-')), 'skill-packages'),
  });
  const rewards = options.rewards?.(env);
  return { db: env.db, env, catalog, parse: async (text) => parseEmbedded(text), ...(rewards ? { rewards } : {}) };
}

/** A new user whose account holds the faucet's amounts, optionally with `eth` ETH instead of 10. */
export async function fundedAgentUser(deps: AgentDeps, manifest: DevnetManifest, eth?: string) {
  const user = await newUser(deps.env, (account) =>
    fundFromFaucet(deps.env.publicClient, manifest.rpcUrl, manifest.tokens, account),
  );
  if (eth !== undefined) {
    const request = deps.env.publicClient.request as unknown as (args: {
      method: string;
      params: unknown[];
    }) => Promise<unknown>;
    await request({ method: 'anvil_setBalance', params: [user.account, `0x${parseEther(eth).toString(16)}`] });
  }
  return { ...user, ownerAddress: user.owner.address };
}
