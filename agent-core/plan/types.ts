import type { Address, PublicClient } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import type { SkillCatalog } from '../../skills/registry/catalog.ts';
import type { Approval, AssetBounds, SkillCall, SkillReading } from '../../skills/sdk/define-skill.ts';
import type { Intent } from '../intents/schema.ts';
import type { PriceBook } from './prices.ts';
import type { RewardsSource } from './rewards.ts';

export type PlannerContext = {
  chain: Chain;
  client: PublicClient;
  /** The user's smart account (counterfactual until its first operation). */
  account: Address;
  catalog: SkillCatalog;
  /** The user's address book. */
  lookupAddress: (label: string) => Address | undefined;
  /** The emission rewards the account can claim (claim_rewards); absent where none are settled. */
  rewards?: RewardsSource;
};

/** One step of a plan: one audited skill, its input, and the calls it built (approvals first). */
export type PlanStep = {
  intentIndex: number;
  skillId: string;
  skillVersion: string;
  protocol: string;
  title: string;
  summary: string;
  /** What the skill was given, after resolution (symbols, human amounts, 0x addresses). */
  input: Record<string, unknown>;
  calls: SkillCall[];
  bounds: AssetBounds;
  approvals: Approval[];
  quote: SkillReading | undefined;
  /** The address a transfer pays, for the new-recipient rule. */
  recipient: Address | undefined;
  slippageBps: number | undefined;
};

/** What the planner makes of a message's intents. */
export type PlanDraft =
  /** `prices`: what the planner read (USD per token), for the preview and the policy to reuse. */
  | { kind: 'plan'; intents: Intent[]; steps: PlanStep[]; readings: SkillReading[]; prices: PriceBook }
  | { kind: 'answer'; intents: Intent[]; readings: SkillReading[] }
  | { kind: 'clarify'; intents: Intent[]; question: string; field: string; intentIndex: number }
  | { kind: 'unsupported'; intents: Intent[]; reason: string };
