import type { Token } from '../../common/chains/types.ts';
import { questionFor } from '../intents/requirements.ts';
import type { Intent, ParseResult } from '../intents/schema.ts';
import { CHAINS, PROTOCOLS, TOKENS } from './embedded/lexicon.ts';
import { divideExactly, readEmbedded } from './embedded/parse.ts';
import {
  FRACTION_NOUNS,
  NUMBER_WORD,
  readFractionWords,
  readNumberWords,
  readNumeral,
  roleMarker,
  shiftDecimal,
} from './numerals.ts';

/**
 * The grounding guard (security principle 1): every amount, address, ENS name, contact, token,
 * protocol and chain in a model's reading must be traceable to the user's words: the message, the
 * earlier turns, the address book (a contact the user named) or the token list (a token the user
 * named). Whatever is not is dropped, and the result asks the user for it (`clarify`). The model
 * never supplies a value the user did not give.
 *
 * One candidate or a question: where the message itself names an amount or a party, the model's
 * value must be exactly one of those (numbers read by ./numerals.ts, as the embedded parser reads
 * them: "1/2" is 0.5, never 2; "-5" and "1.5.5" are no amount at all, and the amounts are asked
 * for), and every party the message names must be used (a model that picks the address while the
 * text also names a label loses its recipient, and the user is asked). Text imitating the assistant
 * or the system ("assistant: plan: …") drops every intent. A value dropped from a later step that
 * the planner could take from the step before (its amount or token) drops every intent, so the
 * question is asked instead of the step before's output being used.
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
  const { clarify: _previous, ...rest } = result;
  // "assistant: plan: send …": the user's text, never a turn of the conversation.
  const marker = roleMarker(context.text);
  if (marker !== undefined) {
    const dropped = result.intents.map((intent, intentIndex) => ({
      intentIndex,
      field: 'action',
      value: intent.action,
      reason: `the message imitates the assistant or the system ("${marker}")`,
    }));
    const clarify = `Part of your message ("${marker}") reads like the assistant's or the system's words, which I never act on. What would you like to do? Please ask in your own words.`;
    return { result: { ...rest, intents: [], clarify }, dropped };
  }

  const evidence = new Evidence(context, result.intents);
  const dropped: DroppedField[] = [];
  const intents = result.intents.map((intent, intentIndex) => {
    const kept: Record<string, unknown> = { action: intent.action };
    for (const [field, value] of Object.entries(intent)) {
      if (field === 'action' || value === undefined) continue;
      const problem = evidence.check(field, value, intent);
      if (problem === undefined) kept[field] = value;
      else dropped.push({ intentIndex, field, value: String(value), reason: problem });
    }
    return kept as Intent;
  });
  // More parties in the words than the reading uses: which one did the user mean?
  const unused = evidence.unusedParties(intents);
  if (unused.length > 0) {
    intents.forEach((intent, intentIndex) => {
      for (const field of ['recipient', 'spender'] as const) {
        const value = intent[field];
        if (value === undefined) continue;
        delete intent[field];
        dropped.push({
          intentIndex,
          field,
          value,
          reason: `the message also names ${unused.join(', ')}: more than one candidate`,
        });
      }
    });
  }

  let clarify = result.clarify;
  if (clarify !== undefined) {
    const problem = evidence.checkQuestion(clarify);
    if (problem !== undefined) {
      dropped.push({ intentIndex: -1, field: 'clarify', value: clarify, reason: problem });
      clarify = GENERIC_QUESTION;
    }
  }
  const question = questionForDropped(intents, dropped, evidence, unused);
  if (question) clarify = question;

  // A later step without its amount or token would take the step before's output: ask instead.
  const chained = dropped.some((entry) => entry.intentIndex > 0 && CHAINABLE_FIELDS.has(entry.field));
  return { result: { ...rest, intents: chained ? [] : intents, ...(clarify ? { clarify } : {}) }, dropped };
}

/** Fields the planner fills from the step before when a later step lacks them. */
const CHAINABLE_FIELDS = new Set(['amount', 'amountOut', 'token', 'tokenIn']);

const GENERIC_QUESTION = 'Could you say exactly what you want to do, with the amounts, tokens and recipients?';

// ---------------------------------------------------------------------------------------------
// What the user's words contain.

type QuantityKind = 'number' | 'percent' | 'usd' | 'bps' | 'id';
type Quantity = { kind: QuantityKind; value: string };
/** "2 ETH worth of USDC": an amount of `token` counted in `measure`; only a swap of one for the other. */
type Worth = { value: string; measure: string; token: string };
/** Something written as an amount that does not read exactly, and why. */
type NumberProblem = { raw: string; reason: string };

const ADDRESS = /(?<![0-9a-zA-Z])0x[0-9a-fA-F]{40}(?![0-9a-zA-Z])/g;
const IS_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ENS_LIKE =
  /(?<![\p{L}\p{N}_.-])[\p{L}\p{N}][\p{L}\p{N}_-]*(?:\.[\p{L}\p{N}_-]+)*\.(?:eth|xyz|box|id|art|crypto|nft|wallet|lens|sol|com|org|io|app)(?![\p{L}\p{N}_-])/giu;
const HEX_RUN = /0x[0-9a-fA-F]{6,}/g;
const URL_LIKE = /\b(?:https?:\/\/|www\.)/i;

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
const PERCENT_UNITS = new Set(['%', 'percent', 'pct']);
const USD_UNITS = new Set(['usd', 'dollar', 'dollars', 'buck', 'bucks']);
const BPS_UNITS = new Set(['bps', 'bp', 'bip', 'bips']);
/** After a fraction in digits: "1/2 of my ETH", "3/4 my USDC" is a share of a balance. */
const SHARE_OF = new Set(['of', 'my', 'your', 'our']);
const WORTH_SKIP = new Set(['my', 'the', 'your', 'our', 'some']);
const FOREIGN_BEFORE = /[€£¥₹₩₽¢₿₺₴₦₱฿₫₪]\s?$/u;
const FOREIGN_AFTER = /^\s?[€£¥₹₩₽¢₿₺₴₦₱฿₫₪]/u;

type Word = {
  text: string;
  start: number;
  end: number;
  number?: { value?: string; problem?: string; fraction?: boolean };
};

/** The words of a text, with numbers read by ./numerals.ts as single words. */
function wordsOf(text: string): Word[] {
  const words: Word[] = [];
  let index = 0;
  while (index < text.length) {
    const before = text[index - 1] ?? '';
    if (!/[\p{L}\p{N}_.]/u.test(before) || /[-+−–]/.test(text[index] ?? '')) {
      const numeral = !/[\p{L}\p{N}_]/u.test(before) ? readNumeral(text, index) : undefined;
      if (numeral) {
        words.push({ text: NUMBER_WORD, start: index, end: index + numeral.length, number: numeral });
        index += numeral.length;
        continue;
      }
    }
    const word = /^[\p{L}][\p{L}\p{N}]*(?:-[\p{L}]+)*/u.exec(text.slice(index, index + 64));
    if (word && !/\p{L}/u.test(before)) {
      words.push({ text: word[0].toLowerCase(), start: index, end: index + word[0].length });
      index += word[0].length;
      continue;
    }
    const char = text[index] ?? '';
    if (char === '%' || char === '$' || char === '#') words.push({ text: char, start: index, end: index + 1 });
    index += 1;
  }
  return words;
}

/**
 * The amounts a text states, read as the embedded parser reads them: numbers with their scale and
 * unit ("1.5k", "25%", "$100", "30 bps", "#1234"), fractions ("1/2 ETH" is 0.5, "3/4 of my USDC"
 * 75%), numbers and parts of one in words ("two hundred", "half my ETH", "half an ETH"); what does
 * not read exactly goes to `problems` and states nothing.
 */
function readQuantities(
  text: string,
  isToken: (word: string) => string | undefined,
): { quantities: Quantity[]; problems: NumberProblem[]; worth: Worth[]; saysAll: boolean } {
  const words = wordsOf(text);
  const texts = words.map((word) => word.text);
  const quantities: Quantity[] = [];
  const problems: NumberProblem[] = [];
  const worth: Worth[] = [];
  const rawOf = (from: number, to: number) => text.slice(words[from]?.start ?? 0, words[to - 1]?.end ?? 0);
  let index = 0;
  while (index < words.length) {
    const word = words[index] as Word;
    const start = index;
    let kind: QuantityKind = 'number';
    let value: string | undefined;
    let fraction = false;
    let problem: string | undefined;
    if (word.number) {
      index++;
      const previous = words[start - 1];
      const glued = previous !== undefined && previous.end === word.start;
      if (previous?.text === '$' && word.start - previous.end <= 1) kind = 'usd';
      else if (previous?.text === '#' && word.start - previous.end <= 1) kind = 'id';
      else if (previous?.text === 'usd' && !glued) kind = 'usd';
      const before = text.slice(Math.max(0, word.start - 2), word.start);
      if (/%\s?$/.test(before)) problem = 'the % sign comes before it';
      else if (FOREIGN_BEFORE.test(before)) problem = 'it is not in dollars';
      if (FOREIGN_AFTER.test(text.slice(word.end, word.end + 2))) problem = 'it is not in dollars';
      problem ??= word.number.problem;
      value = word.number.value;
      fraction = word.number.fraction === true;
    } else {
      const part = readFractionWords(texts, index);
      if (part) {
        index += part.length;
        if (part.problem !== undefined) problem = part.problem;
        else if (part.value !== undefined) value = part.value;
        else if (part.bare && isToken(texts[index] ?? '') !== undefined) {
          index++;
          problem = 'it could mean a share of your balance or a part of one token';
        } else {
          quantities.push({ kind: 'percent', value: part.percent ?? '0' });
          continue;
        }
      } else {
        const number = readNumberWords(texts, index);
        if (!number) {
          index++;
          continue;
        }
        index += number.length;
        problem = number.problem;
        value = number.value;
      }
    }
    if (problem === undefined && value !== undefined) {
      // Scales and units after the number.
      for (;;) {
        const next = texts[index] ?? '';
        const scale = SCALES[next];
        if (scale === undefined || (next.length <= 2 && (words[index]?.start ?? 0) - (words[index - 1]?.end ?? 0) > 1))
          break;
        value = shiftDecimal(value, scale);
        index++;
      }
      const next = texts[index] ?? '';
      if (kind === 'number' && (PERCENT_UNITS.has(next) || (next === 'per' && texts[index + 1] === 'cent'))) {
        kind = 'percent';
        index += next === 'per' ? 2 : 1;
      } else if (kind === 'number' && (USD_UNITS.has(next) || dollarSignAfter(text, words, index))) {
        kind = 'usd';
        index++;
      } else if (
        kind === 'number' &&
        (BPS_UNITS.has(next) || (next === 'basis' && texts[index + 1]?.startsWith('point')))
      ) {
        kind = 'bps';
        index += next === 'basis' ? 2 : 1;
      } else if (kind === 'number' && next === 'and' && texts[index + 1] === 'a' && /^\d+$/.test(value)) {
        const part = texts[index + 2] === 'half' ? '5' : texts[index + 2] === 'quarter' ? '25' : undefined;
        if (part !== undefined) {
          value = `${value}.${part}`;
          index += 3;
        }
      } else if (FRACTION_NOUNS.has(next)) {
        problem = `a number and "${next}" do not read as one amount`;
        index++;
      } else if (kind === 'number' && fraction && SHARE_OF.has(next)) {
        kind = 'percent';
        value = shiftDecimal(value, 2);
      }
      if (kind === 'percent' && problem === undefined) {
        const after = texts[index];
        if (Number(value) > 100) problem = 'a share above 100%';
        else if (after === NUMBER_WORD || (after === 'of' && texts[index + 1] === NUMBER_WORD)) {
          problem = 'a share of another amount';
        }
      }
    }
    if (problem !== undefined || value === undefined) {
      problems.push({ raw: rawOf(start, index), reason: problem ?? 'it is not a number' });
      continue;
    }
    quantities.push({ kind, value });
    // "2 ETH worth of USDC", "USDC worth 2 ETH".
    if (kind === 'number') {
      const measure = isToken(texts[index] ?? '');
      if (measure !== undefined && texts[index + 1] === 'worth' && texts[index + 2] === 'of') {
        let at = index + 3;
        while (WORTH_SKIP.has(texts[at] ?? '')) at++;
        const token = isToken(texts[at] ?? '');
        if (token !== undefined && token !== measure) worth.push({ value, measure, token });
      }
      const token = isToken(texts[start - 2] ?? '');
      if (measure !== undefined && texts[start - 1] === 'worth' && token !== undefined && token !== measure) {
        worth.push({ value, measure, token });
      }
    }
  }
  const saysAll = texts.some((text) => ALL_WORDS.includes(text));
  return { quantities, problems, worth, saysAll };
}

/** "5$", "5 $", "2 thousand $": a dollar sign after the amount (not "5 $ETH", a ticker). */
function dollarSignAfter(text: string, words: readonly Word[], index: number): boolean {
  const sign = words[index];
  if (sign?.text !== '$') return false;
  const gap = sign.start - (words[index - 1]?.end ?? 0);
  return gap <= 1 && !/[\p{L}\p{N}]/u.test(text[sign.end] ?? '');
}

/** Words that share one amount between the recipients: "split between", "divided equally". */
const SPLIT_WORDS = /\b(?:split|divide|divided|evenly|equally)\b/i;

const ALL_WORDS = ['all', 'everything', 'max', 'maximum', 'entire', 'whole', 'full', 'rest', 'remaining'];

/** Synonyms the chain's token list and the embedded parser's lexicon may lack. */
const EXTRA_TOKEN_NAMES: Record<string, string[]> = { eth: ['ether', 'ethers'] };

const AMOUNT_FIELDS = new Set(['amount']);
const DECIMAL_FIELDS = new Set(['amountOut', 'minAmountOut']);
const TOKEN_FIELDS = new Set(['token', 'tokenIn', 'tokenOut']);
const PARTY_FIELDS = new Set(['recipient', 'spender', 'account']);
const CHAIN_FIELDS = new Set(['chain', 'toChain']);

const AMOUNT_KINDS: readonly QuantityKind[] = ['number', 'percent', 'usd'];

class Evidence {
  /** The message and the earlier turns, as written. */
  private readonly raw: string;
  /** The same with addresses and ENS names blanked, for numbers and names. */
  private readonly words: string;
  private readonly addresses: Set<string>;
  /** What this message states: amounts, amounts that do not read, "X worth of Y", "all". */
  private readonly now: ReturnType<typeof readQuantities>;
  /** What the earlier turns state. */
  private readonly before: ReturnType<typeof readQuantities>;
  /** The parties this message names (addresses, ENS names, labels), by who they are, as written. */
  private readonly parties: Map<string, string>;
  /** The parties this message names that are never the recipient ("from 0x…", "contract 0x…"), by identity. */
  private readonly notPayees: Set<string>;
  /** "100 USDC split between alice and bob", read as this many transfers: each is a share of a stated amount. */
  private readonly splitInto: number;
  private readonly context: GroundingContext;
  private readonly tokenWords: Map<string, string>;

  constructor(context: GroundingContext, intents: readonly Intent[] = []) {
    this.context = context;
    this.raw = [...(context.conversation ?? []), context.text].join('\n');
    this.addresses = new Set((this.raw.match(ADDRESS) ?? []).map((address) => address.toLowerCase()));
    this.words = this.raw.replace(ADDRESS, ' ').replace(ENS_LIKE, ' ');
    this.tokenWords = tokenWords(context.tokens ?? []);
    const isToken = (word: string) => this.tokenWords.get(word.toLowerCase());
    const blank = (text: string) => text.replace(ADDRESS, ' ').replace(ENS_LIKE, ' ');
    this.now = readQuantities(blank(context.text), isToken);
    this.before = readQuantities(blank((context.conversation ?? []).join('\n')), isToken);
    this.parties = new Map();
    const embedded = readEmbedded(context.text);
    const named = [
      ...(context.text.match(ADDRESS) ?? []),
      ...(context.text.match(ENS_LIKE) ?? []),
      ...embedded.parties,
      ...embedded.notPayees,
    ];
    for (const party of named)
      if (!this.parties.has(this.identity(party))) this.parties.set(this.identity(party), party);
    this.notPayees = new Set(embedded.notPayees.map((party) => this.identity(party)));
    const transfers = intents.filter((intent) => intent.action === 'transfer').length;
    this.splitInto = SPLIT_WORDS.test(context.text) && transfers > 1 ? transfers : 0;
  }

  /** The first amount of this message that does not read exactly. */
  get amountProblem(): NumberProblem | undefined {
    return this.now.problems[0];
  }

  /** Undefined when the value is grounded; otherwise why not. */
  check(field: string, value: unknown, intent: Intent): string | undefined {
    const problem = this.now.problems[0];
    if (problem && (field === 'slippageBps' || AMOUNT_FIELDS.has(field) || DECIMAL_FIELDS.has(field))) {
      return `the user's amount "${problem.raw}" does not read exactly (${problem.reason})`;
    }
    if (field === 'slippageBps') return this.checkSlippage(value);
    if (typeof value !== 'string') return `${field} is not text`;
    if (AMOUNT_FIELDS.has(field)) return this.checkAmount(value, intent);
    if (DECIMAL_FIELDS.has(field)) {
      return this.has('number', value, this.amountPool()) ? undefined : `the user did not write the number ${value}`;
    }
    if (field === 'tokenId') {
      const all = [...this.now.quantities, ...this.before.quantities];
      return this.has('id', value, all) || this.has('number', value, all)
        ? undefined
        : `the user did not write the id ${value}`;
    }
    if (TOKEN_FIELDS.has(field)) return this.checkWorthToken(field, value, intent) ?? this.checkToken(value);
    if (field === 'recipient' && this.notPayees.has(this.identity(value))) {
      return `the message names ${value} after "from", "contract", "token" or "on": never the recipient`;
    }
    if (PARTY_FIELDS.has(field)) return this.checkParty(value);
    if (field === 'protocol') return this.checkProtocol(value);
    if (CHAIN_FIELDS.has(field)) return this.checkChain(value);
    // A field the schema may add later: an address in it is held to the same rule.
    if (IS_ADDRESS.test(value.trim())) return this.checkAddress(value.trim());
    return undefined;
  }

  /**
   * The parties this message names that no field of the reading uses ("send 1 USDC to alice
   * 0xBAD…" read as a transfer to 0xBAD… leaves alice): more than one candidate.
   */
  unusedParties(intents: readonly Intent[]): string[] {
    if (this.parties.size === 0) return [];
    const used = new Set<string>();
    for (const intent of intents) {
      for (const field of ['recipient', 'spender', 'account', 'token', 'tokenIn', 'tokenOut'] as const) {
        const value = intent[field];
        if (value !== undefined && (PARTY_FIELDS.has(field) || IS_ADDRESS.test(value.trim()))) {
          used.add(this.identity(value));
        }
      }
    }
    return [...this.parties].flatMap(([identity, written]) => (used.has(identity) ? [] : [written]));
  }

  /** A recipient dropped because the message names it as a sender or a contract. */
  isNotPayee(entry: DroppedField): boolean {
    return entry.field === 'recipient' && this.notPayees.has(this.identity(entry.value));
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

  /** Who a party is: an address (a contact's label is its address), else the name in lower case. */
  private identity(value: string): string {
    const lower = value.trim().toLowerCase();
    if (IS_ADDRESS.test(lower)) return lower;
    const contact = (this.context.addressBook ?? []).find((entry) => entry.label.trim().toLowerCase() === lower);
    return contact ? contact.address.toLowerCase() : lower;
  }

  /**
   * The amounts a value may come from: this message's, when it states one (an amount from an
   * earlier turn does not stand in for the one just written); else the earlier turns' too.
   */
  private amountPool(): Quantity[] {
    const now = this.now.quantities.some((quantity) => AMOUNT_KINDS.includes(quantity.kind)) || this.now.saysAll;
    return now ? this.now.quantities : [...this.now.quantities, ...this.before.quantities];
  }

  private has(kind: QuantityKind, value: string, pool: readonly Quantity[]): boolean {
    const wanted = normalizeDecimal(value);
    return (
      wanted !== undefined &&
      pool.some((quantity) => quantity.kind === kind && normalizeDecimal(quantity.value) === wanted)
    );
  }

  private checkAmount(value: string, intent: Intent): string | undefined {
    if (this.splitInto > 0 && intent.action === 'transfer') return this.checkShare(value);
    const pool = this.amountPool();
    const nowStates = pool === this.now.quantities;
    if (value === 'all') {
      return this.now.saysAll || (!nowStates && this.before.saysAll) ? undefined : 'the user did not ask for all of it';
    }
    if (value.endsWith('%')) {
      return this.has('percent', value.slice(0, -1), pool) ? undefined : `the user did not write ${value}`;
    }
    if (value.startsWith('$')) {
      return this.has('usd', value.slice(1), pool) ? undefined : `the user did not write ${value}`;
    }
    if (!this.has('number', value, pool)) return `the user did not write the amount ${value}`;
    // "2 ETH worth of USDC": 2 is an amount of ETH given for USDC, and nothing else.
    const decimal = normalizeDecimal(value);
    const worth = [...this.now.worth, ...(nowStates ? [] : this.before.worth)].find(
      (entry) => normalizeDecimal(entry.value) === decimal,
    );
    if (worth) {
      const symbol = (token: string | undefined) =>
        token ? (this.tokenWords.get(token.toLowerCase()) ?? token.toUpperCase()) : undefined;
      const swapped =
        intent.action === 'swap' && symbol(intent.tokenIn) === worth.measure && symbol(intent.tokenOut) === worth.token;
      if (!swapped) {
        return `the user wrote ${value} ${worth.measure} worth of ${worth.token}: an amount of ${worth.token} counted in ${worth.measure}`;
      }
    }
    return undefined;
  }

  /**
   * "send 100 USDC split between alice and bob" read as two transfers: each must be exactly an equal
   * share of an amount the message states (50 each), never the whole amount to each.
   */
  private checkShare(value: string): string | undefined {
    const dollars = value.startsWith('$');
    const wanted = normalizeDecimal(dollars ? value.slice(1) : value);
    const shared = this.now.quantities.some((quantity) => {
      if (quantity.kind !== (dollars ? 'usd' : 'number')) return false;
      const whole = normalizeDecimal(quantity.value);
      return whole !== undefined && divideExactly(whole, this.splitInto) === wanted;
    });
    return shared
      ? undefined
      : `the user asked to split an amount between ${this.splitInto} recipients, not ${value} each`;
  }

  /** "send 2 ETH worth of USDC" read as a transfer of ETH: ETH is only what the amount is counted in. */
  private checkWorthToken(field: string, value: string, intent: Intent): string | undefined {
    if (field === 'tokenOut' || intent.amount === undefined || this.checkAmount(intent.amount, intent) === undefined) {
      return undefined;
    }
    const decimal = normalizeDecimal(intent.amount);
    const symbol = this.tokenWords.get(value.toLowerCase()) ?? value.toUpperCase();
    const worth = [...this.now.worth, ...this.before.worth].find(
      (entry) => normalizeDecimal(entry.value) === decimal && entry.measure === symbol,
    );
    return worth
      ? `the user counted an amount of ${worth.token} in ${value}; ${value} is not what is given`
      : undefined;
  }

  private checkSlippage(value: unknown): string | undefined {
    if (typeof value !== 'number') return 'slippageBps is not a number';
    const stated = (quantity: Quantity) => quantity.kind === 'percent' || quantity.kind === 'bps';
    const pool = this.now.quantities.some(stated)
      ? this.now.quantities
      : [...this.now.quantities, ...this.before.quantities];
    const grounded = pool.some(
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
    // Where the message names parties, the value must be one of them.
    if (this.parties.size > 0 && !this.parties.has(this.identity(trimmed))) {
      return `the message names ${[...this.parties.values()].join(', ')}, not "${value}"`;
    }
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

/** "0100.50" → "100.5"; undefined when not a plain decimal. */
function normalizeDecimal(value: string): string | undefined {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match || (match[1] === '' && !match[2])) return undefined;
  const whole = (match[1] ?? '').replace(/^0+/, '') || '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/**
 * Words that name a token, to its symbol: the lexicon's symbols and names, the token list's
 * symbols, "ether". Tokens whose name is an everyday word are left out.
 */
function tokenWords(tokens: readonly Pick<Token, 'symbol' | 'name' | 'address'>[]): Map<string, string> {
  const words = new Map<string, string>();
  for (const entry of TOKENS) {
    if (entry.ambiguous) continue;
    for (const name of [entry.symbol, ...(entry.names ?? [])]) words.set(name.toLowerCase(), entry.symbol);
  }
  for (const token of tokens) words.set(token.symbol.toLowerCase(), token.symbol);
  for (const [symbol, names] of Object.entries(EXTRA_TOKEN_NAMES)) {
    for (const name of names) words.set(name, symbol.toUpperCase());
  }
  return words;
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

/**
 * One question, for the first intent that lost a field, about its most important lost field; it
 * says why when the words themselves are in doubt (an amount that does not read, several parties).
 */
function questionForDropped(
  intents: readonly Intent[],
  dropped: readonly DroppedField[],
  evidence: Evidence,
  unused: readonly string[],
): string | undefined {
  const fromIntents = dropped.filter((entry) => entry.intentIndex >= 0);
  const first = fromIntents[0];
  if (!first) return undefined;
  const index = Math.min(...fromIntents.map((entry) => entry.intentIndex));
  const fields = fromIntents.filter((entry) => entry.intentIndex === index).map((entry) => entry.field);
  const field = [...fields].sort((a, b) => rank(a) - rank(b))[0] ?? first.field;
  const intent = intents[index];
  if (!intent) return undefined;
  let question = questionFor(intent, field);
  const problem = evidence.amountProblem;
  if (problem && (field === 'amount' || field === 'amountOut' || field === 'minAmountOut' || field === 'slippageBps')) {
    question = `I can't read "${problem.raw}" as an exact amount: ${problem.reason}. ${question}`;
  } else if (field === 'recipient' && fromIntents.some((entry) => evidence.isNotPayee(entry))) {
    const named = fromIntents.filter((entry) => evidence.isNotPayee(entry)).map((entry) => entry.value);
    question = `Your message names ${[...new Set(named)].join(', ')} after "from", "contract", "token" or "on": I never pay it as the recipient. ${question}`;
  } else if (unused.length > 0 && (field === 'recipient' || field === 'spender')) {
    const names = [
      ...new Set([...unused, ...fromIntents.filter((entry) => entry.field === field).map((entry) => entry.value)]),
    ];
    question = `Your message names more than one possible ${field === 'spender' ? 'spender' : 'recipient'} (${names.join(', ')}). ${question}`;
  }
  return intents.length > 1 ? `In step ${index + 1}: ${question}` : question;
}

function rank(field: string): number {
  const position = FIELD_ORDER.indexOf(field);
  return position === -1 ? FIELD_ORDER.length : position;
}
