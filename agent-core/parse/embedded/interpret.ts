import type { Intent } from '../../intents/schema.ts';
import { shiftDecimal } from '../numerals.ts';
import { resolveAction, type Verb } from './actions.ts';
import { type Amount, formatAmount } from './amounts.ts';
import type { ClauseNotes } from './clarify.ts';
import { mainVerb } from './clauses.ts';
import { EVERYDAY_WORDS as COMMON } from './common-words.ts';
import { protocolBySlug, TOKENS, tokenBySymbol } from './lexicon.ts';
import {
  type ChainMention,
  chainMentions,
  familyOf,
  protocolMention,
  type Reading,
  readEntities,
  sourceAndTarget,
  type TokenMention,
  tokenMentions,
  word,
} from './mentions.ts';
import { accountOf, type Party, recipientOf, spenderOf } from './parties.ts';
import type { Tag } from './tags.ts';

/**
 * Reads one clause as one intent: picks the verb, reads the names in its light, finds who and what
 * the clause is about, lets the context decide the action, and fills the intent's fields.
 */

/** One clause read as one intent, with what the question (if any) needs to know. */
export type ClauseReading = { intent?: Intent; notes: ClauseNotes; negated?: boolean };

export type InterpretContext = {
  /** The intent of the clause before, whose result "it" refers to. */
  previous?: Intent | undefined;
  isCommonWord: (text: string) => boolean;
  /** Where the words shared from the next request start (Clause.sharedFrom). */
  sharedFrom?: number | undefined;
};

const NEGATIONS = new Set(["don't", 'dont', 'not', 'never', "doesn't", "shouldn't", "won't", 'stop']);
const PRONOUNS = new Set(['it', 'them', 'those', 'these', 'that', 'this', 'proceeds', 'output', 'result']);
const NFT_WORDS = new Set(['nft', 'nfts', 'erc721', 'erc-721', 'erc1155', 'erc-1155', 'tokenid']);
const ID_WORDS = new Set(['id', 'number', 'no', 'num', '#']);
const DEBT_WORDS = new Set(['loan', 'loans', 'debt', 'debts', 'borrowed', 'borrow', 'borrowing']);
const LIQUIDITY_WORDS = new Set(['liquidity', 'lp', 'lps']);
const PERMISSION_WORDS = new Set(['permission', 'allowance', 'approval', 'permissions']);
const UNLIMITED_WORDS = new Set(['unlimited', 'infinite', 'infinity', 'uncapped']);
const HOLD_WORDS = new Set(['have', 'own', 'hold', 'got', 'holding', 'owned', 'left', 'balance']);
const PRICE_WORDS = new Set(['is', 'are', 'worth', 'cost', 'costs', 'price', 'trading', 'going', 'get', 'receive']);
const SWAP_LINKS = new Set(['to', '->', 'into']);

const hasAny = (texts: ReadonlySet<string>, words: ReadonlySet<string>) => [...texts].some((text) => words.has(text));

/** The token the step before yields: what "it" is in "swap ETH to USDC and supply it". */
export function outputOf(intent: Intent): string | undefined {
  switch (intent.action) {
    case 'swap':
      return intent.tokenOut;
    case 'wrap': {
      const token = intent.token?.toLowerCase();
      return TOKENS.find((entry) => entry.derivation === 'wrap' && entry.underlying?.toLowerCase() === token)?.symbol;
    }
    case 'unwrap':
    case 'unstake':
      return (intent.token && tokenBySymbol(intent.token)?.underlying) ?? intent.token;
    case 'stake':
      return intent.protocol ? protocolBySlug(intent.protocol)?.receipt : undefined;
    case 'supply':
      return intent.protocol === 'maker' && intent.token?.toUpperCase() === 'DAI' ? 'sDAI' : intent.token;
    case 'balance':
    case 'price':
    case 'total_supply':
    case 'transfer_nft':
      return undefined;
    default:
      return intent.token;
  }
}

type ChosenVerb = { verb: Verb; index: number; text: string; strength: number };

/** "how much ETH do I have" asks a balance; "how much is ETH" a price; "how many exist" a supply. */
function resolveHowMuch(texts: ReadonlySet<string>, tags: readonly Tag[]): Verb {
  if (
    texts.has('in circulation') ||
    texts.has('exist') ||
    texts.has('minted') ||
    texts.has('issued') ||
    (texts.has('total') && !texts.has('my'))
  )
    return 'totalSupply';
  // "how much ETH is in 0x…", "how much USDC does vitalik.eth have": a holding, never a price.
  if (tags.some((tag) => tag.type === 'address' || tag.type === 'ens')) return 'balance';
  // "how much is my DEGEN worth?", "how much is my wallet worth?": what I hold, valued.
  if (texts.has('my') && !texts.has('price')) return 'balance';
  if (hasAny(texts, HOLD_WORDS)) return 'balance';
  if (hasAny(texts, PRICE_WORDS)) return 'price';
  return 'balance';
}

/** The clause's verb, with the turns of phrase that change what it means; "negated" for "don't swap". */
function chooseVerb(tags: readonly Tag[], texts: ReadonlySet<string>): ChosenVerb | 'negated' | undefined {
  const main = mainVerb(tags);
  let chosen: ChosenVerb | undefined;
  if (main) {
    const index = tags.indexOf(main);
    if ([tags[index - 1], tags[index - 2]].some((tag) => NEGATIONS.has(word(tag) ?? ''))) return 'negated';
    let verb = main.verb === 'howMuch' ? resolveHowMuch(texts, tags) : main.verb;
    let at = index;
    // "execute a trade to buy 100 USDC with ETH": the buying says which side the amount is on.
    if (verb === 'swap') {
      const buying = tags.findIndex(
        (tag, i) => i > index && tag.type === 'verb' && tag.verb === 'buy' && tag.strength === 0,
      );
      if (buying > index) {
        verb = 'buy';
        at = buying;
      }
    }
    chosen = { verb, index: at, text: main.text, strength: main.strength };
  } else if (texts.has('spend') && (texts.has('let') || texts.has('allow'))) {
    // "let uniswap spend my USDC"
    const index = tags.findIndex((tag) => word(tag) === 'let' || word(tag) === 'allow');
    chosen = { verb: 'approve', index, text: 'let', strength: 0 };
  } else if (impliesSwap(tags)) {
    // "1 eth to usdc", "eth -> usdc 0.5": a swap, said without the verb.
    chosen = { verb: 'swap', index: -1, text: '', strength: 0 };
  } else if (impliesSend(tags)) {
    // "0.5 ETH -> alice.eth": an amount of a token, an arrow, an address or ENS name.
    chosen = { verb: 'send', index: -1, text: '', strength: 0 };
  }
  if (!chosen) return undefined;
  const { verb, text } = chosen;
  // "give Aave permission to use 500 DAI" grants an allowance; it sends nothing.
  if (verb === 'send' && hasAny(texts, PERMISSION_WORDS)) chosen.verb = 'approve';
  // "pay it back", "pay my debt", "return the USDC I borrowed": repayments.
  const payBack = text === 'pay' && (texts.has('back') || texts.has('off'));
  if (verb === 'send' && (payBack || (hasAny(texts, DEBT_WORDS) && ['pay', 'paying', 'return'].includes(text)))) {
    chosen.verb = 'repay';
  }
  // "take a 5000 USDC loan": a borrow.
  if ((verb === 'withdraw' || verb === 'buy') && texts.has('loan')) chosen.verb = 'borrow';
  return chosen;
}

/** A token by name, not a protocol or a chain that shares it. */
function isToken(tag: Tag | undefined): boolean {
  return (
    tag?.type === 'entity' &&
    tag.entity.token !== undefined &&
    !tag.entity.protocol &&
    (!tag.entity.chain || tag.entity.chain.token !== undefined)
  );
}

/** Two tokens joined by "to"/"->"/"into", with no verb: "1 eth to usdc". */
function impliesSwap(tags: readonly Tag[]): boolean {
  return tags.some(
    (tag, index) => isToken(tag) && SWAP_LINKS.has(word(tags[index + 1]) ?? '') && isToken(tags[index + 2]),
  );
}

/**
 * A whole clause of an amount, a token, "->" and a full address or ENS name: "0.5 ETH -> alice.eth".
 * Nothing else: with any other word ("don't", "received", "tomorrow", "if …") it is not an order.
 */
function impliesSend(tags: readonly Tag[]): boolean {
  const words = tags.filter((tag) => tag.type !== 'separator' && !(tag.type === 'punct' && tag.text !== '->'));
  const [amount, token, arrow, party] = words;
  return (
    words.length === 4 &&
    amount?.type === 'amount' &&
    isToken(token) &&
    word(arrow) === '->' &&
    ((party?.type === 'address' && party.valid && !party.family) || party?.type === 'ens')
  );
}

/** Where the NFT's id is: a "#1234", or a number after "id"/"number" or after the collection's name. */
function nftIdOf(tags: readonly Tag[], readings: readonly (Reading | undefined)[]): number | undefined {
  const hash = tags.findIndex((tag) => tag.type === 'nftId');
  if (hash >= 0) return hash;
  for (let index = 1; index < tags.length; index++) {
    const tag = tags[index];
    if (tag?.type !== 'amount' || tag.amount.kind !== 'number' || !/^\d+$/.test(tag.amount.value)) continue;
    if (ID_WORDS.has(word(tags[index - 1]) ?? '') || readings[index - 1] === 'nft') return index;
  }
  return undefined;
}

/** "send 5 USDC to bob": one of viem's chain names the clause does not read as a chain is a word. */
function asWordsWhereUnread(tags: readonly Tag[], readings: readonly (Reading | undefined)[]): readonly Tag[] {
  let result: Tag[] | undefined;
  for (let at = 0; at < tags.length; at++) {
    const tag = tags[at];
    if (tag?.type !== 'entity' || readings[at] !== undefined || tag.entity.chain?.strict !== true) continue;
    result ??= [...tags];
    result[at] = { type: 'word', text: tag.text, raw: tag.raw };
  }
  return result ?? tags;
}

/** Everything the clause says, read in the light of its verb. */
type ClauseFacts = {
  tags: readonly Tag[];
  texts: ReadonlySet<string>;
  chosen: ChosenVerb;
  readings: (Reading | undefined)[];
  nftIdIndex: number | undefined;
  recipient: ReturnType<typeof recipientOf> | undefined;
  spender: Party | undefined;
  /** More than one candidate spender, as written. */
  spenderConflict: string[] | undefined;
  account: Party | undefined;
  mentions: TokenMention[];
  /** Token mentions not inside a floor ("at least 4000 USDT"). */
  usable: TokenMention[];
  source?: TokenMention | undefined;
  target?: TokenMention | undefined;
  protocol: ReturnType<typeof protocolMention>;
  chains: ChainMention[];
  /** The first amount attached to no token: "pull out everything", "send 50 to bob". */
  looseAmount: Amount | undefined;
};

function readClause(
  clauseTags: readonly Tag[],
  texts: ReadonlySet<string>,
  chosen: ChosenVerb,
  context: InterpretContext,
) {
  const { verb, index } = chosen;
  const family = familyOf(verb);
  const readings = readEntities(clauseTags, family, verb);
  // "send 5 USDC to bob": one of viem's chain names after "to", outside a bridge, is a name.
  const tags = asWordsWhereUnread(clauseTags, readings);
  const nftIdIndex = nftIdOf(tags, readings);
  const approving = verb === 'approve' || verb === 'revoke';
  // Who the clause names comes first: an address after "to" is a recipient, not a token.
  const recipient =
    approving || verb === 'balance'
      ? undefined
      : recipientOf(tags, index, {
          sharedFrom: context.sharedFrom,
          labels: family === 'send',
          isCommonWord: context.isCommonWord,
          tokenNamed: readings.includes('token'),
          // In a trade an address is a token ("swap 1 ETH to 0x6B17…"), unless two tokens are named by symbol.
          addressesAreTokens: family === 'trade' && readings.filter((reading) => reading === 'token').length < 2,
        });
  const spender = approving ? spenderOf(tags, index, context.isCommonWord, context.sharedFrom) : undefined;
  const account = verb === 'balance' ? accountOf(tags, context.isCommonWord) : undefined;
  const used = new Set([...(recipient?.used ?? []), ...(spender?.used ?? []), ...(account?.used ?? [])]);
  const { mentions, attached } = tokenMentions(tags, readings, verb, (at) => !used.has(at));
  const nftNumber = nftIdIndex !== undefined && family === 'send' ? nftIdIndex : -1;
  const looseAmount = tags.flatMap((tag, at) =>
    tag.type === 'amount' && !attached.has(at) && at !== nftNumber && !tag.amount.weak && tag.amount.kind !== 'bps'
      ? [tag.amount]
      : [],
  )[0];
  const facts: ClauseFacts = {
    tags,
    texts,
    chosen,
    readings,
    nftIdIndex,
    recipient,
    spender: spender?.spender,
    spenderConflict: spender?.conflict,
    account: account?.account,
    mentions,
    usable: mentions.filter((mention) => !mention.floor),
    ...sourceAndTarget(mentions, verb),
    protocol: protocolMention(tags, readings),
    chains: chainMentions(tags, readings),
    looseAmount,
  };
  return facts;
}

export function interpretClause(tags: readonly Tag[], context: InterpretContext): ClauseReading {
  const notes: ClauseNotes = {};
  const texts = new Set(tags.flatMap((tag) => (tag.type === 'word' || tag.type === 'verb' ? [tag.text] : [])));
  const chosen = chooseVerb(tags, texts);
  if (chosen === 'negated') return { notes, negated: true };
  if (!chosen) return { notes };
  const facts = readClause(tags, texts, chosen, context);
  // "I need help", "get going": a weak verb asks for a token, or for nothing.
  if (chosen.strength >= 2 && chosen.verb === 'buy' && !facts.readings.includes('token')) return { notes };

  const { verb } = chosen;
  const action = resolveAction(verb, {
    protocolKind: facts.protocol?.entry.kind,
    source: facts.source?.entry,
    target: facts.target?.entry,
    liquidity: hasAny(texts, LIQUIDITY_WORDS),
    nft:
      (familyOf(verb) === 'send' || verb === 'approve') &&
      (facts.readings.includes('nft') ||
        tags.some((tag) => tag.type === 'nftId') ||
        hasAny(texts, NFT_WORDS) ||
        (facts.nftIdIndex !== undefined && tags[facts.nftIdIndex - 1]?.type !== 'entity')),
    toChain: facts.chains.some((chain) => chain.role === 'to'),
    recipient: facts.recipient?.recipient !== undefined,
    debt: hasAny(texts, DEBT_WORDS),
  });
  if (!action) return { notes };

  const intent: Intent = { action };
  const carried = context.previous ? outputOf(context.previous) : undefined;
  if (action === 'swap') fillSwap(intent, facts, carried, notes);
  else if (action === 'transfer_nft') fillNft(intent, facts);
  else fillAsset(intent, facts, carried, notes);
  fillPartiesAndPlace(intent, facts, notes);
  if (action === 'bridge') askIfPaidAfterChain(facts, notes);
  checkAmounts(intent, facts, notes);
  return { intent, notes };
}

/** Words that may follow a destination chain without naming anyone: "… to arbitrum please", "… to base for me". */
const AFTER_CHAIN_FILLER = new Set([
  'please',
  'pls',
  'plz',
  'thanks',
  'thank',
  'thx',
  'ty',
  'now',
  'asap',
  'today',
  'chain',
  'network',
  'mainnet',
  'l2',
  'there',
  'then',
  'and',
  'for',
  'me',
  'my',
  'myself',
  'account',
  'wallet',
  'too',
  'also',
  'with',
  'via',
  'using',
  'through',
  'across',
  'bridge',
  'quickly',
  'fast',
  'same',
  'address',
  'it',
  'them',
  'from',
  'on',
  'to',
  'into',
  'onto',
  'at',
  'in',
  'over',
  'by',
  'so',
  'before',
  'after',
  'if',
  'when',
  'but',
  'or',
  'the',
  'a',
  'an',
  'side',
]);

/** Words between a chain and the person they point at: "wallet of bob", "for my friend bob". */
const WHOSE_WORDS = new Set(['of', 'my', 'our', 'his', 'her', 'their']);
/** Words for a person: a party whoever they are ("… to devnet l2 mom"). */
const PERSON_WORDS = new Set([
  'mom',
  'mum',
  'dad',
  'mother',
  'father',
  'wife',
  'husband',
  'brother',
  'sister',
  'son',
  'daughter',
  'friend',
  'colleague',
  'boss',
  'partner',
  'girlfriend',
  'boyfriend',
  'uncle',
  'aunt',
  'cousin',
]);

/**
 * "send 5 usdc to arbitrum bob", "… to devnet, 0xB0B…": a payment verb read as a bridge because a
 * chain follows "to", with someone named right after the chain. Whether the user meant their own
 * account there or bob is not clear: both are noted as candidate recipients, so the message is asked
 * about rather than bridged with the name dropped.
 */
function askIfPaidAfterChain(facts: ClauseFacts, notes: ClauseNotes): void {
  const { tags } = facts;
  const to = facts.chains.find((chain) => chain.role === 'to');
  if (!to) return;
  let next = to.index + 1;
  // "… to devnet, bob": past a comma only; a full stop ends what the clause says about the chain.
  while (tags[next]?.type === 'punct' && word(tags[next]) === ',') next++;
  // "… to devnet l2 for bob", "… via bob": past filler words too, to the first word that is not one
  // (an everyday word there, "what is the best way", ends the search: it names no one).
  const first = next;
  // "… for my friend bob", "… wallet of bob", "… to devnet l2 mom": past the words that say whose, to
  // the person they point at; a word for a person is a party in its own right.
  const skippable = (text: string) => AFTER_CHAIN_FILLER.has(text) || WHOSE_WORDS.has(text);
  while (tags[next]?.type === 'word' && skippable(word(tags[next])?.toLowerCase() ?? '')) {
    if (PERSON_WORDS.has(word(tags[next])?.toLowerCase() ?? '')) break;
    next++;
  }
  const tag = tags[next];
  const text = tag?.type === 'word' ? tag.text.toLowerCase() : '';
  const named =
    (tag?.type === 'address' || tag?.type === 'ens') && next === first
      ? tag.raw
      : tag?.type === 'word' &&
          /^[a-z][\w.-]*$/i.test(tag.raw) &&
          (PERSON_WORDS.has(text) || (!AFTER_CHAIN_FILLER.has(text) && !COMMON.has(text)))
        ? tag.raw
        : // "… to devnet l2 BOB": a ticker written after the chain, when the token is already given, names
          // no second token: it is read as someone's name.
          tag?.type === 'entity' && tag.entity.token && facts.chains.every((chain) => chain.index !== next)
          ? tag.raw
          : undefined;
  if (named) notes.parties = [`${to.slug} (your own account there)`, named];
}

/**
 * An amount read exactly or asked about: what does not read ("-5", "1.5.5") is noted; "half ETH"
 * (half of the balance, or 0.5?) and "2 ETH worth of USDC" outside a swap of ETH for USDC (an
 * amount of one token measured in another) lose the amount they were read as, and are asked about.
 */
function checkAmounts(intent: Intent, facts: ClauseFacts, notes: ClauseNotes): void {
  const { tags, readings } = facts;
  let worth = false;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (tag?.type === 'badAmount') notes.amountProblem ??= { raw: tag.raw, reason: tag.reason };
    worth ||= isWorth(tag);
    const next = tags[i + 1];
    if (tag?.type !== 'amount' || !tag.amount.bare || readings[i + 1] !== 'token' || next?.type !== 'entity') continue;
    const symbol = next.entity.token?.symbol ?? next.raw;
    const share = tag.amount.raw ?? 'half';
    notes.amountProblem ??= {
      raw: `${share} ${next.raw}`,
      reason: `it could mean ${share} of your ${symbol} or ${shiftDecimal(tag.amount.value, -2)} ${symbol}`,
    };
    dropAmounts(intent);
  }
  // "send 5 USDC to bob 10 USDC", "pay 5 USDC to bob in 2 days": which amount?
  if (intent.action === 'transfer' || intent.action === 'approve') {
    const written: Amount[] = [];
    for (const mention of facts.usable) {
      if (mention.amount && mention.marker !== 'collateral') written.push(mention.amount);
    }
    if (facts.looseAmount && written.length > 0) written.push(facts.looseAmount);
    if (written.length > 1 && written.some((amount) => formatAmount(amount) !== formatAmount(written[0] as Amount))) {
      const raw = written.map((amount) => `"${amount.raw ?? formatAmount(amount)}"`).join(', ');
      notes.amountProblem ??= {
        raw,
        reason: 'one request has more than one amount',
        sentence: `Your request has more than one amount (${raw}).`,
      };
      dropAmounts(intent);
    }
  }
  const counted = worth ? worthOf(tags, readings) : undefined;
  if (!counted) return;
  const exact =
    intent.action === 'swap' &&
    intent.tokenIn === counted.measure &&
    intent.tokenOut === counted.token &&
    intent.amount === counted.value;
  if (exact) return;
  dropAmounts(intent);
  if (intent.action === 'swap') {
    if (intent.tokenOut !== counted.token) intent.tokenIn = counted.token;
  } else if (intent.token !== undefined || intent.action === 'transfer') intent.token = counted.token;
  notes.amountProblem ??= {
    raw: counted.raw,
    reason: `it is an amount of ${counted.token} counted in ${counted.measure}; give it in ${counted.token} or in dollars ("$100")`,
  };
}

function dropAmounts(intent: Intent): void {
  delete intent.amount;
  delete intent.amountOut;
}

const WORTH_SKIP = new Set(['my', 'the', 'your', 'our', 'some']);

/** The symbol of the token named at `index`, if the clause reads a token there. */
function symbolAt(tags: readonly Tag[], readings: readonly (Reading | undefined)[], index: number): string | undefined {
  const tag = tags[index];
  return readings[index] === 'token' && tag?.type === 'entity' ? tag.entity.token?.symbol : undefined;
}

function isWorth(tag: Tag | undefined): boolean {
  return (tag?.type === 'verb' || tag?.type === 'word') && tag.text === 'worth';
}

/** "2 ETH worth of USDC", "USDC worth 2 ETH": an amount of `token` counted in `measure`. */
function worthOf(
  tags: readonly Tag[],
  readings: readonly (Reading | undefined)[],
): { raw: string; value: string; measure: string; token: string } | undefined {
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (tag?.type !== 'amount' || tag.amount.kind !== 'number') continue;
    const measure = symbolAt(tags, readings, i + 1);
    if (measure === undefined) continue;
    // "2 ETH worth of USDC"
    if (isWorth(tags[i + 2]) && word(tags[i + 3]) === 'of') {
      let j = i + 4;
      while (WORTH_SKIP.has(word(tags[j]) ?? '')) j++;
      const token = symbolAt(tags, readings, j);
      if (token !== undefined && token !== measure) {
        return {
          raw: `${tag.amount.raw ?? tag.amount.value} ${measure} worth of ${token}`,
          value: tag.amount.value,
          measure,
          token,
        };
      }
    }
    // "USDC worth 2 ETH"
    const token = symbolAt(tags, readings, i - 2);
    if (isWorth(tags[i - 1]) && token !== undefined && token !== measure) {
      return {
        raw: `${token} worth ${tag.amount.raw ?? tag.amount.value} ${measure}`,
        value: tag.amount.value,
        measure,
        token,
      };
    }
  }
  return undefined;
}

/** tokenIn, tokenOut and their amounts; "it" is what the step before yields. */
function fillSwap(intent: Intent, facts: ClauseFacts, carried: string | undefined, notes: ClauseNotes): void {
  const { source, target, usable, mentions, looseAmount, chosen } = facts;
  let tokenIn = source?.symbol;
  let tokenOut = target?.symbol;
  if (carried && !source) {
    tokenIn = carried;
    tokenOut ??= usable.find((mention) => mention.symbol.toLowerCase() !== carried.toLowerCase())?.symbol;
  }
  // "swap 2 ETH, at least 6000 USDC": the floor names the token bought.
  tokenOut ??= mentions.find((mention) => mention.floor && mention.symbol !== tokenIn)?.symbol;
  if (tokenIn) intent.tokenIn = tokenIn;
  if (tokenOut) intent.tokenOut = tokenOut;
  const inAmount = source && source.symbol === tokenIn ? source.amount : undefined;
  const outAmount = target && target.symbol === tokenOut ? target.amount : undefined;
  if (inAmount) intent.amount = formatAmount(inAmount);
  if (outAmount?.kind === 'number') intent.amountOut = outAmount.value;
  else if (outAmount?.kind === 'usd' && !intent.amount) intent.amount = formatAmount(outAmount);
  if (!intent.amount && !intent.amountOut && looseAmount) {
    if (chosen.verb === 'buy' && looseAmount.kind === 'number') intent.amountOut = looseAmount.value;
    else intent.amount = formatAmount(looseAmount);
  }
  const minimum = facts.tags.find((tag) => tag.type === 'minimum');
  if (minimum?.type === 'minimum') intent.minAmountOut = minimum.value;
  if (!intent.amount && !intent.amountOut && carried && tokenIn?.toLowerCase() === carried.toLowerCase()) {
    notes.chained = true;
  }
  notes.buying = chosen.verb === 'buy';
}

/** The id and the collection, as written ("Bored Ape Yacht Club", "azuki"). */
function fillNft(intent: Intent, facts: ClauseFacts): void {
  const { tags, readings, nftIdIndex } = facts;
  const idTag = nftIdIndex === undefined ? undefined : tags[nftIdIndex];
  if (idTag?.type === 'nftId') intent.tokenId = idTag.id;
  else if (idTag?.type === 'amount') intent.tokenId = idTag.amount.value;
  const collection = tags[readings.indexOf('nft')];
  const token = collection?.type === 'entity' ? collection.raw : facts.usable[0]?.symbol;
  if (token) intent.token = token;
}

/** The token and amount of a single-asset action. */
function fillAsset(intent: Intent, facts: ClauseFacts, carried: string | undefined, notes: ClauseNotes): void {
  const { action } = intent;
  const { verb, text } = facts.chosen;
  const { source, target, usable, looseAmount, texts } = facts;
  const primary =
    (action === 'borrow' && verb === 'mint' ? target : undefined) ??
    source ??
    usable.find((mention) => mention.marker !== 'collateral') ??
    usable[0];
  let token = primary?.symbol;
  let amount = primary?.amount ?? looseAmount;
  // "… and supply it to Aave", "… then send to bob": the token the step before yields.
  const pronoun = hasAny(texts, PRONOUNS);
  if (carried && (usable.length === 0 || (pronoun && !source && !primary?.amount))) {
    token = carried;
    amount = looseAmount;
  }
  // No amount for a token the step before yields: that step's result, chained by the planner.
  if (!amount && carried && token?.toLowerCase() === carried.toLowerCase()) notes.chained = true;
  // "pay off my debt", "close my position": all of it.
  if (!amount && !notes.chained && (/^pay ?off$/.test(text) || verb === 'close'))
    amount = { kind: 'all', value: 'all' };
  // "withdraw my USDC from Aave", "unwrap my WETH", "repay my DAI loan": taking back, or paying off,
  // what is "mine" with no amount named is all of it. Never for what leaves to others (send, swap,
  // supply): there "my ETH" says whose, not how much, and the amount is asked.
  if (!amount && !notes.chained && primary && ALL_OF_MINE.has(action) && allOfMine(facts, primary.index)) {
    amount = { kind: 'all', value: 'all' };
    notes.allOfMine = true;
  }
  if (action === 'unwrap' && (!token || token.toUpperCase() === 'ETH')) token = 'WETH';
  if (action === 'wrap' && !token) token = 'ETH';
  if (token) intent.token = token;
  if (verb === 'revoke') {
    intent.amount = '0';
    return;
  }
  if (action === 'approve' && (amount?.kind === 'all' || hasAny(texts, UNLIMITED_WORDS))) {
    notes.unlimited = true;
    return;
  }
  const takesAmount = action !== 'balance' && action !== 'total_supply' && action !== 'claim_rewards';
  if (amount && takesAmount && !(action === 'price' && amount.kind !== 'number')) intent.amount = formatAmount(amount);
}

/** Actions that name no protocol: a payment, a question. */
const NO_PROTOCOL = new Set<Intent['action']>([
  'transfer',
  'transfer_nft',
  'balance',
  'price',
  'total_supply',
  'approve',
]);
const PROTOCOL_NOUNS = new Set([
  'lending',
  'pool',
  'pools',
  'vault',
  'vaults',
  'protocol',
  'finance',
  'dex',
  'exchange',
  'app',
  'market',
  'markets',
  'earn',
]);
const BRIDGE_PROTOCOL_CUE = new Set(['via', 'using', 'through', 'with']);
const PROTOCOL_CUE = new Set(['on', 'via', 'using', 'through', 'with', 'at', 'to', 'into', 'from']);

/**
 * A name written like one ("Zest", "DeDust": a capital, not the message's first word) after "on",
 * "via", "using", "through", "with", "at", "to", "into" or "from", ending the clause, that is no
 * everyday word, token, chain or party: a protocol named in passing.
 */
function unknownProtocol(tags: readonly Tag[], texts: ReadonlySet<string>, bridging: boolean): string | undefined {
  for (let i = 1; i < tags.length; i++) {
    const tag = tags[i];
    if (tag?.type !== 'word' || !/^[A-Z][a-z]+[A-Za-z]*$/.test(tag.raw) || COMMON.has(tag.text)) continue;
    const cue = word(tags[i - 1]) ?? '';
    // A bridge goes "to" and "from" places and people; its protocol is "via" or "using" one.
    if (!PROTOCOL_CUE.has(cue) || (bridging && !BRIDGE_PROTOCOL_CUE.has(cue))) continue;
    // "into Jupiter lending", "on Kamino pool": the name and a word saying what it is.
    const after = tags[i + 1];
    const next = after && word(after) !== undefined && PROTOCOL_NOUNS.has(word(after) ?? '') ? tags[i + 2] : after;
    if (next && next.type !== 'separator' && next.type !== 'punct') continue;
    if (texts.has('send') || texts.has('transfer')) return undefined;
    return tag.text;
  }
  return undefined;
}
const ALL_OF_MINE = new Set<Intent['action']>(['withdraw', 'unwrap', 'unstake', 'repay', 'remove_liquidity']);
/** Words that may follow "my TOKEN" and still mean all of it: where it is, and what it is. */
const WHERE_IT_IS = new Set(
  'from on in out of at back the my v2 v3 position positions deposit deposits supply supplied loan loans debt borrow borrowed balance tokens stake staked holdings please now'.split(
    ' ',
  ),
);

/** Words that make "my TOKEN" a part of it, a condition, or another thing than the token itself. */
const NOT_ALL_OF_IT = new Set(
  'some part most portion little bit few half except but leave leaving keep keeping apart not if when once unless until gradually partially partly slowly interest interests profit profits reward rewards yield gains fees'.split(
    ' ',
  ),
);

/**
 * "withdraw my USDC from Aave": the verb, "my", the one token, and nothing that makes it a part, a
 * condition, another thing ("my USDC interest") or someone else's ("pay back my DAI to alice").
 */
function allOfMine(facts: ClauseFacts, tokenIndex: number): boolean {
  const { tags, usable, texts } = facts;
  if (word(tags[tokenIndex - 1]) !== 'my' || tags[tokenIndex - 2]?.type !== 'verb') return false;
  // After the token, only where it is ("from Aave", "on Base", "out of Compound", "back") and what it
  // is ("position", "deposit", "loan", "debt"): anything else may make it a part, a time, a manner.
  let places = 0;
  for (const tag of tags.slice(tokenIndex + 1)) {
    if (tag.type === 'punct' || (tag.type === 'separator' && tag.text !== 'and')) continue;
    if (tag.type === 'entity' && (tag.entity.protocol || tag.entity.chain)) {
      places++;
      continue;
    }
    if ((tag.type === 'word' || tag.type === 'verb') && WHERE_IT_IS.has(tag.text)) continue;
    return false;
  }
  if (places > 2) return false;
  if (usable.length !== 1 || facts.recipient?.recipient || facts.recipient?.conflict || facts.account) return false;
  if (tags.some((tag) => tag.type === 'address' || tag.type === 'ens')) return false;
  // "pay back my DAI to alice": to someone, not into a protocol.
  if (texts.has('to')) return false;
  return ![...texts].some((text) => NOT_ALL_OF_IT.has(text));
}

const EACH_WORDS = new Set(['each', 'apiece']);
const SPLIT_WORDS = new Set(['split', 'divide', 'divided', 'evenly', 'equally']);

/** "1 USDC each to …" gives every party the amount; "100 USDC split between …" shares it; both at once: neither. */
function distribution(texts: ReadonlySet<string>): 'each' | 'split' | undefined {
  const each = hasAny(texts, EACH_WORDS);
  const split = hasAny(texts, SPLIT_WORDS);
  return each === split ? undefined : each ? 'each' : 'split';
}

/** Recipient, spender, account, protocol, chains and slippage. */
function fillPartiesAndPlace(intent: Intent, facts: ClauseFacts, notes: ClauseNotes): void {
  const { action } = intent;
  const { recipient, spender, account, protocol, chains } = facts;
  if (recipient?.recipient && action !== 'price' && action !== 'total_supply') {
    intent.recipient = recipient.recipient.raw;
  }
  if (recipient?.badAddress) notes.badAddress = recipient.badAddress;
  // "the balance of 0x1234": an address cut short is asked about, in a question as in a payment.
  if (!recipient && !account && !spender) {
    const cut = facts.tags.find((tag) => tag.type === 'address' && !tag.valid);
    if (cut?.type === 'address') notes.badAddress = cut.raw;
  }
  if (recipient?.conflict && action !== 'price' && action !== 'total_supply' && action !== 'balance') {
    notes.parties = recipient.conflict;
    const mode = distribution(facts.texts);
    if (action === 'transfer' && recipient.list && mode) notes.distribute = { mode, parties: recipient.list };
  }
  if (recipient?.senders && action !== 'price' && action !== 'total_supply' && action !== 'balance') {
    notes.senders = recipient.senders;
  }
  if (recipient?.notPayees) notes.notPayees = recipient.notPayees;
  if (facts.spenderConflict) notes.parties = facts.spenderConflict;
  else if (spender && action === 'approve' && protocol) {
    // "approve 0x… to spend 100 USDC on uniswap": the address, or the protocol's own contract?
    notes.parties = [spender.raw, protocol.entry.slug];
  } else if (spender) intent.spender = spender.raw;
  else if (action === 'approve' && protocol) intent.spender = protocol.entry.slug;
  if (account) intent.account = account.raw;
  if (protocol) intent.protocol = protocol.entry.slug;
  else if (!NO_PROTOCOL.has(action)) {
    // "supply 1000 stSTX to Zest", "swap 10 TON for USDT on DeDust": a protocol we have no name for,
    // reported as named (the planner says there is no skill for it).
    const named = unknownProtocol(facts.tags, facts.texts, action === 'bridge');
    if (named) intent.protocol = named;
  }
  const toChain = chains.find((chain) => chain.role === 'to');
  if (action === 'bridge') {
    const from = chains.find((chain) => chain.role === 'from') ?? chains.find((chain) => chain.role === 'on');
    if (toChain) intent.toChain = toChain.slug;
    else if (from?.role === 'on' && chains.length === 1) intent.toChain = from.slug;
    if (from && intent.toChain !== from.slug) intent.chain = from.slug;
  } else {
    const chain = chains.find((mention) => mention.role === 'on') ?? chains[0];
    if (chain) intent.chain = chain.slug;
  }
  const slippage = facts.tags.find((tag) => tag.type === 'slippage');
  if (slippage?.type === 'slippage') intent.slippageBps = slippage.bps;
}
