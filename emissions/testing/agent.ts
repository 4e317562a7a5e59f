import type { AgentDeps } from '../../agent-core/agent.ts';
import { testAgent } from '../../agent-core/testing/agent.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { rewardsForNetwork } from '../claims.ts';

/** agent-core's test agent with the emission rewards of the shared devnet wired in, as app/ wires them. */
export function testAgentWithRewards(manifest: DevnetManifest): Promise<AgentDeps> {
  return testAgent(manifest, { rewards: (env) => rewardsForNetwork(env.db, env.publicClient, env.chain, undefined) });
}
