import type { Address, PublicClient, RpcStateOverride } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import type { Approval, Arrival, AssetBounds, SkillCall, SkillReading } from '../../skills/sdk/define-skill.ts';
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
  /**
   * A step that uses what the step before it brought in ("…and supply it"): built with that step's
   * minimum, and run through the guard's forwardReceived with the amount actually received
   * (plan/guard.ts). `call` is the index in `calls` of the call that takes the amount, `offset` the
   * byte in its data where the amount is; `approvalCalls` is how many calls at the start of `calls`
   * approve its target for the minimum (the guard approves the target itself instead).
   */
  forward?: { token: Address; call: number; offset: number; minimum: bigint; approvalCalls: number } | undefined;
};

/**
 * The steps a plan takes on the chain a bridge in it goes to ("…and supply it to Aave there"), built
 * on that chain as it will be once the bridged funds arrive (`state`: the overrides that put them
 * there; `client` reads with them). They run there as a bundle of their own once every deposit of
 * the bridge to that chain is filled (smart-accounts/bridge-continuations.ts).
 */
export type DestinationLeg = {
  chain: Chain;
  client: PublicClient;
  state: RpcStateOverride;
  /** What the bridge steps declare arrives there, at least, and by when. */
  arrivals: Arrival[];
  steps: PlanStep[];
  prices: PriceBook;
};

/** What the planner makes of a message's intents. */
export type PlanDraft =
  /** `prices`: what the planner read (USD per token), for the preview and the policy to reuse. */
  | {
      kind: 'plan';
      intents: Intent[];
      steps: PlanStep[];
      readings: SkillReading[];
      prices: PriceBook;
      destination?: DestinationLeg;
    }
  | { kind: 'answer'; intents: Intent[]; readings: SkillReading[] }
  | { kind: 'clarify'; intents: Intent[]; question: string; field: string; intentIndex: number }
  | { kind: 'unsupported'; intents: Intent[]; reason: string };
