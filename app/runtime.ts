import type { Address, LocalAccount } from 'viem';
import type { AgentRoutesDependencies } from '../agent-core/routes.ts';
import { migrateAgentCore } from '../agent-core/schema.ts';
import { parserFor } from '../agent-core/session.ts';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';
import type { Network } from '../common/network.ts';
import type { Settings } from '../common/settings.ts';
import { rewardsForNetwork } from '../emissions/claims.ts';
import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import type { SkillRoutesDependencies } from '../skills/routes.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { ownerAddress, unlockOwnerKey } from '../smart-accounts/keystore.ts';
import { readPassphrase } from '../smart-accounts/passphrase.ts';
import { smartAccountAddress } from '../smart-accounts/smart-account.ts';

/**
 * What the server serves, for one network: the skill registry and the agent (parser, planner,
 * simulation, execution) with each user's account. Owner keys are unlocked when a plan is confirmed
 * (SEXTANT_PASSPHRASE), kept in memory only while the server runs.
 */
export async function serverRuntime(
  db: Db,
  network: Network,
  settings: Settings,
): Promise<{ skills: SkillRoutesDependencies; agent: AgentRoutesDependencies }> {
  migrateAgentCore(db);
  await openSkillRegistry(db);
  const packagesDir = skillPackagesDir(settings.dataDir);
  const trustedAuditors = settings.skillAuditors;
  // One catalog for the planner, MCP and /v1/skills: what the list shows is what a plan may use.
  const catalog = await loadSkillCatalog(db, { packagesDir, ...(trustedAuditors ? { trustedAuditors } : {}) });
  const env = executionEnvironment(db, network);
  const rewards = rewardsForNetwork(db, env.publicClient, env.chain, settings.dataDir);
  const accounts = new Map<string, { owner: Address; account: Address }>();
  const unlocked = new Map<string, LocalAccount>();
  return {
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
      async unlock(userId) {
        const known = unlocked.get(userId);
        if (known) return known;
        const account = await unlockOwnerKey(
          db,
          userId,
          await readPassphrase(`unlock the owner key of user "${userId}"`),
        );
        unlocked.set(userId, account);
        return account;
      },
    },
  };
}
