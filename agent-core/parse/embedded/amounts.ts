import { SMALL_NUMBERS } from '../number-words.ts';
import { FRACTION_NOUNS, NUMBER_WORD, readFractionWords, readNumberWords, shiftDecimal } from '../numerals.ts';
import { type Piece, scaleDecimal } from './normalize.ts';

/**
 * Amounts as people write them: "100", "1,000", "1.5k", ".5", "1/2", "1 1/2", "1e-3", "half"
 * (50%), "a quarter" (25%), "half an ETH" (0.5), "2 and a half" (2.5), "all"/"everything"/"max"
 * (all), "25%", "$100", "100 dollars", "100 usd worth of", "30 bps", "two hundred and fifty".
 * Slippage ("0.3% slippage") and floors ("at least 4000") are picked out of the tagged clause
 * afterwards. What looks like an amount but does not read exactly ("-5", "1.5.5", "2 half", "150%",
 * "50% of 2 ETH") is a problem, which the parser asks about: never an amount with a sign, a digit
 * or a separator dropped.
 */

export type AmountKind = 'number' | 'all' | 'percent' | 'usd' | 'bps';

export type Amount = {
  kind: AmountKind;
  /** A plain decimal ("1000", "0.5", "50" for 50%); "all" for all. */
  value: string;
  /** Written in words ("one", "ten"): an amount only when a token or a unit follows. */
  weak?: boolean;
  /** A share in words with nothing after it ("half", "a quarter"): "half ETH" is a question. */
  bare?: boolean;
  /** As typed. */
  raw?: string;
};

/** Something written as an amount that does not read as one exactly, and why; `sentence` says it all. */
export type AmountProblem = { raw: string; reason: string; sentence?: string };

export type AmountMatch = { length: number; amount: Amount } | { length: number; problem: AmountProblem };

/** The schema's form: "100", "all", "50%", "$100". */
export function formatAmount(amount: Amount): string {
  switch (amount.kind) {
    case 'all':
      return 'all';
    case 'percent':
      return `${amount.value}%`;
    case 'usd':
      return `$${amount.value}`;
    default:
      return amount.value;
  }
}

const SCALES: Record<string, number> = {
  k: 3,
  thousand: 3,
  grand: 3,
  m: 6,
  mil: 6,
  mln: 6,
  million: 6,
  billion: 9,
  bn: 9,
};
const PERCENT_WORDS = new Set(['percent', 'pct', 'percentage']);
const USD_WORDS = new Set(['usd', 'dollars', 'dollar', 'bucks', 'buck']);
const BPS_WORDS = new Set(['bps', 'bp', 'bip', 'bips']);
const ALL_WORDS = new Set([
  'all',
  'everything',
  'max',
  'maximum',
  'entire',
  'full',
  'whole',
  'rest',
  'remaining',
  'entirety',
]);
/** The words an amount in words starts with: a number word, "a"/"an", "half", "quarter", a sign, "usd". */
const NUMBER_WORD_STARTS = new Set([
  ...Object.keys(SMALL_NUMBERS),
  'a',
  'an',
  'half',
  'quarter',
  'minus',
  'negative',
  'usd',
]);
/** What may follow "a" in an amount: "a half", "a quarter", "a fifth", "a hundred", "a thousand". */
const AFTER_A = new Set([...FRACTION_NOUNS, 'hundred', 'thousand', 'grand', 'million', 'billion']);
/** After a fraction in digits, what makes it a share of a balance: "1/2 of my ETH", "3/4 my USDC". */
const SHARE_OF = new Set(['of', 'my', 'your', 'our']);

/** Every word this file reads, for typo correction ("everythng", "thousnad"). */
export const AMOUNT_WORDS: readonly string[] = [
  ...Object.keys(SCALES),
  ...PERCENT_WORDS,
  ...USD_WORDS,
  ...BPS_WORDS,
  ...ALL_WORDS,
  ...Object.keys(SMALL_NUMBERS),
  ...FRACTION_NOUNS,
  'hundred',
  'slippage',
  'tolerance',
  'minimum',
  'least',
];

/** Words that may follow a number without a space ("30bps", "100usd"). */
export const AMOUNT_UNITS: readonly string[] = [...USD_WORDS, ...BPS_WORDS, 'percent'];

const word = (piece: Piece | undefined): string | undefined => (piece?.kind === 'word' ? piece.text : undefined);
/** The words the shared readers see: a number in digits is NUMBER_WORD. */
const wordOrNumber = (piece: Piece | undefined): string | undefined =>
  piece === undefined
    ? undefined
    : piece.kind === 'word'
      ? piece.text
      : piece.kind === 'number' || piece.kind === 'usd' || piece.kind === 'percent'
        ? NUMBER_WORD
        : piece.text;
let lastPieces: readonly Piece[] | undefined;
let lastWords: (string | undefined)[] = [];
/** The pieces as the shared readers see them, computed once per message. */
function wordsOf(pieces: readonly Piece[]): (string | undefined)[] {
  if (pieces !== lastPieces) {
    lastPieces = pieces;
    lastWords = pieces.map(wordOrNumber);
  }
  return lastWords;
}
function rawOf(pieces: readonly Piece[], start: number, length: number): string {
  let raw = pieces[start]?.raw ?? '';
  for (let i = start + 1; i < start + length; i++) raw += ` ${pieces[i]?.raw ?? ''}`;
  return raw;
}
const problemAt = (pieces: readonly Piece[], start: number, length: number, reason: string): AmountMatch => ({
  length,
  problem: { raw: rawOf(pieces, start, length), reason },
});

/** The amount that starts at `pieces[start]`, and how many pieces it spans; or what is wrong with it. */
export function matchAmount(pieces: readonly Piece[], start: number): AmountMatch | undefined {
  const match = readAmount(pieces, start);
  if (!match || !('amount' in match)) return match;
  const { amount, length } = match;
  // "150%": more than the balance; "50% of 2 ETH": a share of what?
  if (amount.kind === 'percent') {
    if (Number(amount.value) > 100) return problemAt(pieces, start, length, 'a share above 100% is more than you have');
    const next = wordOrNumber(pieces[start + length]);
    const after = wordOrNumber(pieces[start + length + 1]);
    if (next === NUMBER_WORD || (next === 'of' && (after === NUMBER_WORD || readNumberWords([after], 0)))) {
      return problemAt(
        pieces,
        start,
        length + (next === 'of' ? 2 : 1),
        'a share of an amount is not an amount I can read exactly',
      );
    }
  }
  amount.raw = rawOf(pieces, start, length);
  return match;
}

function readAmount(pieces: readonly Piece[], start: number): AmountMatch | undefined {
  const piece = pieces[start];
  if (!piece) return undefined;
  if ((piece.kind === 'number' || piece.kind === 'percent' || piece.kind === 'usd') && piece.problem !== undefined) {
    return problemAt(pieces, start, 1, piece.problem);
  }
  if (piece.kind === 'percent') return { amount: { kind: 'percent', value: piece.value ?? '0' }, length: 1 };
  if (piece.kind === 'usd') {
    const scaled = scale(pieces, start + 1, piece.value ?? '0');
    return { amount: { kind: 'usd', value: scaled.value }, length: 1 + scaled.length };
  }
  if (piece.kind === 'number') return withUnit(pieces, start, 1, piece.value ?? '0', false, piece.fraction === true);
  const text = word(piece);
  if (text === undefined) return undefined;
  if (!NUMBER_WORD_STARTS.has(text) && !text.includes('-')) {
    return ALL_WORDS.has(text) ? { amount: { kind: 'all', value: 'all' }, length: 1 } : undefined;
  }
  // "a"/"an" starts an amount only before a part of one or a scale: "a quarter", "a hundred".
  if ((text === 'a' || text === 'an') && !AFTER_A.has(word(pieces[start + 1]) ?? '')) return undefined;
  const words = wordsOf(pieces);
  const part = readFractionWords(words, start);
  if (part) {
    if (part.problem !== undefined) return problemAt(pieces, start, part.length, part.problem);
    if (part.value !== undefined) return { amount: { kind: 'number', value: part.value }, length: part.length };
    return {
      amount: { kind: 'percent', value: part.percent ?? '0', ...(part.bare ? { bare: true } : {}) },
      length: part.length,
    };
  }
  if (ALL_WORDS.has(text)) return { amount: { kind: 'all', value: 'all' }, length: 1 };
  const after = pieces[start + 1];
  // "minus 5", "negative 5": a sign in words.
  if (
    (text === 'minus' || text === 'negative') &&
    (after?.kind === 'number' ||
      after?.kind === 'usd' ||
      after?.kind === 'percent' ||
      readNumberWords(wordsOf(pieces), start + 1))
  ) {
    return problemAt(pieces, start, 2, 'it has a minus sign');
  }
  // "USD 100": a dollar value written the other way round.
  if (text === 'usd' && (after?.kind === 'number' || after?.kind === 'percent')) {
    if (after.kind === 'percent' || after.problem !== undefined) {
      return problemAt(pieces, start, 2, after.problem ?? 'it has both "USD" and "%"');
    }
    const scaled = scale(pieces, start + 2, after.value ?? '0');
    return { amount: { kind: 'usd', value: scaled.value }, length: 2 + scaled.length };
  }
  const number = readNumberWords(words, start);
  if (number === undefined) return undefined;
  if (number.problem !== undefined) return problemAt(pieces, start, number.length, number.problem);
  return withUnit(pieces, start, number.length, number.value ?? '0', !number.scaled, false);
}

/**
 * A number (`length` pieces from `start`) and the words after it: "1.5 thousand", "2 and a half",
 * "50 percent", "100 dollars", "30 bps", "1/2 of my". `inWords`: written in words without a
 * scale ("five"), weak on its own.
 */
function withUnit(
  pieces: readonly Piece[],
  start: number,
  numberLength: number,
  value: string,
  inWords: boolean,
  fraction: boolean,
): AmountMatch {
  const scaled = scale(pieces, start + numberLength, value);
  let length = numberLength + scaled.length;
  let result = scaled.value;
  const weak = inWords && scaled.length === 0;
  const end = start + length;
  // "2 and a half ETH", "one and a quarter".
  if (word(pieces[end]) === 'and' && (word(pieces[end + 1]) === 'a' || word(pieces[end + 1]) === 'an') && !fraction) {
    const third = word(pieces[end + 2]);
    const part = third === 'half' ? '0.5' : third === 'quarter' ? '0.25' : undefined;
    if (part !== undefined && /^\d+$/.test(result)) {
      result = `${result}.${part.slice(2)}`;
      length += 3;
      return { amount: { kind: 'number', value: result }, length };
    }
  }
  const unit = pieces[end];
  const next = word(unit);
  // "2 half", "1 fifth": a number and a part of one.
  if (next !== undefined && FRACTION_NOUNS.has(next)) {
    return problemAt(pieces, start, length + 1, `a number and "${next}" do not read as one amount`);
  }
  if (unit?.kind === 'punct' && unit.text === '%')
    return { amount: { kind: 'percent', value: result }, length: length + 1 };
  if (next && PERCENT_WORDS.has(next)) return { amount: { kind: 'percent', value: result }, length: length + 1 };
  if (next === 'per' && word(pieces[end + 1]) === 'cent') {
    return { amount: { kind: 'percent', value: result }, length: length + 2 };
  }
  if (next && USD_WORDS.has(next)) return { amount: { kind: 'usd', value: result }, length: length + 1 };
  // "5$", "5 $", "2 thousand $": the dollar sign after the amount.
  if (unit?.kind === 'punct' && unit.text === '$') {
    return { amount: { kind: 'usd', value: result }, length: length + 1 };
  }
  if (next && BPS_WORDS.has(next)) return { amount: { kind: 'bps', value: result }, length: length + 1 };
  if (next === 'basis' && word(pieces[end + 1])?.startsWith('point')) {
    return { amount: { kind: 'bps', value: result }, length: length + 2 };
  }
  // "1/2 of my ETH", "3/4 my USDC": a share of the balance. "1/2 ETH" is half of one.
  if (fraction && scaled.length === 0 && next !== undefined && SHARE_OF.has(next)) {
    return { amount: { kind: 'percent', value: shiftDecimal(result, 2) }, length };
  }
  return { amount: { kind: 'number', value: result, ...(weak ? { weak } : {}) }, length };
}

/** "1.5 thousand", "2 million", "three hundred": the scaled value and how many words it took. */
function scale(pieces: readonly Piece[], start: number, value: string): { value: string; length: number } {
  let result = value;
  let length = 0;
  for (;;) {
    const next = word(pieces[start + length]);
    if (next === 'hundred') result = scaleDecimal(result, 2);
    else if (next !== undefined && SCALES[next] !== undefined) result = scaleDecimal(result, SCALES[next] ?? 0);
    else break;
    length++;
  }
  return { value: result, length };
}

/** 0.3 (percent) → 30 basis points. */
export function percentToBps(percent: string): number {
  return Math.round(Number(percent) * 100);
}
