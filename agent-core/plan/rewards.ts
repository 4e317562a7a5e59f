import type { Address, PublicClient } from 'viem';
import { erc20Abi, formatUnits } from 'viem';
import { SextantError } from '../../common/errors.ts';
import type { SkillCall } from '../../skills/sdk/define-skill.ts';
import { UnsupportedError } from './errors.ts';
import type { PlanStep } from './types.ts';

/** One epoch's reward for the account, as the emissions module knows it and the chain confirms it. */
export type RewardToClaim = {
  epoch: number;
  amount: bigint;
  claimed: boolean;
  /** Why it cannot be claimed here, if it cannot (its distributor is not on this chain…). */
  unavailable?: string;
  call: SkillCall;
};

/**
 * Where `claim_rewards` gets its calls: the emissions settlements (emissions/claims.ts), wired in by
 * the session. Claims are not a registry skill: their targets are the per-epoch distributors Sextant
 * itself deployed and recorded, each checked on chain (root, token, claimed or not) before use.
 */
export type RewardsSource = (account: Address) => Promise<{ token: Address; rewards: RewardToClaim[] }>;

export const CLAIM_REWARDS_STEP = { skillId: 'sextant/claim-rewards', version: '1.0.0', protocol: 'sextant' } as const;

/** The plan step that claims every unclaimed reward of the account, or why there is nothing to claim. */
export async function claimRewardsStep(
  source: RewardsSource | undefined,
  client: PublicClient,
  account: Address,
  intentIndex: number,
  protocol?: string,
): Promise<PlanStep> {
  if (protocol && protocol.toLowerCase() !== CLAIM_REWARDS_STEP.protocol) {
    throw new UnsupportedError(
      `I can claim Sextant's emission rewards ("claim my rewards"), not ${protocol}'s: there is no skill to claim rewards on ${protocol} yet.`,
    );
  }
  if (!source) {
    throw new UnsupportedError(
      'There is no reward token on this network, so there are no rewards to claim: set "rewardToken" in DATA_DIR/emissions.json.',
    );
  }
  let found: Awaited<ReturnType<RewardsSource>>;
  try {
    found = await source(account);
  } catch (error) {
    if (!(error instanceof SextantError)) throw error;
    throw new UnsupportedError(`Rewards cannot be claimed: ${error.message}${error.hint ? ` ${error.hint}` : ''}`);
  }
  const { token, rewards } = found;
  const open = rewards.filter((reward) => !reward.claimed && !reward.unavailable);
  const unavailable = rewards.filter((reward) => reward.unavailable);
  const [symbol, decimals] = await Promise.all([
    client.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
    client.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  const show = (amount: bigint) => `${formatUnits(amount, decimals)} ${symbol}`;
  if (open.length === 0) {
    if (unavailable.length > 0) {
      throw new UnsupportedError(
        `Your rewards cannot be claimed here: ${unavailable.map((r) => `epoch ${r.epoch} (${r.unavailable})`).join('; ')}.`,
      );
    }
    if (rewards.length === 0) {
      throw new UnsupportedError(`You have no rewards to claim: no settled epoch pays your account ${account}.`);
    }
    const claimed = rewards.map((r) => `epoch ${r.epoch} (${show(r.amount)})`).join(', ');
    throw new UnsupportedError(
      `Your rewards are already claimed: ${claimed}. Each distributor pays a claim once; there is nothing new to claim.`,
    );
  }
  const total = open.reduce((sum, reward) => sum + reward.amount, 0n);
  const epochs = open.map((reward) => reward.epoch);
  return {
    intentIndex,
    skillId: CLAIM_REWARDS_STEP.skillId,
    skillVersion: CLAIM_REWARDS_STEP.version,
    protocol: CLAIM_REWARDS_STEP.protocol,
    title: 'Claim rewards',
    summary: `Claim ${show(total)} of emission rewards (epoch${epochs.length > 1 ? 's' : ''} ${epochs.join(', ')})`,
    input: { epochs, amount: total.toString() },
    calls: open.map((reward) => reward.call),
    bounds: { gives: [], receives: [{ token, amount: total }] },
    approvals: [],
    quote: undefined,
    recipient: undefined,
    slippageBps: undefined,
  };
}
