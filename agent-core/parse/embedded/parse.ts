import type { IntentAction } from '../../../common/intent-actions.ts';
import { ACTION_VERB, missingField } from '../../intents/requirements.ts';
import type { Intent, ParseResult } from '../../intents/schema.ts';
import { addressProblem, foreignFamily } from '../address-forms.ts';
import { roleMarker } from '../numerals.ts';
import { unsupportedRequest } from './actions.ts';
import { formatAmount } from './amounts.ts';
import { chainDoubt } from './chain-doubt.ts';
import { amountQuestion, type ClauseNotes, partiesQuestion, questionFor, sendersQuestion } from './clarify.ts';
import { splitClauses } from './clauses.ts';
import { messageDoubt } from './doubts.ts';
import { withoutFraming } from './framing.ts';
import { interpretClause } from './interpret.ts';
import { markMinimum, markSlippage } from './limits.ts';
import { tokenize } from './normalize.ts';
import { isPartyWord } from './parties.ts';
import { type PriceCondition, readPriceCondition } from './price-condition.ts';
import { readSchedule } from './schedule.ts';
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
const isParty = (tag: Tag | undefined): boolean => isPartyWord(tag, isCommonWord);

const NO_TOKENS: ReadonlyMap<string, string> = new Map();

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
  return readEmbedded(text, options).result;
}

/**
 * The embedded reading, with `conflict` set (to the question asked) when the words themselves are
 * in doubt: an amount that does not read exactly, more than one candidate recipient or spender for
 * one request, a party to act from ("from 0x…"), or text imitating the assistant or the system.
 * Nothing a model reads from such words can be trusted either: the cross-check (parse-message.ts)
 * keeps this reading and its question. `parties`: every party the message names as a recipient, a
 * spender or a sender ("alice", "bob.eth", "0x…"), including those a request names more than one
 * of; `notPayees`: those that are never the recipient ("from 0x…", "(contract 0x…)", "token 0x…",
 * "on 0x…"). The grounding guard holds a model's reading to both.
 */
export function readEmbedded(
  text: string,
  options: EmbeddedParseOptions = {},
): { result: ParseResult; conflict?: string | undefined; parties: string[]; notPayees: string[] } {
  // "…if ETH goes above 3,300": the request is read without its condition, which is then put back on
  // the one swap that sells that token (a standing price order).
  const conditioned = readPriceCondition(text);
  if (conditioned.kind === 'price') return withCondition(conditioned.rest, conditioned.condition, options);
  // "…every day for 30 days": the request is read without its repetition, which is then put back on
  // it (a standing order); a repetition not said in full is asked about with nothing kept.
  const repeated = readSchedule(text);
  if (repeated.kind === 'unclear') {
    return {
      result: { intents: [], clarify: repeated.question, parser: 'embedded' },
      conflict: repeated.question,
      parties: [],
      notPayees: [],
    };
  }
  if (repeated.kind === 'none') return readOnce(text, options);
  const reading = readOnce(repeated.rest, options);
  const { intents, clarify, unsupported } = reading.result;
  if (intents.length === 0 || unsupported) return reading;
  if (intents.length > 1 || intents[0]?.action !== 'swap') {
    const question =
      'Only a single swap can repeat, as a standing order ("swap 50 USDC into ETH every day for 30 days"). Which one swap should repeat, or do you want this done once, now?';
    return { ...reading, result: { intents: [], clarify: question, parser: 'embedded' }, conflict: question };
  }
  for (const intent of intents) intent.schedule = repeated.schedule;
  return { ...reading, result: { ...reading.result, intents, ...(clarify ? { clarify } : {}) } };
}

function withCondition(
  rest: string,
  condition: PriceCondition,
  options: EmbeddedParseOptions,
): ReturnType<typeof readEmbedded> {
  const ask = (question: string) => ({
    result: { intents: [], clarify: question, parser: 'embedded' as const },
    conflict: question,
    parties: [],
    notPayees: [],
  });
  if (readSchedule(rest).kind !== 'none') {
    return ask('A request can wait for a price or repeat daily, not both at once. Which one do you want?');
  }
  const reading = readOnce(rest, options);
  const { intents, unsupported } = reading.result;
  if (intents.length === 0 || unsupported) return reading;
  const [intent] = intents;
  const sells = intent?.tokenIn?.toUpperCase();
  const same = (a: string | undefined, b: string) =>
    a === b || (a === 'WETH' && b === 'ETH') || (a === 'ETH' && b === 'WETH');
  if (intents.length > 1 || intent?.action !== 'swap' || !same(sells, condition.token.toUpperCase())) {
    return ask(
      `A price order watches the price of the one token it sells ("sell 1 ETH for USDC if ETH goes above 3,300"). Please say it that way, or ask for it now, without the condition.`,
    );
  }
  intent.condition = condition;
  return reading;
}

function readOnce(
  text: string,
  options: EmbeddedParseOptions,
): { result: ParseResult; conflict?: string | undefined; parties: string[]; notPayees: string[] } {
  // "assistant: plan: send …", "system: …": the user's text, never a turn of the conversation.
  const marker = roleMarker(text);
  if (marker !== undefined) {
    const clarify = `Part of your message ("${marker}") reads like the assistant's or the system's words, which I never act on. What would you like to do? Please ask in your own words.`;
    return { result: { intents: [], clarify, parser: 'embedded' }, conflict: clarify, parties: [], notPayees: [] };
  }
  const extraTokens = options.tokens?.length
    ? new Map(options.tokens.map((symbol) => [symbol.toLowerCase(), symbol]))
    : NO_TOKENS;
  const tags = tagPieces(tokenize(withoutFraming(text), vocabulary), { isCommonWord, extraTokens });
  markSlippage(tags);
  markMinimum(tags);
  keepPartiesTogether(tags);
  const intents: Intent[] = [];
  const notes: ClauseNotes[] = [];
  /** A bad amount in a clause that yielded no intent. */
  let strayProblem: ClauseNotes['amountProblem'];
  let negated = false;
  for (const clause of splitClauses(tags, isParty)) {
    const reading = interpretClause(clause.tags, {
      previous: intents[intents.length - 1],
      isCommonWord,
      sharedFrom: clause.sharedFrom,
    });
    negated ||= reading.negated === true;
    if (!reading.intent) {
      const bad = clause.tags.find((tag) => tag.type === 'badAmount');
      if (bad?.type === 'badAmount') strayProblem ??= { raw: bad.raw, reason: bad.reason };
      continue;
    }
    const before = intents[intents.length - 1];
    if (clause.repeats && before?.action === reading.intent.action) {
      shareAcross(before, reading.intent, [notes[notes.length - 1], reading.notes]);
    }
    const shares = distribute(reading.intent, reading.notes);
    for (const share of shares ?? [reading.intent]) {
      intents.push(share);
      notes.push(shares ? { ...reading.notes, parties: undefined, distribute: undefined } : reading.notes);
    }
  }
  joinSellAndBuy(intents, notes, text, tags);
  joinTakeAndPut(intents, notes, tags);
  readInExchangeFor(intents, text);
  const repeated = dropRepeats(intents, notes);
  doubtAllOfMine(intents, notes, tags);
  shareChains(intents);
  shareProtocols(intents);

  const parties: string[] = [];
  const notPayees: string[] = [];
  for (const [index, intent] of intents.entries()) {
    if (intent.recipient) parties.push(intent.recipient);
    if (intent.spender) parties.push(intent.spender);
    for (const party of notes[index]?.parties ?? []) parties.push(party);
    for (const party of notes[index]?.senders ?? []) parties.push(party);
    for (const party of notes[index]?.notPayees ?? []) notPayees.push(party);
  }
  // "I do not want to send…", "…when he delivers", "…but keep 0.1 for gas": the whole message's doubt.
  const found = intents.length > 0 ? messageDoubt(text, intents[0] && ACTION_VERB[intents[0].action]) : undefined;
  // A correction the words already put in doubt ("to alice, no wait 6": two amounts) is asked about
  // that way, more precisely.
  const doubt =
    found?.kind === 'corrected' && notes.some((note) => note.amountProblem || note.parties) ? undefined : found;
  if (doubt?.kind === 'negated' || doubt?.kind === 'later' || doubt?.kind === 'corrected') {
    return {
      result: { intents: [], clarify: doubt.question, parser: 'embedded' },
      conflict: doubt.question,
      parties,
      notPayees,
    };
  }
  // "to bob on devnet - l2", "on l2": a chain the words point at that the reading does not name.
  const chainQuestion = chainDoubt(text, intents);
  if (chainQuestion) {
    return {
      result: { intents: [], clarify: chainQuestion, parser: 'embedded' },
      conflict: chainQuestion,
      parties,
      notPayees,
    };
  }
  if (doubt?.kind === 'keep') {
    for (const intent of intents) {
      delete intent.amount;
      delete intent.amountOut;
    }
  }
  const conflict = conflictOf(intents, notes, strayProblem);
  if (conflict?.askAgain) {
    const result: ParseResult = { intents: [], clarify: conflict.question, parser: 'embedded' };
    return { result, conflict: conflict.question, parties, notPayees };
  }
  let clarify: string | undefined =
    doubt?.question ??
    (repeated
      ? 'You asked for the same thing twice; I read it once. If you want it done twice, ask again once this one is done.'
      : undefined);
  for (const [index, intent] of intents.entries()) {
    if (clarify) break;
    clarify = questionFor(intent, notes[index]);
  }
  // "estimate the gas for sending 1 ETH to …", "simulate a swap of …": a question about a request,
  // answered by its preview; said back so nobody takes it for an order.
  if (!clarify && intents.length > 0 && ESTIMATE_CUE.test(text) && ESTIMATE.test(text)) {
    clarify =
      'You asked what this would cost: its preview shows the simulated result and the fees, and nothing is sent unless you confirm it.';
  }
  // "send 5 USDC to 0xd8dA…6046" whose checksum fails: reported as typed, and asked about at once.
  clarify ??= partyProblemOf(intents, 'checksum');
  // "send 0.5 ethh to alice": read as written, and asked about (ETH?), never assumed either way.
  const typo = tags.find((tag) => tag.type === 'entity' && tag.entity.token?.typoOf);
  if (typo?.type === 'entity' && typo.entity.token?.typoOf) {
    clarify = `I don't know a token "${typo.raw}". Did you mean ${typo.entity.token.typoOf}? Please write the request again with the token's symbol as it is spelled.`;
  }
  let unsupported = partyProblemOf(intents, 'foreign');
  if (intents.length === 0 && !negated) {
    unsupported = unsupportedRequest(tags.flatMap((tag) => ('text' in tag ? [tag.text] : [])));
    if (!unsupported) clarify = nothingAsked(tags);
  }
  const result: ParseResult = {
    intents,
    ...(clarify ? { clarify } : {}),
    ...(unsupported ? { unsupported } : {}),
    parser: 'embedded',
  };
  return { result, conflict: conflict?.question ?? doubt?.question, parties, notPayees };
}

/**
 * "send 1 USDC each to alice and bob": one transfer of 1 USDC to each; "send 100 USDC split
 * between alice and bob": one of 50 to each, when the amount (a number, or dollars) divides
 * exactly. Undefined (the request asks who should receive it) otherwise.
 */
function distribute(intent: Intent, notes: ClauseNotes): Intent[] | undefined {
  const plan = notes.distribute;
  if (!plan || notes.senders || notes.amountProblem || intent.action !== 'transfer') return undefined;
  if (!intent.amount || !intent.token) return undefined;
  const dollars = intent.amount.startsWith('$');
  const value = dollars ? intent.amount.slice(1) : intent.amount;
  if (!/^\d+(?:\.\d+)?$/.test(value)) return undefined;
  const share = plan.mode === 'each' ? value : divideExactly(value, plan.parties.length);
  if (share === undefined) return undefined;
  const amount = dollars ? `$${share}` : share;
  return plan.parties.map((recipient) => ({ ...intent, amount, recipient }));
}

/** "100" / 2 → "50"; undefined unless the quotient is a decimal of at most 18 places, exactly. */
export function divideExactly(value: string, parts: number): string | undefined {
  const [whole = '0', fraction = ''] = value.split('.');
  const places = 18;
  if (fraction.length > places || parts < 1) return undefined;
  const scaled = BigInt(whole + fraction.padEnd(places, '0'));
  const divisor = BigInt(parts);
  if (scaled % divisor !== 0n) return undefined;
  const digits = (scaled / divisor).toString().padStart(places + 1, '0');
  const integer = digits.slice(0, -places);
  const decimals = digits.slice(-places).replace(/0+$/, '');
  return decimals ? `${integer}.${decimals}` : integer;
}

/**
 * The first doubt in the words, and whether the reading can keep its intents. It keeps them when
 * the intent in doubt lost the field in doubt and the planner will ask for exactly that field: the
 * recipient or spender (never taken from a step before), or the amount of the first step. Otherwise
 * (an amount in a later step, which the planner could take from the step before; a doubt in an
 * intent that needs no amount, or that already has one; a bad amount in no request) no intent is
 * kept, and the question is asked about the whole message.
 */
function conflictOf(
  intents: readonly Intent[],
  notes: readonly ClauseNotes[],
  strayProblem: ClauseNotes['amountProblem'],
): { question: string; askAgain: boolean } | undefined {
  const conflicts: { question: string; askAgain: boolean }[] = [];
  for (const [index, intent] of intents.entries()) {
    const note = notes[index] ?? {};
    if (note.senders) {
      conflicts.push({ question: sendersQuestion(intent, note.senders), askAgain: true });
    } else if (note.parties) {
      const missing = missingField(intent, index > 0);
      const question = partiesQuestion(intent, note.parties);
      conflicts.push({ question, askAgain: missing?.field !== 'recipient' && missing?.field !== 'spender' });
    } else if (note.amountProblem) {
      const missing = !intent.amount && !intent.amountOut ? missingField(intent, index > 0) : undefined;
      const question = missing ? questionFor(intent, note) : undefined;
      if (missing && question && (missing.field === 'amount' || index === 0))
        conflicts.push({ question, askAgain: false });
      else conflicts.push(askAgain(note.amountProblem));
    }
  }
  if (strayProblem) conflicts.push(askAgain(strayProblem));
  // One doubt that no kept intent would ask about is enough to keep none.
  for (const conflict of conflicts) if (conflict.askAgain) return conflict;
  return conflicts[0];
}

/** The question for an amount in doubt where no request can be kept: the whole request again. */
function askAgain(problem: NonNullable<ClauseNotes['amountProblem']>): { question: string; askAgain: boolean } {
  return {
    question: amountQuestion(problem, 'Please write the request again with the amount as a plain number, like 1000.5.'),
    askAgain: true,
  };
}

/** A question about what a request would cost or do, not the request itself. */
const ESTIMATE_CUE = /estimat|simulat|dry|cost|gas/i;
const ESTIMATE =
  /\b(?:estimate|estimating|estimation|simulate|simulating|simulation|dry[- ]?run|how\s+much\s+(?:gas|would\s+it\s+cost|will\s+it\s+cost|does\s+it\s+cost|is\s+the\s+(?:gas|fee))|what\s+(?:would|will)\s+it\s+cost|gas\s+(?:cost|fee|price)s?\s+(?:for|of|to))\b/i;

/** What joins two recipients: "to alice and bob", "to 0xA, 0xB". */
const PARTY_JOINS = new Set(['and', ',', '&', '+', 'plus', 'and also', 'as well as', 'then', 'and then']);
const TO_PARTY = new Set(['to', '->', 'towards', 'between', 'among', 'amongst']);

/**
 * "send 1 USDC to alice and bob": a separator between two parties after "to" joins them in one
 * request (which then names two recipients and asks), instead of ending the request at "alice".
 */
function keepPartiesTogether(tags: Tag[]): void {
  for (let i = 1; i < tags.length - 1; i++) {
    const tag = tags[i];
    if (tag?.type !== 'separator' || !PARTY_JOINS.has(tag.text)) continue;
    if (!isPartyWord(tags[i - 1], isCommonWord) || !isPartyWord(tags[i + 1], isCommonWord, true)) continue;
    let to = false;
    for (let j = i - 2; j >= 0 && j >= i - 6; j--) {
      const before = tags[j];
      if (before?.type === 'word' && TO_PARTY.has(before.text)) to = true;
      if (to || before?.type === 'verb' || before?.type === 'amount' || before?.type === 'separator') break;
    }
    if (to) tags[i] = { type: 'word', text: tag.text, raw: tag.text };
  }
}

const SHARED_FIELDS = ['protocol', 'chain', 'recipient', 'spender', 'tokenOut', 'toChain'] as const;

/**
 * "supply 100 USDC and 50 DAI to Aave": what one of a repeated pair names holds for both; never a
 * recipient or spender into a request that names more than one.
 */
function shareAcross(first: Intent, second: Intent, notes: readonly (ClauseNotes | undefined)[]): void {
  const inDoubt = notes.some((note) => note?.parties !== undefined);
  for (const field of SHARED_FIELDS) {
    if (inDoubt && (field === 'recipient' || field === 'spender')) continue;
    if (first[field] === undefined && second[field] !== undefined) first[field] = second[field];
    else if (second[field] === undefined && first[field] !== undefined) second[field] = first[field];
  }
}

/**
 * "sell 1000 USDT and buy ETH": one swap said in two halves. A swap that names only what it sells,
 * followed by one that names only what it buys (no amount of its own), is one swap.
 */
function joinSellAndBuy(intents: Intent[], notes: ClauseNotes[], text: string, tags: readonly Tag[]): void {
  // Only a message that is exactly the two halves, with nothing that could set them apart: a time
  // or a condition, a second chain or protocol, a party.
  if (intents.length !== 2 || CONDITIONS.test(text)) return;
  // "sell 1 WBTC and buy ETH and USDC": a third token named is a third thing asked.
  if (tags.filter((tag) => tag.type === 'entity' && tag.entity.token).length !== 2) return;
  const [sell, buy] = intents;
  if (sell?.action !== 'swap' || buy?.action !== 'swap') return;
  if (!sell.tokenIn || sell.tokenOut || sell.amountOut || sell.recipient) return;
  if (!buy.tokenOut || buy.tokenIn || buy.amount || buy.amountOut || buy.recipient) return;
  if ((buy.chain && buy.chain !== sell.chain) || (buy.protocol && buy.protocol !== sell.protocol)) return;
  if (notes.some((note) => note.parties || note.senders)) return;
  intents.splice(0, 2, {
    ...sell,
    tokenOut: buy.tokenOut,
    ...(buy.chain ? { chain: buy.chain } : {}),
    ...(buy.protocol ? { protocol: buy.protocol } : {}),
  });
  notes.splice(0, 2, { ...notes[1], ...notes[0] });
}

/**
 * "repay my USDC loan on compound and aave": "my USDC" is all of it in one place; a message naming
 * two protocols or two chains leaves the amount to be asked.
 */
function doubtAllOfMine(intents: Intent[], notes: readonly ClauseNotes[], tags: readonly Tag[]): void {
  if (!notes.some((note) => note.allOfMine)) return;
  const protocols = new Set(
    tags.flatMap((tag) => (tag.type === 'entity' && tag.entity.protocol ? [tag.entity.protocol.slug] : [])),
  );
  const chains = new Set(
    tags.flatMap((tag) =>
      tag.type === 'entity' && tag.entity.chain && !tag.entity.protocol ? [tag.entity.chain.slug] : [],
    ),
  );
  if (protocols.size < 2 && chains.size < 2) return;
  intents.forEach((intent, index) => {
    if (notes[index]?.allOfMine) delete intent.amount;
  });
}

/**
 * "take 0.8 ETH from mainnet and put it on arbitrum": funds taken from one chain and put on another,
 * with no protocol named, is a bridge said in two steps.
 */
function joinTakeAndPut(intents: Intent[], notes: ClauseNotes[], tags: readonly Tag[]): void {
  if (intents.length !== 2) return;
  const [take, put] = intents;
  if (take?.action !== 'withdraw' || put?.action !== 'supply') return;
  if (!take.chain || !put.chain || take.chain === put.chain || !take.token) return;
  if (put.token !== take.token || put.amount || tags.some((tag) => tag.type === 'entity' && tag.entity.protocol))
    return;
  const bridge: Intent = { action: 'bridge', token: take.token, chain: take.chain, toChain: put.chain };
  if (take.amount) bridge.amount = take.amount;
  intents.splice(0, 2, bridge);
  notes.splice(0, 2, { ...notes[1], ...notes[0] });
}

/**
 * "get me 100 UNI in exchange for USDC", "I need 200 USDT in exchange for ETH": what comes after "in
 * exchange for" is paid, and the amount is of what is wanted. ("swap 100 USDC in exchange for ETH",
 * with a verb that gives, is read as written.)
 */
function readInExchangeFor(intents: Intent[], text: string): void {
  if (!EXCHANGE_CUE.test(text)) return;
  const paid = /\bin\s+exchange\s+for\s+(?:my\s+|some\s+)?\$?([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?)/i.exec(
    text,
  )?.[1];
  if (!paid || GIVING_VERB.test(text.replace(/\bin\s+exchange\s+for\b/gi, ''))) return;
  for (const intent of intents) {
    if (intent.action !== 'swap' || intent.tokenOut?.toLowerCase() !== paid.toLowerCase()) continue;
    if (!intent.tokenIn || !intent.amount || intent.amountOut) continue;
    const { tokenIn, tokenOut, amount } = intent;
    intent.tokenIn = tokenOut;
    intent.tokenOut = tokenIn;
    intent.amountOut = amount;
    delete intent.amount;
  }
}

const EXCHANGE_CUE = /exchange/i;
const GIVING_VERB = /\b(?:swap|swapping|sell|selling|trade|trading|exchange|exchanging|convert|converting|dump)\b/i;

/** "…Then deposit all of it. Deposit all of it.": a request said twice in a row is read once. */
function dropRepeats(intents: Intent[], notes: ClauseNotes[]): boolean {
  let dropped = false;
  for (let i = intents.length - 1; i > 0; i--) {
    if (JSON.stringify(intents[i]) === JSON.stringify(intents[i - 1])) {
      intents.splice(i, 1);
      notes.splice(i, 1);
      dropped = true;
    }
  }
  return dropped;
}

/** Words that put a time or a condition between two steps. */
const CONDITIONS =
  /\b(?:if|when|whenever|once|unless|until|after|before|tomorrow|later|tonight|above|below|hits|reaches)\b|[.!?;]\s*\S/i;

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

function related(a: Intent, b: Intent): boolean {
  return FAMILIES.some((family) => family.includes(a.action) && family.includes(b.action));
}

/**
 * "supply 1 ETH to Aave and borrow 500 USDC", "repay 1000 USDC and withdraw 2 ETH from Aave": a
 * protocol named for one step holds for its neighbours of the same kind.
 */
function shareProtocols(intents: Intent[]): void {
  intents.forEach((intent, index) => {
    if (intent.protocol) return;
    const neighbour = [intents[index - 1], intents[index + 1]].find(
      (other) => other?.protocol && related(intent, other),
    );
    if (neighbour?.protocol) intent.protocol = neighbour.protocol;
  });
}

/**
 * Why a party the request names cannot be paid, of one kind: `foreign` ("send 1 SOL to 7EcD…", another
 * chain family's address, which Sextant cannot pay: the request is refused for what it is) or
 * `checksum` (a mixed-case 0x address whose checksum fails: asked about at once).
 */
function partyProblemOf(intents: readonly Intent[], kind: 'foreign' | 'checksum'): string | undefined {
  for (const intent of intents) {
    for (const party of [intent.recipient, intent.spender, intent.account]) {
      if (party === undefined || (foreignFamily(party) !== undefined) !== (kind === 'foreign')) continue;
      const problem = addressProblem(party);
      if (problem) return problem;
    }
  }
  return undefined;
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

/** Words an answer to "How much?" may carry besides the amount: "just 5", "make it 5 USDC please". */
const ANSWER_FILLER = new Set([
  'just',
  'only',
  'make',
  'it',
  'about',
  'exactly',
  'of',
  'my',
  'the',
  'yes',
  'then',
  'use',
  'send',
  'say',
  'lets',
  "let's",
  'do',
  'is',
  'amount',
]);

/**
 * The amount an answer to "How much …?" gives, in the schema's form ("5", "0.5", "50%", "all",
 * "$100"), read as a request's amount is read; undefined unless the answer is one amount that reads
 * exactly (with perhaps the token asked about and a few words around it): "-5", "1.5.5", "5 or 6",
 * "5 ETH" when USDC was asked about are not answers.
 */
export function readAmountAnswer(text: string, token?: string): string | undefined {
  if (roleMarker(text) !== undefined) return undefined;
  const tags = tagPieces(tokenize(text, vocabulary), { isCommonWord });
  let amount: Extract<Tag, { type: 'amount' }> | undefined;
  for (const [index, tag] of tags.entries()) {
    if (tag.type === 'amount') {
      if (amount || tag.amount.kind === 'bps') return undefined;
      amount = tag;
      const next = tags[index + 1];
      if (tag.amount.bare && next?.type === 'entity' && next.entity.token) return undefined;
      continue;
    }
    if (tag.type === 'entity' && tag.entity.token) {
      if (token !== undefined && tag.entity.token.symbol.toLowerCase() !== token.toLowerCase()) return undefined;
      continue;
    }
    const filler =
      (tag.type === 'word' && ANSWER_FILLER.has(tag.text)) ||
      (tag.type === 'verb' && tag.text === 'send') ||
      tag.type === 'punct' ||
      (tag.type === 'separator' && tag.text !== 'and');
    if (!filler) return undefined;
  }
  return amount ? formatAmount(amount.amount) : undefined;
}
