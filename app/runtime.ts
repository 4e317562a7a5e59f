import type { Address } from 'viem';
import { migrateAgentCore } from '../agent-core/migrations.ts';
import type { AgentRoutesDependencies } from '../agent-core/routes.ts';
import { parserFor } from '../agent-core/session.ts';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';
import type { Network } from '../common/network.ts';
import type { Settings } from '../common/settings.ts';
import { rewardsForNetwork } from '../emissions/claims.ts';
import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import type { SkillRoutesDependencies } from '../skills/routes.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { ownerAddress } from '../smart-accounts/keystore.ts';
import { smartAccountAddress } from '../smart-accounts/smart-account.ts';
import { type UnlockedKeys, unlockedKeys } from '../smart-accounts/unlocked-keys.ts';

/**
 * What the server serves, for one network: the skill registry and the agent (parser, planner,
 * simulation, execution) with each user's account. Owner keys are opened when a plan is confirmed,
 * with `passphrase` (SEXTANT_PASSPHRASE) when there is one; otherwise the user unlocks theirs over
 * their session (POST /v1/session/unlock) and it stays in memory for the idle time
 * (SEXTANT_UNLOCK_IDLE_MINUTES). The server never waits on its terminal for a passphrase.
 */
export async function serverRuntime(
  db: Db,
  network: Network,
  settings: Settings,
  passphrase: string | undefined = process.env.SEXTANT_PASSPHRASE,
): Promise<{ skills: SkillRoutesDependencies; agent: AgentRoutesDependencies; keys: UnlockedKeys }> {
  migrateAgentCore(db);
  await openSkillRegistry(db);
  const packagesDir = skillPackagesDir(settings.dataDir);
  const trustedAuditors = settings.skillAuditors;
  // One catalog for the planner, MCP and /v1/skills: what the list shows is what a plan may use.
  const catalog = await loadSkillCatalog(db, { packagesDir, ...(trustedAuditors ? { trustedAuditors } : {}) });
  const env = executionEnvironment(db, network);
  const rewards = rewardsForNetwork(db, env.publicClient, env.chain, settings.dataDir);
  const accounts = new Map<string, { owner: Address; account: Address }>();
  const keys = unlockedKeys(db, { passphrase, idleMs: settings.unlockIdleMinutes * 60_000 });
  return {
    keys,
    skills: { db, packagesDir, trustedAuditors, catalog },
    agent: {
      agent: { db, env, catalog, parse: parserFor(settings, 'auto'), ...(rewards ? { rewards } : {}) },
      async userAccount(userId) {
        const known = accounts.get(userId);
        if (known) return known;
        const owner = ownerAddress(db, userId);
        if (!owner) {
          throw new SextantError(`User "${userId}" has no owner key yet.`, {
            hint: `Create it with \`sextant account --user ${userId}\`.`,
          });
        }
        const entry = { owner, account: await smartAccountAddress(env.publicClient, env.chain, owner) };
        accounts.set(userId, entry);
        return entry;
      },
      unlock: (userId) => keys.forSigning(userId),
    },
  };
}
