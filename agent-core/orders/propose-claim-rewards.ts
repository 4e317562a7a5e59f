import { type Address, erc20Abi } from 'viem';
import type { RewardsSource } from '../plan/rewards.ts';
import { agentKeyAddress } from './agent-key.ts';
import { type ClaimRewardsGrant, MAX_CLAIM_DAYS } from './claim-rewards-grant.ts';
import { OrderError } from './errors.ts';
import { grantOf } from './grant.ts';
import { agentGasFund, type OrdersChain } from './proposal-basics.ts';
import { asClaimRewardsOrder, type ClaimRewardsOrder, insertOrder, listOrders, newOrderId } from './store.ts';

/**
 * Gas of one claim as the runner limits it: a MerkleDistributor claim with a proof of a few levels
 * uses under 100,000, and the runner sends it with 120% of its estimate.
 */
const CLAIM_GAS = 150_000n;

/**
 * "Claim my rewards when an epoch settles", proposed for `days`: the network's reward token (from the
 * rewards source, as the chat's one-off claim uses), the grant in words (claim-rewards-grant.ts: no
 * delegation, no approval), and the agent key's gas for about one claim a day, stored as `proposed`.
 * Refused where there is no reward token, and while another claim order of the user is live (a
 * second would only race the first for the same claims).
 */
export async function proposeClaimRewards(
  env: OrdersChain,
  rewards: RewardsSource | undefined,
  userId: string,
  account: Address,
  request: { days: number },
): Promise<ClaimRewardsOrder> {
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > MAX_CLAIM_DAYS) {
    throw new OrderError(`A claim order runs 1 to ${MAX_CLAIM_DAYS} days.`);
  }
  if (!rewards) {
    throw new OrderError('There is no reward token on this network, so there are no rewards to claim.', {
      hint: 'Set "rewardToken" in DATA_DIR/emissions.json.',
    });
  }
  const agent = agentKeyAddress(env.db, userId);
  if (!agent) {
    throw new OrderError('The agent key is made when the passphrase is at hand (ensureAgentKey) before proposing.');
  }
  const live = listOrders(env.db, userId).find(
    (o) =>
      o.kind === 'claim-rewards' &&
      o.chainId === env.chain.chainId &&
      ['granting', 'active', 'paused'].includes(o.status),
  );
  if (live) {
    throw new OrderError(
      `Order ${live.id} (${live.status}) already claims your rewards as each epoch is distributed.`,
      {
        hint: `Cancel it first (\`sextant orders cancel ${live.id}\`) to start another.`,
      },
    );
  }
  const { token } = await rewards(account);
  const [symbol, decimals] = await Promise.all([
    env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
    env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  const terms: ClaimRewardsGrant = {
    user: account,
    agent,
    rewardToken: { address: token, symbol, decimals },
    start: (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp,
    days: request.days,
  };
  const built = grantOf({ kind: 'claim-rewards', terms });
  // About one epoch a day (the emissions' default interval); a shorter interval runs the fund down
  // sooner, and the runner then says the agent key needs ETH.
  const { agentGas, words } = await agentGasFund(env, agent, request.days, 'claims', CLAIM_GAS);
  const order = insertOrder(env.db, {
    id: newOrderId(),
    userId,
    chainId: env.chain.chainId,
    account,
    agent,
    kind: 'claim-rewards',
    terms,
    delegations: [],
    words: `${built.words} ${words}`,
    status: 'proposed',
    grantExecutionId: null,
    agentGas,
  });
  return asClaimRewardsOrder(order);
}
