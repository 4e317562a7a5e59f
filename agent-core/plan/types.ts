import type { Address } from 'viem';
import type { Approval, AssetBounds, SkillCall, SkillReading } from '../../skills/sdk/define-skill.ts';
import type { Intent } from '../intents/schema.ts';
import type { PriceBook } from './prices.ts';

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
