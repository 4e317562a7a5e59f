import type { Address } from 'viem';
import type { z } from 'zod';
import type { Token } from '../../common/chains/types.ts';
import type { Db } from '../../common/database.ts';
import type { SkillCatalog } from '../../skills/registry/catalog.ts';
import type { SkillReading } from '../../skills/sdk/define-skill.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import type { PendingClarify } from '../conversations/conversations.ts';
import type { ParseResult } from '../intents/schema.ts';
import type { RewardsSource } from '../plan/rewards.ts';
import type { PlanViewSchema } from '../plan/view.ts';

/**
 * How the agent parses a message: the embedded parser, Ollama, or either (session.ts, parse-message.ts).
 * The context is what grounding may trace words to: the user's earlier turns (only theirs: our own
 * replies must not ground a number the model invents), the token list and the address book.
 */
export type ParseFunction = (
  text: string,
  context: { conversation: string[]; tokens: Token[]; addressBook: { label: string; address: string }[] },
) => Promise<ParseResult & { notes?: string[] }>;

/** Everything the agent works with, for one chain. */
export type AgentDeps = {
  db: Db;
  env: ExecutionEnvironment;
  catalog: SkillCatalog;
  parse: ParseFunction;
  /** The emission rewards a user can claim ("claim my rewards"); absent where none are settled. */
  rewards?: RewardsSource;
  /**
   * Proposes a standing order the chat read (agent-core/orders: nothing signed or sent; only the user
   * grants it). Where the agent can run orders (the server with its passphrase); absent elsewhere, and
   * the chat names the command instead.
   */
  proposeStandingOrder?: (userId: string, request: StandingOrderRequest) => Promise<{ id: string; words: string }>;
};

/** A standing order as the chat reads it, in the fields POST /v1/orders takes (orders/routes.ts). */
export type StandingOrderRequest =
  | { kind: 'daily-swap'; amount: string; spend: string; buy: string; days: number }
  | {
      kind: 'price-swap';
      amount: string;
      spend: string;
      buy: string;
      days: number;
      when: { direction: 'above' | 'below'; price: string };
    }
  | { kind: 'repay-guard'; amount: string; asset: string; healthFactorBelow: string; days: number }
  | { kind: 'claim-rewards'; days: number };

/** One message from a user, as handleMessage takes it. */
export type MessageRequest = {
  userId: string;
  owner: Address;
  account: Address;
  conversationId?: string;
  text: string;
  /**
   * The front end or protocol endpoint the request came in through: its payout address, kept on the
   * plan for the emissions' community bucket. Anything but an address is an InvalidReferrerError.
   */
  referrer?: string;
  /** Told as each stage starts, for progress output (the server streams it). */
  onStage?: (stage: 'parsing' | 'planning' | 'simulating') => void;
};

/** A plan as the person sees it, as the API shows it (its schema: agent-core/plan/view.ts). */
export type PlanView = z.output<typeof PlanViewSchema>;

/** The assistant's answer to one message. */
export type AgentReply = {
  conversationId: string;
  parse: ParseResult;
  kind: 'plan' | 'answer' | 'clarify' | 'unsupported' | 'refused' | 'not-offered';
  /** What the assistant says, in one or two sentences. */
  text: string;
  plan: PlanView | undefined;
  readings: SkillReading[];
};

/** What a stage answers when the message goes no further: the reply's kind and words. */
export type Answer = {
  kind: AgentReply['kind'];
  text: string;
  plan?: PlanView;
  readings?: SkillReading[];
  /** The question asked, kept on the turn for the next message to fill (fill-clarify.ts). */
  pending?: PendingClarify;
};
