import type { Token } from '../../common/chains/types.ts';
import type { Intent, ParseResult } from '../intents/schema.ts';
import { CHAINS, PROTOCOLS, TOKENS } from './embedded/lexicon.ts';
import { SMALL_NUMBERS } from './number-words.ts';

/**
 * The grounding guard (security principle 1): every amount, address, ENS name, contact, token,
 * protocol and chain in a model's reading must be traceable to the user's words: the message, the
 * earlier turns, the address book (a contact the user named) or the token list (a token the user
 * named). Whatever is not is dropped, and the result asks the user for it (`clarify`). The model
 * never supplies a value the user did not give.
 *
 * Whether the model invented a whole request (actions the user never asked for) is not judged here:
 * the cross-check with the embedded parser does that (parse-message.ts).
 */

export type GroundingContext = {
  /** The user's message. */
  text: string;
  /** Earlier turns, as plain strings: they count as the user's words. */
  conversation?: readonly string[];
  /** The user's contacts; a label the user wrote grounds that label and its address. */
  addressBook?: readonly { label: string; address: string }[];
  /** The chain's token list; a token's name the user wrote ("tether") grounds its symbol. */
  tokens?: readonly Pick<Token, 'symbol' | 'name' | 'address'>[];
};

export type DroppedField = {
  /** The intent the field was dropped from; -1 for the result's own `clarify`. */
  intentIndex: number;
  field: string;
  value: string;
  reason: string;
};

export type GroundingOutcome = { result: ParseResult; dropped: DroppedField[] };

export function groundParseResult(result: ParseResult, context: GroundingContext): GroundingOutcome {
  const evidence = new Evidence(context);
  const dropped: DroppedField[] = [];
  const intents = result.intents.map((intent, intentIndex) => {
    const kept: Record<string, unknown> = { action: intent.action };
    for (const [field, value] of Object.entries(intent)) {
      if (field === 'action' || value === undefined) continue;
      const problem = evidence.check(field, value);
      if (problem === undefined) kept[field] = value;
      else dropped.push({ intentIndex, field, value: String(value), reason: problem });
    }
    return kept as Intent;
  });

  let clarify = result.clarify;
  if (clarify !== undefined) {
    const problem = evidence.checkQuestion(clarify);
    if (problem !== undefined) {
      dropped.push({ intentIndex: -1, field: 'clarify', value: clarify, reason: problem });
      clarify = GENERIC_QUESTION;
    }
  }
  const question = questionForDropped(intents, dropped);
  if (question) clarify = question;

  const { clarify: _previous, ...rest } = result;
  return { result: { ...rest, intents, ...(clarify ? { clarify } : {}) }, dropped };
}

const GENERIC_QUESTION = 'Could you say exactly what you want to do, with the amounts, tokens and recipients?';

// ---------------------------------------------------------------------------------------------
// What the user's words contain.

type QuantityKind = 'number' | 'percent' | 'usd' | 'bps' | 'id';
type Quantity = { kind: QuantityKind; value: string };

const ADDRESS = /(?<![0-9a-zA-Z])0x[0-9a-fA-F]{40}(?![0-9a-zA-Z])/g;
const IS_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ENS_LIKE =
  /(?<![\p{L}\p{N}_.-])[\p{L}\p{N}][\p{L}\p{N}_-]*(?:\.[\p{L}\p{N}_-]+)*\.(?:eth|xyz|box|id|art|crypto|nft|wallet|lens|sol|com|org|io|app)(?![\p{L}\p{N}_-])/giu;
const HEX_RUN = /0x[0-9a-fA-F]{6,}/g;
const URL_LIKE = /\b(?:https?:\/\/|www\.)/i;

/** Digits as people type them, with a scale ("1.5k"), a unit ("25%", "30 bps", "100 dollars"), "$" or "#". */
const QUANTITY =
  /(?<![\p{L}\p{N}_.])(#\s?)?(\$\s?)?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:\s?(k|mm|m|bn|b|thousand|grand|million|mil|mln|billion)(?![\p{L}\p{N}]))?(?:\s?(%|percent|per cent|pct|bps|bp|bips|basis points?|usd|dollars?|bucks?)(?![\p{L}\p{N}]))?/giu;
const SCALES: Record<string, number> = {
  k: 3,
  thousand: 3,
  grand: 3,
  m: 6,
  mm: 6,
  mil: 6,
  mln: 6,
  million: 6,
  b: 9,
  bn: 9,
  billion: 9,
};

const WORD_SCALES: Record<string, number> = { hundred: 100, thousand: 1_000, million: 1_000_000 };
const ALL_WORDS = ['all', 'everything', 'max', 'maximum', 'entire', 'whole', 'full', 'rest', 'remaining'];

/** Synonyms the chain's token list and the embedded parser's lexicon may lack. */
const EXTRA_TOKEN_NAMES: Record<string, string[]> = { eth: ['ether', 'ethers'] };

const AMOUNT_FIELDS = new Set(['amount']);
const DECIMAL_FIELDS = new Set(['amountOut', 'minAmountOut']);
const TOKEN_FIELDS = new Set(['token', 'tokenIn', 'tokenOut']);
const PARTY_FIELDS = new Set(['recipient', 'spender', 'account']);
const CHAIN_FIELDS = new Set(['chain', 'toChain']);

class Evidence {
  /** The message and the earlier turns, as written. */
  private readonly raw: string;
  /** The same with addresses and ENS names blanked, for numbers and names. */
  private readonly words: string;
  private readonly addresses: Set<string>;
  private readonly quantities: Quantity[];
  private readonly saysAll: boolean;
  private readonly saysHalf: boolean;
  private readonly saysQuarter: boolean;
  private readonly context: GroundingContext;

  constructor(context: GroundingContext) {
    this.context = context;
    this.raw = [...(context.conversation ?? []), context.text].join('\n');
    this.addresses = new Set((this.raw.match(ADDRESS) ?? []).map((address) => address.toLowerCase()));
    this.words = this.raw.replace(ADDRESS, ' ').replace(ENS_LIKE, ' ');
    this.quantities = [...digitQuantities(this.words), ...wordQuantities(this.words)];
    this.saysAll = ALL_WORDS.some((word) => mentions(this.words, word));
    this.saysHalf = mentions(this.words, 'half');
    this.saysQuarter = mentions(this.words, 'quarter');
  }

  /** Undefined when the value is grounded; otherwise why not. */
  check(field: string, value: unknown): string | undefined {
    if (field === 'slippageBps') return this.checkSlippage(value);
    if (typeof value !== 'string') return `${field} is not text`;
    if (AMOUNT_FIELDS.has(field)) return this.checkAmount(value);
    if (DECIMAL_FIELDS.has(field)) {
      return this.has('number', value) ? undefined : `the user did not write the number ${value}`;
    }
    if (field === 'tokenId') {
      return this.has('id', value) || this.has('number', value) ? undefined : `the user did not write the id ${value}`;
    }
    if (TOKEN_FIELDS.has(field)) return this.checkToken(value);
    if (PARTY_FIELDS.has(field)) return this.checkParty(value);
    if (field === 'protocol') return this.checkProtocol(value);
    if (CHAIN_FIELDS.has(field)) return this.checkChain(value);
    // A field the schema may add later: an address in it is held to the same rule.
    if (IS_ADDRESS.test(value.trim())) return this.checkAddress(value.trim());
    return undefined;
  }

  /** A question of the model's, shown to the user, must not carry an address, link or name they did not write. */
  checkQuestion(question: string): string | undefined {
    if (URL_LIKE.test(question)) return 'the question contains a link';
    for (const hex of question.match(HEX_RUN) ?? []) {
      const lower = hex.toLowerCase();
      if (![...this.addresses].some((address) => address.startsWith(lower))) {
        return `the question contains ${hex}, which the user did not write`;
      }
    }
    for (const name of question.match(ENS_LIKE) ?? []) {
      if (!mentionsExactly(this.raw, name)) return `the question contains ${name}, which the user did not write`;
    }
    return undefined;
  }

  private has(kind: QuantityKind, value: string): boolean {
    const wanted = normalizeDecimal(value);
    return (
      wanted !== undefined && this.quantities.some((quantity) => quantity.kind === kind && quantity.value === wanted)
    );
  }

  private checkAmount(value: string): string | undefined {
    if (value === 'all') return this.saysAll ? undefined : 'the user did not ask for all of it';
    if (value.endsWith('%')) {
      const percent = normalizeDecimal(value.slice(0, -1));
      const grounded =
        this.has('percent', value.slice(0, -1)) ||
        (percent === '50' && this.saysHalf) ||
        (percent === '25' && this.saysQuarter);
      return grounded ? undefined : `the user did not write ${value}`;
    }
    if (value.startsWith('$')) {
      return this.has('usd', value.slice(1)) ? undefined : `the user did not write ${value}`;
    }
    const decimal = normalizeDecimal(value);
    const grounded =
      this.has('number', value) || (decimal === '0.5' && this.saysHalf) || (decimal === '0.25' && this.saysQuarter);
    return grounded ? undefined : `the user did not write the amount ${value}`;
  }

  private checkSlippage(value: unknown): string | undefined {
    if (typeof value !== 'number') return 'slippageBps is not a number';
    const grounded = this.quantities.some(
      (quantity) =>
        (quantity.kind === 'percent' && Math.abs(Number(quantity.value) * 100 - value) < 1e-6) ||
        (quantity.kind === 'bps' && Number(quantity.value) === value),
    );
    return grounded ? undefined : `the user did not state a slippage of ${value} bps`;
  }

  private checkAddress(value: string, tokenField = false): string | undefined {
    const lower = value.toLowerCase();
    if (this.addresses.has(lower)) return undefined;
    const contact = (this.context.addressBook ?? []).find(
      (entry) => entry.address.toLowerCase() === lower && mentions(this.words, entry.label),
    );
    if (contact) return undefined;
    if (tokenField) {
      const token = (this.context.tokens ?? []).find((entry) => entry.address.toLowerCase() === lower);
      if (token && this.mentionsToken(token.symbol)) return undefined;
    }
    return `the user did not give the address ${value}`;
  }

  private checkParty(value: string): string | undefined {
    const trimmed = value.trim();
    if (IS_ADDRESS.test(trimmed)) return this.checkAddress(trimmed);
    // An ENS name or a contact's label: only as the user wrote it.
    return mentionsExactly(this.raw, trimmed) ? undefined : `the user did not write "${value}"`;
  }

  private checkToken(value: string): string | undefined {
    const trimmed = value.trim();
    if (IS_ADDRESS.test(trimmed)) return this.checkAddress(trimmed, true);
    return this.mentionsToken(trimmed) ? undefined : `the user did not name the token ${value}`;
  }

  /** The symbol, or a name the token list or the lexicon gives that symbol, is in the user's words. */
  private mentionsToken(symbol: string): boolean {
    const key = symbol.replace(/^\$/, '').toLowerCase();
    if (!key) return false;
    const names = new Set<string>([key, ...(EXTRA_TOKEN_NAMES[key] ?? [])]);
    for (const entry of TOKENS) {
      if (entry.symbol.toLowerCase() === key) for (const name of entry.names ?? []) names.add(name);
    }
    for (const entry of this.context.tokens ?? []) {
      if (entry.symbol.toLowerCase() !== key) continue;
      // A name from the token list is third-party text: only a name of some length counts, so a
      // token named "a" or "to" cannot ground itself on every message.
      const name = entry.name.trim().toLowerCase();
      for (const variant of [name, name.replace(/\s+(?:token|coin)$/, '')]) {
        if (variant.length >= 3) names.add(variant);
      }
    }
    return [...names].some((name) => mentions(this.words, name));
  }

  private checkProtocol(value: string): string | undefined {
    const slug = value.toLowerCase();
    const names = new Set<string>();
    const known = PROTOCOLS.filter((entry) => entry.slug === slug);
    if (known.length === 0) names.add(slug);
    for (const entry of known) {
      if (!entry.slugIsWord) names.add(entry.slug);
      for (const name of entry.names ?? []) names.add(name);
    }
    return [...names].some((name) => mentions(this.words, name)) ? undefined : `the user did not name ${value}`;
  }

  private checkChain(value: string): string | undefined {
    const slug = value.toLowerCase();
    const known = CHAINS.filter((entry) => entry.slug === slug);
    const grounded =
      known.length === 0
        ? mentions(this.words, slug)
        : known.some((entry) =>
            [entry.slug, ...(entry.names ?? [])].some((name) =>
              entry.ambiguous ? mentionsAsChain(this.words, name) : mentions(this.words, name),
            ),
          );
    return grounded ? undefined : `the user did not name the chain ${value}`;
  }
}

function digitQuantities(text: string): Quantity[] {
  const found: Quantity[] = [];
  for (const match of text.matchAll(QUANTITY)) {
    const [, hash, dollar, digits = '', scale, unit] = match;
    let value = normalizeDecimal(digits.replace(/,/g, ''));
    if (value === undefined) continue;
    if (scale) value = shiftDecimal(value, SCALES[scale.toLowerCase()] ?? 0);
    const kind: QuantityKind = hash ? 'id' : dollar ? 'usd' : unit ? unitKind(unit.toLowerCase()) : 'number';
    found.push({ kind, value });
  }
  return found;
}

function unitKind(unit: string): QuantityKind {
  if (unit === '%' || unit.startsWith('per') || unit === 'pct') return 'percent';
  if (unit.startsWith('b')) return unit.startsWith('buck') ? 'usd' : 'bps';
  return 'usd';
}

/** "two hundred", "a thousand", "fifty percent", "ten dollars". */
function wordQuantities(text: string): Quantity[] {
  const words = text.toLowerCase().match(/[\p{L}]+|%/gu) ?? [];
  const found: Quantity[] = [];
  let index = 0;
  while (index < words.length) {
    let total = 0;
    let current = 0;
    let seen = false;
    let end = index;
    while (end < words.length) {
      const word = words[end] ?? '';
      const next = words[end + 1] ?? '';
      if (word in SMALL_NUMBERS) {
        current += SMALL_NUMBERS[word] ?? 0;
      } else if (word in WORD_SCALES && (seen || words[end - 1] === 'a' || words[end - 1] === 'an')) {
        const scale = WORD_SCALES[word] ?? 1;
        const base = seen ? current || 1 : 1;
        if (scale === 100) current = base * 100;
        else {
          total += base * scale;
          current = 0;
        }
      } else if ((word === 'a' || word === 'an') && next in WORD_SCALES && !seen) {
        end++;
        continue;
      } else if (word === 'and' && seen && next in SMALL_NUMBERS) {
        end++;
        continue;
      } else break;
      seen = true;
      end++;
    }
    if (seen) {
      const value = String(total + current);
      const unit = words[end] ?? '';
      const kind: QuantityKind =
        unit === 'percent' || unit === '%'
          ? 'percent'
          : ['dollars', 'dollar', 'bucks', 'usd'].includes(unit)
            ? 'usd'
            : 'number';
      found.push({ kind, value });
      index = end;
    } else index++;
  }
  return found;
}

/** "0100.50" → "100.5"; undefined when not a plain decimal. */
function normalizeDecimal(value: string): string | undefined {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match || (match[1] === '' && !match[2])) return undefined;
  const whole = (match[1] ?? '').replace(/^0+/, '') || '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** Moves the decimal point right, without floating point: ("1.5", 3) → "1500". */
function shiftDecimal(value: string, places: number): string {
  const [whole = '0', fraction = ''] = value.split('.');
  const digits = whole + fraction.padEnd(places, '0');
  const point = whole.length + places;
  return normalizeDecimal(`${digits.slice(0, point)}.${digits.slice(point)}`) ?? value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The phrase appears as words (case-insensitive; spaces, hyphens or nothing between its words):
 * "rocket pool" matches "Rocket-Pool" and "rocketpool". A phrase that starts with a letter may
 * follow digits ("100usdc").
 */
function mentions(text: string, phrase: string): boolean {
  const parts = phrase
    .trim()
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map(escapeRegExp);
  if (parts.length === 0) return false;
  const before = /^\p{L}/u.test(phrase.trim()) ? '(?<![\\p{L}])' : '(?<![\\p{L}\\p{N}])';
  return new RegExp(`${before}${parts.join('[\\s_-]*')}(?![\\p{L}\\p{N}])`, 'iu').test(text);
}

/** The string appears exactly as given (case-insensitive), not inside a longer name or address. */
function mentionsExactly(text: string, value: string): boolean {
  if (!value) return false;
  return new RegExp(`(?<![\\p{L}\\p{N}_.-])${escapeRegExp(value)}(?![\\p{L}\\p{N}_-]|\\.[\\p{L}\\p{N}])`, 'iu').test(
    text,
  );
}

/** A chain name that is also an everyday word or a token ("base", "eth") counts only where a chain is meant. */
function mentionsAsChain(text: string, name: string): boolean {
  const phrase = name.trim().split(/\s+/).map(escapeRegExp).join('[\\s_-]*');
  return new RegExp(
    `(?:\\b(?:on|to|from|via|over|onto|into|in)\\s+(?:the\\s+)?${phrase}(?![\\p{L}\\p{N}])|(?<![\\p{L}])${phrase}\\s+(?:chain|network|mainnet|l2)\\b)`,
    'iu',
  ).test(text);
}

// ---------------------------------------------------------------------------------------------
// The question to ask for what was dropped.

const FIELD_ORDER = [
  'token',
  'tokenIn',
  'tokenOut',
  'amount',
  'amountOut',
  'recipient',
  'spender',
  'account',
  'tokenId',
  'toChain',
  'chain',
  'protocol',
  'minAmountOut',
  'slippageBps',
];

const VERBS: Partial<Record<Intent['action'], string>> = {
  transfer: 'send',
  transfer_nft: 'send',
  add_liquidity: 'add as liquidity',
  remove_liquidity: 'remove from liquidity',
  claim_rewards: 'claim',
  total_supply: 'check the supply of',
  balance: 'check',
  price: 'price',
};

function questionFor(intent: Intent, field: string): string {
  const verb = VERBS[intent.action] ?? intent.action;
  const token = intent.token ?? intent.tokenIn;
  switch (field) {
    case 'token':
      return `Which token do you want to ${verb}?`;
    case 'tokenIn':
      return intent.action === 'swap' ? 'Which token do you want to sell?' : `Which token do you want to ${verb}?`;
    case 'tokenOut':
      return 'Which token do you want to receive?';
    case 'amount':
      return `How much${token ? ` ${token}` : ''} do you want to ${verb}?`;
    case 'amountOut':
      return `How much${intent.tokenOut ? ` ${intent.tokenOut}` : ''} do you want to receive?`;
    case 'recipient':
      return 'Which address should receive it? (a 0x address, an ENS name or a contact)';
    case 'spender':
      return `Who should be allowed to spend your ${token ?? 'tokens'}? (a 0x address, an ENS name or a contact)`;
    case 'account':
      return 'Which address do you mean? (a 0x address, an ENS name or a contact)';
    case 'tokenId':
      return 'Which token id do you mean?';
    case 'toChain':
      return 'Which chain do you want to bridge to?';
    case 'chain':
      return 'Which chain do you mean?';
    case 'protocol':
      return 'Which protocol do you want to use?';
    case 'minAmountOut':
      return 'What is the least you want to receive?';
    case 'slippageBps':
      return 'What slippage do you accept?';
    default:
      return `What is the ${field}?`;
  }
}

/** One question, for the first intent that lost a field, about its most important lost field. */
function questionForDropped(intents: readonly Intent[], dropped: readonly DroppedField[]): string | undefined {
  const fromIntents = dropped.filter((entry) => entry.intentIndex >= 0);
  const first = fromIntents[0];
  if (!first) return undefined;
  const index = Math.min(...fromIntents.map((entry) => entry.intentIndex));
  const fields = fromIntents.filter((entry) => entry.intentIndex === index).map((entry) => entry.field);
  const field = [...fields].sort((a, b) => rank(a) - rank(b))[0] ?? first.field;
  const intent = intents[index];
  if (!intent) return undefined;
  const question = questionFor(intent, field);
  return intents.length > 1 ? `In step ${index + 1}: ${question}` : question;
}

function rank(field: string): number {
  const position = FIELD_ORDER.indexOf(field);
  return position === -1 ? FIELD_ORDER.length : position;
}
