import { type Address, formatEther, type PublicClient } from 'viem';
import type { Chain, DelegationEnforcer } from '../../common/chains/types.ts';
import type { Db } from '../../common/database.ts';
import { agentKeyAddress } from './agent-key.ts';
import { OrderError } from './errors.ts';

/** What a proposal reads: the database, the chain and a client for it. */
export type OrdersChain = { db: Db; chain: Chain; publicClient: PublicClient };

/**
 * Gas of one run as the runner limits it: a redemption with the grant's eight caveats and the swap
 * uses about 391,000 (npm run bench:orders), and the runner sends it with 120% of its estimate.
 */
const RUN_GAS = 500_000n;

/**
 * What every proposal needs before its own terms: the chain's caveat enforcers and the user's agent
 * key (made when the passphrase is at hand). `what` names the order in the refusal ("a position guard").
 */
export function proposalBasics(
  env: OrdersChain,
  userId: string,
  what: string,
): { enforcers: Record<DelegationEnforcer, Address>; agent: Address } {
  const framework = env.chain.contracts.delegationFramework;
  if (!framework) {
    throw new OrderError(`${env.chain.name} has no delegation framework: ${what} cannot run here.`);
  }
  const agent = agentKeyAddress(env.db, userId);
  if (!agent) {
    throw new OrderError('The agent key is made when the passphrase is at hand (ensureAgentKey) before proposing.');
  }
  return { enforcers: framework.enforcers, agent };
}

/**
 * The ETH the grant sends the agent key for `runs` runs, and the sentence that says so: twice today's
 * maximum fee, and one run more than the runs, since the runner sends a run only while the agent key
 * holds its gas limit at the maximum fee, which is above what a run then pays.
 */
export async function agentGasFund(
  env: OrdersChain,
  agent: Address,
  runs: number,
  what: string,
  gasPerRun: bigint = RUN_GAS,
): Promise<{ agentGas: bigint; words: string }> {
  const fees = await env.publicClient.estimateFeesPerGas();
  const agentGas = gasPerRun * BigInt(runs + 1) * fees.maxFeePerGas * 2n;
  return {
    agentGas,
    words: `Your address also sends the agent key ${agent} ${formatEther(agentGas)} ETH for the gas of its ${what} (a stolen agent key could spend that ETH, and nothing more).`,
  };
}
