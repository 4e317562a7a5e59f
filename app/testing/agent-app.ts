import type { Address, LocalAccount } from 'viem';
import type { AgentDeps } from '../../agent-core/agent.ts';
import type { Db } from '../../common/database.ts';
import { type DevnetManifest, manifestToChain } from '../../devnet/manifest.ts';
import { type AppDependencies, createApp } from '../server.ts';
import { testAccess } from './access.ts';

/** A user as the agent test helpers make one (agent-core/testing/agent.ts). */
type TestUser = { userId: string; owner: LocalAccount; ownerAddress: Address; account: Address };

/**
 * The server on the shared devnet, signed in through access tokens, with an agent that acts for
 * `users` (the first one's token is the one returned). The embedded parser serves; `extra` adds the
 * page, the skill routes or anything else a test needs.
 */
export function testAgentApp(
  manifest: DevnetManifest,
  deps: AgentDeps & { db: Db },
  users: readonly TestUser[],
  extra: Partial<AppDependencies> = {},
) {
  const byId = new Map(users.map((user) => [user.userId, user]));
  const first = users[0];
  if (!first) throw new Error('testAgentApp needs at least one user.');
  const { access, token, dataDir } = testAccess(first.userId, deps.db);
  const user = (userId: string) => {
    const found = byId.get(userId);
    if (!found) throw new Error(`No test user ${userId}.`);
    return found;
  };
  const app = createApp({
    chain: manifestToChain(manifest),
    rpcUrl: manifest.rpcUrl,
    bundlerUrl: manifest.bundlerUrl,
    llm: async () => ({ provider: 'embedded', model: 'embedded', reachable: false, host: 'http://127.0.0.1:1' }),
    access,
    agent: {
      agent: deps,
      userAccount: async (userId) => ({ owner: user(userId).ownerAddress, account: user(userId).account }),
      unlock: async (userId) => user(userId).owner,
    },
    ...extra,
  });
  return { app, access, token, dataDir };
}
