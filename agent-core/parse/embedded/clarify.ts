import { ACTION_VERB, questionFor as askFor } from '../../intents/requirements.ts';
import type { Intent } from '../../intents/schema.ts';
import type { AmountProblem } from './amounts.ts';

/** What the clause's reading found besides the intent, which the question may need. */
export type ClauseNotes = {
  /** The amount "all" was read from "my TOKEN" with no amount (interpret.ts allOfMine). */
  allOfMine?: boolean;
  /** The token came from the step before ("supply it"): its amount is what that step yields. */
  chained?: boolean;
  /** A 0x string that is not an address (wrong length). */
  badAddress?: string | undefined;
  /** An approval asked to be unlimited. */
  unlimited?: boolean;
  /** "buy ETH": the missing token is the one paid with. */
  buying?: boolean;
  /** Something written as the amount that does not read exactly ("-5", "1.5.5", "half ETH"). */
  amountProblem?: AmountProblem;
  /** More than one candidate recipient (or spender), as written: "alice", "0xBAD…". */
  parties?: string[];
  /** Parties after "from": the request would act from an account that is not the user's. */
  senders?: string[];
  /** Parties that are never the recipient ("from 0x…", "contract 0x…"), as written. */
  notPayees?: string[];
  /** "1 USDC each to alice and bob", "100 USDC split between alice and bob": one transfer per party. */
  distribute?: { mode: 'each' | 'split'; parties: string[] };
};

/** "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" → "0x5aAe…eAed" in a question. */
export function shortParty(raw: string): string {
  return /^0x[0-9a-fA-F]{40}$/.test(raw) ? `${raw.slice(0, 6)}…${raw.slice(-4)}` : raw;
}

/** The question for an amount that does not read exactly, ending with how to say it. */
export function amountQuestion(problem: AmountProblem, followUp: string): string {
  if (problem.sentence) return `${problem.sentence} ${followUp}`;
  return `I can't read "${problem.raw}" as an exact amount: ${problem.reason}. ${followUp}`;
}

/** The question for more than one candidate recipient or spender. */
export function partiesQuestion(intent: Intent, parties: readonly string[]): string {
  const listed = parties.map(shortParty).join(', ');
  if (intent.action === 'approve') {
    return `Your message names more than one possible spender (${listed}). Which one should be allowed to spend your ${intent.token ?? 'tokens'}?`;
  }
  const what = intent.amount && intent.token ? `${intent.amount} ${intent.token}` : 'it';
  return `Your message names more than one possible recipient (${listed}). Who should receive ${what}? To pay several, ask for one transfer each, like "send 1 USDC to alice and 1 USDC to bob".`;
}

/** The question for a request that names an account to act from ("send 1 USDC from 0x… to bob"). */
export function sendersQuestion(intent: Intent, senders: readonly string[]): string {
  const listed = senders.map(shortParty).join(', ');
  const example =
    intent.action === 'transfer' && intent.amount && intent.token
      ? `"send ${intent.amount} ${intent.token} to ${intent.recipient ?? 'bob'}"`
      : '"send 1 USDC to bob"';
  return `Your message says to act from ${listed}: I only ever act from your own account, never from another address or contact. If you meant your own account, please write the request again without "from", like ${example}.`;
}

/** One short question for the first thing the intent needs and lacks; undefined when it lacks nothing. */
export function questionFor(intent: Intent, notes: ClauseNotes = {}): string | undefined {
  const verb = ACTION_VERB[intent.action];
  const token = intent.token;
  const needsAmount = !intent.amount && !notes.chained;
  if (notes.senders) return sendersQuestion(intent, notes.senders);
  if (notes.parties && !intent.recipient && !intent.spender) return partiesQuestion(intent, notes.parties);
  if (notes.amountProblem && !intent.amount && !intent.amountOut) {
    const given = intent.action === 'swap' ? intent.tokenIn : token;
    const follow = given ? `How much ${given} do you want to ${verb}?` : `How much do you want to ${verb}?`;
    return amountQuestion(notes.amountProblem, follow);
  }
  if (notes.badAddress && !intent.recipient && !intent.spender && !intent.account) {
    const digits = notes.badAddress.length - 2;
    return `${notes.badAddress} is not a full address (it has ${digits} hex digits, an address has 40). Which address do you mean?`;
  }
  switch (intent.action) {
    case 'swap':
      if (!intent.tokenOut) return askFor(intent, 'tokenOut');
      if (!intent.tokenIn) return notes.buying ? 'Which token do you want to pay with?' : askFor(intent, 'tokenIn');
      if (needsAmount && !intent.amountOut) return askFor(intent, 'amount');
      return undefined;
    case 'transfer':
      if (!token) return askFor(intent, 'token');
      if (needsAmount) return askFor(intent, 'amount');
      if (!intent.recipient) return askFor(intent, 'recipient');
      return undefined;
    case 'transfer_nft':
      if (!intent.tokenId) return askFor(intent, 'tokenId');
      if (!intent.recipient) return askFor(intent, 'recipient');
      return undefined;
    case 'bridge':
      if (!token) return askFor(intent, 'token');
      if (needsAmount) return askFor(intent, 'amount');
      if (!intent.toChain) return askFor(intent, 'toChain');
      return undefined;
    case 'approve':
      if (!token) return askFor(intent, 'token');
      if (!intent.spender) return askFor(intent, 'spender');
      if (notes.unlimited) return `Unlimited approvals are not given: how much ${token} may ${intent.spender} spend?`;
      if (needsAmount) return askFor(intent, 'amount');
      return undefined;
    case 'price':
    case 'total_supply':
      return token ? undefined : askFor(intent, 'token');
    case 'balance':
    case 'claim_rewards':
      return undefined;
    case 'remove_liquidity':
      return needsAmount ? askFor(intent, 'amount') : undefined;
    default:
      if (!token) return askFor(intent, 'token');
      if (needsAmount) return askFor(intent, 'amount');
      return undefined;
  }
}
