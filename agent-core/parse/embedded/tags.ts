import type { ForeignFamily } from '../address-forms.ts';
import { shiftDecimal } from '../numerals.ts';
import { VERBS, type Verb, type VerbStrength } from './actions.ts';
import { type Amount, type AmountMatch, matchAmount } from './amounts.ts';
import { ENTITIES, type Entity, PhraseTable, PROTOCOLS, tickerLike, tokenBySymbol } from './lexicon.ts';
import type { Piece } from './normalize.ts';
import { LISTED_SYMBOLS } from './token-list.ts';

/**
 * What each stretch of a message is: a verb, an amount, a named thing (token, protocol, chain, NFT
 * collection, possibly several at once until the clause decides), an address, a separator between
 * requests, or a plain word.
 */
export type Tag =
  | { type: 'verb'; verb: Verb; strength: VerbStrength; text: string }
  | { type: 'amount'; amount: Amount }
  /** Written as an amount, but not one that reads exactly ("-5", "1.5.5", "2 half"): asked about. */
  | { type: 'badAmount'; raw: string; reason: string }
  | { type: 'entity'; entity: Entity; raw: string; text: string; capitals: boolean }
  /** `family`: an address of another chain family (never a token; refused as a recipient). */
  | { type: 'address'; raw: string; valid: boolean; family?: ForeignFamily | undefined }
  | { type: 'ens'; raw: string }
  | { type: 'nftId'; id: string }
  | { type: 'slippage'; bps: number }
  | { type: 'minimum'; value: string }
  | { type: 'separator'; text: string }
  | { type: 'word'; text: string; raw: string }
  | { type: 'punct'; text: string };

const SEPARATORS = new PhraseTable<true>();
for (const name of [
  'and',
  'then',
  'and then',
  'also',
  'and also',
  'after that',
  'after this',
  'afterwards',
  'afterward',
  'after which',
  'next',
  'finally',
  'followed by',
  'plus',
  'once done',
  'once that is done',
  'when done',
  'as well as',
]) {
  SEPARATORS.add(name, true);
}
const SEPARATOR_MARKS = new Set([',', ';', '.', '!', '?', '&', '+', '\n']);

export type TaggingContext = {
  /** Words that are never a token's name, even right after an amount ("send 5 to bob"). */
  isCommonWord: (word: string) => boolean;
  /** More token symbols, by lower-case name (the chain's token list). */
  extraTokens?: ReadonlyMap<string, string>;
};

/** Tags the pieces of a message. */
export function tagPieces(pieces: readonly Piece[], context: TaggingContext): Tag[] {
  const tags: Tag[] = [];
  const words = pieces.map((piece) => (piece.kind === 'word' ? piece.text : undefined));
  let i = 0;
  while (i < pieces.length) {
    const piece = pieces[i];
    if (!piece) break;
    switch (piece.kind) {
      case 'address':
        tags.push({
          type: 'address',
          raw: piece.raw,
          valid: piece.family !== undefined || piece.raw.length === 42,
          family: piece.family,
        });
        i++;
        continue;
      case 'ens':
        tags.push({ type: 'ens', raw: piece.raw });
        i++;
        continue;
      case 'nftId':
        tags.push({ type: 'nftId', id: piece.value ?? '' });
        i++;
        continue;
      case 'ticker': {
        const symbol = piece.value ?? piece.raw;
        tags.push(tokenTag(symbol, piece.raw));
        i++;
        continue;
      }
      case 'punct': {
        // "$ two hundred": a dollar sign before an amount in words.
        const dollars = piece.text === '$' ? matchAmount(pieces, i + 1) : undefined;
        if (dollars) {
          tags.push(dollarsTag(dollars, piece.raw));
          i += 1 + dollars.length;
          continue;
        }
        tags.push(
          SEPARATOR_MARKS.has(piece.text)
            ? { type: 'separator', text: piece.text }
            : { type: 'punct', text: piece.text },
        );
        i++;
        continue;
      }
      case 'number':
      case 'percent':
      case 'usd': {
        // "buy 1000 9MM": digits and letters right after an amount are a token's symbol (9MM, 1INCH),
        // not a second amount ("nine million").
        const previous = tags[tags.length - 1];
        if (
          piece.kind === 'number' &&
          previous?.type === 'amount' &&
          /^\d+[A-Z]{2,}$/.test(piece.raw) &&
          ENTITIES.match(words, i + 1)?.value.token === undefined &&
          pieces[i + 1]?.kind !== 'ticker'
        ) {
          tags.push(tokenTag(piece.raw.toUpperCase(), piece.raw));
          i++;
          continue;
        }
        const match = matchAmount(pieces, i);
        if (match) {
          tags.push(amountTag(match));
          i += match.length;
        } else i++;
        continue;
      }
      case 'word':
        break;
    }
    const separator = SEPARATORS.match(words, i);
    const named = ENTITIES.match(words, i);
    // "send 5 USDC to bob", "mint DAI": a word that is only one of viem's chain names is read as the
    // chain only where the words around it say a chain is meant; elsewhere it is a word, a verb, a name.
    const entity = named && strictChainOnly(named.value) && !saysChain(words, i, named.length) ? undefined : named;
    const verb = VERBS.match(words, i);
    const amount = matchAmount(pieces, i);
    const longest = Math.max(separator?.length ?? 0, entity?.length ?? 0, verb?.length ?? 0, amount?.length ?? 0);
    if (longest === 0) {
      const previous = tags[tags.length - 1];
      // "bridge 1 ETH to Base using Across": a protocol whose name is an everyday word, after "using".
      const wordProtocol = PROTOCOL_WORDS.get(piece.text);
      if (wordProtocol && PROTOCOL_CUES.has(words[i - 1] ?? '')) {
        tags.push({
          type: 'entity',
          entity: { protocol: wordProtocol },
          raw: piece.raw,
          text: piece.text,
          capitals: false,
        });
        i++;
        continue;
      }
      const ticker = context.extraTokens?.get(piece.text) ?? (piece.shouted ? undefined : tickerLike(piece.raw));
      const typoOf = ticker && !DERIVATIVE.test(ticker) ? nearWellKnown(ticker) : undefined;
      if (ticker && typoOf) {
        // "0.5 ETHH": a well-known ticker mistyped is read as written, and the request asks about it.
        tags.push(typoTag(ticker, piece.raw, typoOf));
      } else if (ticker) tags.push(tokenTag(ticker, piece.raw));
      else if (listedNotWord(piece.text) && !context.isCommonWord(piece.text) && tokenPlace(tags, words, i)) {
        // "swap 100 usdc for cbbtc": a listed symbol that is no word, where a token is bought.
        tags.push(tokenTag(LISTED_SYMBOLS.get(piece.text) ?? piece.text.toUpperCase(), piece.raw));
      } else if (
        ((previous?.type === 'amount' && !previous.amount.weak) || previous?.type === 'badAmount') &&
        unknownTicker(piece.text, context)
      ) {
        // "send 100 pepe to bob": a short unknown word right after an amount is the token's name.
        const typo = nearWellKnown(piece.text);
        tags.push(
          typo ? typoTag(piece.text.toUpperCase(), piece.raw, typo) : tokenTag(piece.text.toUpperCase(), piece.raw),
        );
      } else if (
        TYPO_PLACES.has(words[i - 1] ?? '') &&
        !context.isCommonWord(piece.text) &&
        nearWellKnown(piece.text)
      ) {
        // "redeem all my ethh": a mistyped ticker where a token stands, asked about.
        tags.push(typoTag(piece.text.toUpperCase(), piece.raw, nearWellKnown(piece.text) ?? ''));
      } else tags.push({ type: 'word', text: piece.text, raw: piece.raw });
      i++;
      continue;
    }
    if (separator && separator.length === longest) {
      tags.push({ type: 'separator', text: words.slice(i, i + longest).join(' ') });
    } else if (entity && entity.length === longest) {
      const text = words.slice(i, i + longest).join(' ');
      const written = rawOf(pieces, i, longest);
      const capitals = !piece.shouted && isCapitals(written);
      tags.push({ type: 'entity', entity: entity.value, raw: written, text, capitals });
    } else if (verb && verb.length === longest) {
      const text = words.slice(i, i + longest).join(' ');
      const previous = words[i - 1];
      // "the supply of DAI", "total supply": a noun, asked about.
      const nounSupply = text === 'supply' && (previous === 'the' || previous === 'its' || previous === 'total');
      // "I'd like $100 worth of ETH": a purchase, not a price question.
      const worthOf = text === 'worth' && words[i + 1] === 'of';
      tags.push(
        nounSupply
          ? { type: 'verb', verb: 'totalSupply', strength: 1, text }
          : worthOf
            ? { type: 'verb', verb: 'buy', strength: 2, text }
            : { type: 'verb', verb: verb.value.verb, strength: verb.value.strength, text },
      );
    } else if (amount) {
      tags.push(amountTag(amount));
    }
    i += longest;
  }
  readEthUnits(tags);
  return tags;
}

/** Protocols whose own name is an everyday word ("across", "hop"), read as the protocol after a cue. */
const PROTOCOL_WORDS = new Map(PROTOCOLS.filter((p) => p.slugIsWord).map((p) => [p.slug, p]));
const PROTOCOL_CUES = new Set(['using', 'via', 'through', 'with', 'use']);

/** A name that is only one of viem's single-word chain names ("bob", "core", "ink"). */
function strictChainOnly(entity: Entity): boolean {
  return entity.chain?.strict === true && !entity.token && !entity.protocol && !entity.nft;
}

const CHAIN_CUES_BEFORE = new Set(['on', 'onto', 'across']);
/** "from Sei", "via Core", "to Metis": a chain only in a message that bridges. */
const BRIDGE_CUES_BEFORE = new Set(['from', 'via', 'over', 'to', 'into', 'towards', '->']);
const DESTINATION_CUES = new Set(['to', 'into', 'onto', 'on', 'towards', '->']);
const CHAIN_CUES_AFTER = new Set(['chain', 'network', 'mainnet', 'l2', 'rollup', 'blockchain', 'testnet']);
/** "bob's chain wallet", "ronin network account": a name, not a chain. */
const NOT_A_CHAIN_AFTER = new Set(['wallet', 'account', 'address', 'safe', 'vault']);

/**
 * Whether the words around `start` say a chain is meant: "on Flow", "Sei network", and "to Metis" in
 * a message that bridges or moves funds ("send 5 USDC to bob" pays bob).
 */
function saysChain(words: readonly (string | undefined)[], start: number, length: number): boolean {
  let before = start - 1;
  while (words[before] === 'the') before--;
  const cue = words[before] ?? '';
  const after = words[start + length] ?? '';
  if (CHAIN_CUES_AFTER.has(after)) return !NOT_A_CHAIN_AFTER.has(words[start + length + 1] ?? '');
  if (CHAIN_CUES_BEFORE.has(cue)) return true;
  if (!BRIDGE_CUES_BEFORE.has(cue)) return false;
  // "bridge 100 USDC to Metis": only where the request's own verb is a bridge, and no chain of our
  // own list is named anywhere ("bridge 100 USDC to arbitrum to bob" pays bob).
  let verb: string | undefined;
  for (let j = before - 1; j >= 0 && verb === undefined; j--) {
    const match = VERBS.match(words, j);
    if (match && match.value.strength === 0) verb = match.value.verb;
  }
  if (verb !== 'bridge') return false;
  // "bridge 100 USDC to bob": a short name may be a person's; asked (which chain?) rather than read.
  if ((words[start] ?? '').length < 5 && length === 1) return false;
  // "bridge 100 USDC to arbitrum to bob", "… to bob on arbitrum": another chain is the destination.
  return !words.some((_, j) => {
    const named = ENTITIES.match(words, j)?.value;
    if (named?.chain === undefined || named.chain.strict || named.token) return false;
    let k = j - 1;
    while (words[k] === 'the') k--;
    return DESTINATION_CUES.has(words[k] ?? '');
  });
}

/** The pieces from `start`, as typed. */
function rawOf(pieces: readonly Piece[], start: number, length: number): string {
  let raw = pieces[start]?.raw ?? '';
  for (let i = start + 1; i < start + length; i++) raw += ` ${pieces[i]?.raw ?? ''}`;
  return raw;
}

function amountTag(match: AmountMatch): Tag {
  return 'amount' in match
    ? { type: 'amount', amount: match.amount }
    : { type: 'badAmount', raw: match.problem.raw, reason: match.problem.reason };
}

/** A dollar sign and the amount after it: a dollar value if that amount is a plain number. */
function dollarsTag(match: AmountMatch, sign: string): Tag {
  if ('amount' in match && match.amount.kind === 'number') {
    const raw = `${sign}${match.amount.raw ?? match.amount.value}`;
    return { type: 'amount', amount: { kind: 'usd', value: match.amount.value, raw } };
  }
  const raw = 'amount' in match ? `${sign}${match.amount.raw ?? match.amount.value}` : `${sign}${match.problem.raw}`;
  const reason = 'amount' in match ? 'it has a dollar sign and another unit' : match.problem.reason;
  return { type: 'badAmount', raw, reason };
}

function tokenTag(symbol: string, raw: string): Tag {
  const known = tokenBySymbol(symbol);
  return {
    type: 'entity',
    entity: { token: known ?? { symbol } },
    raw,
    text: symbol.toLowerCase(),
    capitals: true,
  };
}

const TRADE_WORDS = new Set(['swap', 'trade', 'buy', 'sell', 'convert', 'exchange', 'swapping', 'buying', 'selling']);
const TOKEN_CUES = new Set(['for', 'into', '->', 'to']);

/**
 * Whether the word at `index` stands where a token is expected in a trade: after "for", "into",
 * "some", "my" or the trading verb itself, in a message that trades ("swap 100 USDC for bonk").
 */
function tokenPlace(tags: readonly Tag[], words: readonly (string | undefined)[], index: number): boolean {
  if (!words.some((word) => word !== undefined && TRADE_WORDS.has(word))) return false;
  // Only as what is bought, right after the token or amount sold: "swap 100 USDC for mog". A listed
  // symbol elsewhere ("buy bob some ETH", "buy gold with USDC") may be a name or a word: asked.
  if (!TOKEN_CUES.has(words[index - 1] ?? '')) return false;
  const sold = tags[tags.length - 2];
  return sold?.type === 'amount' || (sold?.type === 'entity' && sold.entity.token !== undefined);
}

/**
 * A listed symbol written in lower case that cannot be an everyday word or a name: one with a digit,
 * a dot or capitals inside as listed ("cbbtc" → cbBTC, "usdc.e", "1inch"). A plain word that is also
 * a symbol ("bob", "home", "gold") is not read as a token from the list.
 */
function listedNotWord(text: string): boolean {
  const listed = LISTED_SYMBOLS.get(text);
  return listed !== undefined && (/[^A-Za-z]/.test(listed) || /[a-z][A-Z]|^[a-z]+[A-Z]/.test(listed));
}

function unknownTicker(text: string, context: TaggingContext): boolean {
  return /^[a-z][a-z0-9]{1,5}$/.test(text) && !context.isCommonWord(text);
}

/** The tickers people mean most; a word one keystroke from one ("eht", "ethh", "usdcc") is a typo of it. */
const WELL_KNOWN = ['eth', 'weth', 'usdc', 'usdt', 'dai', 'wbtc', 'btc', 'steth', 'link', 'matic', 'sol'];

/** Words after which a token stands ("my ethh", "some usdcc", "for eht"). */
const TYPO_PLACES = new Set([
  'my',
  'all',
  'some',
  'of',
  'for',
  'into',
  'with',
  'sell',
  'swap',
  'buy',
  'send',
  'supply',
  'withdraw',
  'redeem',
]);

/** A derivative's ticker, a small prefix before the capitals ("jUSDC", "aUSDC", "sDAI"): never a typo. */
const DERIVATIVE = /^[a-z]{1,5}[A-Z]/;

/**
 * The well-known ticker `text` is one insertion, deletion, substitution or swap of neighbours from
 * ("ethh", "eht" → "ETH"), or undefined.
 */
export function nearWellKnown(text: string): string | undefined {
  const word = text.toLowerCase();
  if (word.length < 3 || WELL_KNOWN.includes(word)) return undefined;
  return WELL_KNOWN.find((known) => oneEditApart(word, known))?.toUpperCase();
}

/** A token written as typed that is probably a typo of `typoOf`: the parse asks about it. */
function typoTag(symbol: string, raw: string, typoOf: string): Tag {
  return {
    type: 'entity',
    entity: { token: { symbol, typoOf } },
    raw,
    text: symbol.toLowerCase(),
    capitals: true,
  };
}

function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diffs = [...a].flatMap((char, i) => (char === b[i] ? [] : [i]));
    if (diffs.length === 1) return true;
    const [i, j] = diffs;
    return diffs.length === 2 && i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  for (let i = 0; i < long.length; i++) if (long.slice(0, i) + long.slice(i + 1) === short) return true;
  return false;
}

/**
 * "500000000000000000 wei", "20 gwei of ETH": ETH in its small units, read exactly as ETH
 * (1 ETH = 10^18 wei = 10^9 gwei).
 */
function readEthUnits(tags: Tag[]): void {
  for (let i = 0; i + 1 < tags.length; i++) {
    const amount = tags[i];
    const unit = tags[i + 1];
    if (amount?.type !== 'amount' || amount.amount.kind !== 'number') continue;
    const name =
      unit?.type === 'entity' ? unit.entity.token?.symbol.toLowerCase() : unit?.type === 'word' ? unit.text : undefined;
    const places = name === 'wei' ? 18 : name === 'gwei' ? 9 : undefined;
    if (places === undefined || !unit) continue;
    // "1000000 wei of USDC": another token's smallest units, whose size only the token knows: left as
    // written (no token is called WEI), so the request cannot run as read.
    const next =
      tags[i + 2]?.type === 'word' && (tags[i + 2] as { text: string }).text === 'of' ? tags[i + 3] : tags[i + 2];
    if (next?.type === 'entity' && next.entity.token) continue;
    const value = shiftDecimal(amount.amount.value, -places);
    tags[i] = { type: 'amount', amount: { ...amount.amount, value } };
    tags[i + 1] = tokenTag('ETH', 'raw' in unit ? unit.raw : (name ?? ''));
  }
}

function isCapitals(raw: string): boolean {
  return /[A-Z]/.test(raw) && raw === raw.toUpperCase();
}
