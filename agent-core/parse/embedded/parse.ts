import type { IntentAction } from '../../../common/intent-actions.ts';
import type { Intent, ParseResult } from '../../intents/schema.ts';
import { unsupportedRequest } from './actions.ts';
import { formatAmount, markMinimum, markSlippage } from './amounts.ts';
import { type ClauseNotes, questionFor } from './clarify.ts';
import { splitClauses } from './clauses.ts';
import { interpretClause } from './interpret.ts';
import { tokenize } from './normalize.ts';
import { type Tag, tagPieces } from './tags.ts';
import { buildVocabulary } from './vocabulary.ts';

/**
 * The embedded parser: rules and word lists, no model and no I/O, well under a millisecond a
 * message. It serves when no LLM is reachable, and it is the baseline the LLM parser is scored
 * against. Multi-step requests become intents in order; "it" takes the token the step before
 * yields, and its amount is left to the planner to chain.
 */

const vocabulary = buildVocabulary();
const isCommonWord = (text: string): boolean => vocabulary.keep.has(text) || vocabulary.known.has(text);

/** Words that make a message without a verb look like a request cut short. */
const REQUEST_WORDS = new Set([
  'want',
  'wanna',
  'need',
  'can',
  'could',
  'would',
  "i'd",
  'help',
  'like',
  'let',
  'please',
]);

export type EmbeddedParseOptions = {
  /**
   * Symbols of the chain's token list, recognised in any case ("send 5 foo to bob" when FOO is
   * listed); well-known tokens need no listing.
   */
  tokens?: readonly string[];
};

export function parseEmbedded(text: string, options: EmbeddedParseOptions = {}): ParseResult {
  const extraTokens = new Map((options.tokens ?? []).map((symbol) => [symbol.toLowerCase(), symbol]));
  const tags = tagPieces(tokenize(text, vocabulary), { isCommonWord, extraTokens });
  markSlippage(tags);
  markMinimum(tags);
  const intents: Intent[] = [];
  const notes: ClauseNotes[] = [];
  let negated = false;
  for (const clause of splitClauses(tags)) {
    const reading = interpretClause(clause.tags, { previous: intents[intents.length - 1], isCommonWord });
    negated ||= reading.negated === true;
    if (!reading.intent) continue;
    const before = intents[intents.length - 1];
    if (clause.repeats && before?.action === reading.intent.action) shareAcross(before, reading.intent);
    intents.push(reading.intent);
    notes.push(reading.notes);
  }
  shareChains(intents);
  shareProtocols(intents);
  let clarify: string | undefined;
  for (const [index, intent] of intents.entries()) {
    clarify = questionFor(intent, notes[index]);
    if (clarify) break;
  }
  let unsupported: string | undefined;
  if (intents.length === 0 && !negated) {
    unsupported = unsupportedRequest(tags.flatMap((tag) => ('text' in tag ? [tag.text] : [])));
    if (!unsupported) clarify = nothingAsked(tags);
  }
  return { intents, ...(clarify ? { clarify } : {}), ...(unsupported ? { unsupported } : {}), parser: 'embedded' };
}

const SHARED_FIELDS = ['protocol', 'chain', 'recipient', 'spender', 'tokenOut', 'toChain'] as const;

/** "supply 100 USDC and 50 DAI to Aave": what one of a repeated pair names holds for both. */
function shareAcross(first: Intent, second: Intent): void {
  for (const field of SHARED_FIELDS) {
    if (first[field] === undefined && second[field] !== undefined) first[field] = second[field];
    else if (second[field] === undefined && first[field] !== undefined) second[field] = first[field];
  }
}

/**
 * A chain named once holds for the whole message ("supply 0.2 ETH and borrow wBTC on Taiko"); after
 * a bridge, the next steps happen where the funds arrived.
 */
function shareChains(intents: Intent[]): void {
  const named = intents.map((intent) => intent.chain);
  intents.forEach((intent, index) => {
    if (intent.chain) return;
    const before = intents[index - 1];
    if (before?.action === 'bridge' && before.toChain) {
      intent.chain = before.toChain;
      return;
    }
    const earlier = named.slice(0, index).reverse().find(Boolean);
    const later = named.slice(index + 1).find(Boolean);
    const chain = earlier ?? later;
    if (chain && !(intent.action === 'bridge' && chain === intent.toChain)) intent.chain = chain;
  });
}

const FAMILIES: readonly (readonly IntentAction[])[] = [
  ['supply', 'withdraw', 'borrow', 'repay', 'claim_rewards'],
  ['stake', 'unstake', 'claim_rewards'],
  ['swap', 'add_liquidity', 'remove_liquidity', 'claim_rewards'],
];

/**
 * "supply 1 ETH to Aave and borrow 500 USDC", "repay 1000 USDC and withdraw 2 ETH from Aave": a
 * protocol named for one step holds for its neighbours of the same kind.
 */
function shareProtocols(intents: Intent[]): void {
  const related = (a: Intent, b: Intent) =>
    FAMILIES.some((family) => family.includes(a.action) && family.includes(b.action));
  intents.forEach((intent, index) => {
    if (intent.protocol) return;
    const neighbour = [intents[index - 1], intents[index + 1]].find(
      (other) => other?.protocol && related(intent, other),
    );
    if (neighbour?.protocol) intent.protocol = neighbour.protocol;
  });
}

/** A message with no request: a question back when it names something to act on, else nothing. */
function nothingAsked(tags: readonly Tag[]): string | undefined {
  const amount = tags.find((tag) => tag.type === 'amount');
  const token = tags.find(
    (tag) =>
      tag.type === 'entity' &&
      tag.entity.token &&
      (tag.capitals || (!tag.entity.protocol && !tag.entity.token.ambiguous)),
  );
  if (token?.type === 'entity') {
    const what = amount?.type === 'amount' ? `${formatAmount(amount.amount)} ${token.raw}` : token.raw;
    return `What would you like to do with ${what}?`;
  }
  const asking = tags.some((tag) => (tag.type === 'word' || tag.type === 'verb') && REQUEST_WORDS.has(tag.text));
  if (asking || amount) {
    return 'What would you like to do? For example: swap, send, supply, borrow, stake or bridge a token.';
  }
  return undefined;
}
