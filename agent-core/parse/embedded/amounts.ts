import { SMALL_NUMBERS } from '../number-words.ts';
import { type Piece, scaleDecimal } from './normalize.ts';
import type { Tag } from './tags.ts';

/**
 * Amounts as people write them: "100", "1,000", "1.5k", ".5", "half" (50%), "a quarter" (25%),
 * "all"/"everything"/"max" (all), "25%", "$100", "100 dollars", "100 usd worth of", "30 bps",
 * "two hundred". Slippage ("0.3% slippage") and floors ("at least 4000") are picked out of the
 * tagged clause afterwards.
 */

export type AmountKind = 'number' | 'all' | 'percent' | 'usd' | 'bps';

export type Amount = {
  kind: AmountKind;
  /** A plain decimal ("1000", "0.5", "50" for 50%); "all" for all. */
  value: string;
  /** Written in words ("one", "ten"): an amount only when a token or a unit follows. */
  weak?: boolean;
};

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
/** Number words the parser reads as an amount on their own ("hundred" too: "a hundred USDC"). */
const NUMBER_WORDS: Record<string, number> = { ...SMALL_NUMBERS, hundred: 100 };

/** Every word this file reads, for typo correction ("everythng", "thousnad"). */
export const AMOUNT_WORDS: readonly string[] = [
  ...Object.keys(SCALES),
  ...PERCENT_WORDS,
  ...USD_WORDS,
  ...BPS_WORDS,
  ...ALL_WORDS,
  ...Object.keys(NUMBER_WORDS),
  'half',
  'quarter',
  'quarters',
  'slippage',
  'tolerance',
  'minimum',
  'least',
];

/** Words that may follow a number without a space ("30bps", "100usd"). */
export const AMOUNT_UNITS: readonly string[] = [...USD_WORDS, ...BPS_WORDS, 'percent'];

const word = (piece: Piece | undefined): string | undefined => (piece?.kind === 'word' ? piece.text : undefined);

/** The amount that starts at `pieces[start]`, and how many pieces it spans. */
export function matchAmount(pieces: readonly Piece[], start: number): { amount: Amount; length: number } | undefined {
  const piece = pieces[start];
  if (!piece) return undefined;
  if (piece.kind === 'percent') return { amount: { kind: 'percent', value: piece.value ?? '0' }, length: 1 };
  if (piece.kind === 'usd') {
    const scaled = scale(pieces, start + 1, piece.value ?? '0');
    return { amount: { kind: 'usd', value: scaled.value }, length: 1 + scaled.length };
  }
  if (piece.kind === 'number') return withUnit(pieces, start, piece.value ?? '0', false);
  const text = word(piece);
  if (text === undefined) return undefined;
  if (text === 'half') return { amount: { kind: 'percent', value: '50' }, length: 1 };
  const next = word(pieces[start + 1]);
  if ((text === 'a' || text === 'one') && next === 'quarter')
    return { amount: { kind: 'percent', value: '25' }, length: 2 };
  if ((text === 'a' || text === 'one') && next === 'half')
    return { amount: { kind: 'percent', value: '50' }, length: 2 };
  if (text === 'quarter') return { amount: { kind: 'percent', value: '25' }, length: 1 };
  if (text === 'three' && next === 'quarters') return { amount: { kind: 'percent', value: '75' }, length: 2 };
  if (ALL_WORDS.has(text)) return { amount: { kind: 'all', value: 'all' }, length: 1 };
  if (text === 'a' && (next === 'hundred' || next === 'thousand' || next === 'million')) {
    return withUnit(pieces, start, '1', true);
  }
  const number = NUMBER_WORDS[text];
  if (number !== undefined) return withUnit(pieces, start, String(number), true);
  return undefined;
}

/** A number and the words after it: "1.5 thousand", "50 percent", "100 dollars", "30 bps". */
function withUnit(
  pieces: readonly Piece[],
  start: number,
  value: string,
  inWords: boolean,
): { amount: Amount; length: number } {
  const scaled = scale(pieces, start + 1, value);
  const length = 1 + scaled.length;
  const weak = inWords && scaled.length === 0;
  const unit = pieces[start + 1 + scaled.length];
  const next = word(unit);
  if (unit?.kind === 'punct' && unit.text === '%')
    return { amount: { kind: 'percent', value: scaled.value }, length: length + 1 };
  if (next && PERCENT_WORDS.has(next)) return { amount: { kind: 'percent', value: scaled.value }, length: length + 1 };
  if (next === 'per' && word(pieces[start + 2 + scaled.length]) === 'cent') {
    return { amount: { kind: 'percent', value: scaled.value }, length: length + 2 };
  }
  if (next && USD_WORDS.has(next)) return { amount: { kind: 'usd', value: scaled.value }, length: length + 1 };
  if (next && BPS_WORDS.has(next)) return { amount: { kind: 'bps', value: scaled.value }, length: length + 1 };
  if (next === 'basis' && word(pieces[start + 2 + scaled.length])?.startsWith('point')) {
    return { amount: { kind: 'bps', value: scaled.value }, length: length + 2 };
  }
  return { amount: { kind: 'number', value: scaled.value, ...(weak ? { weak } : {}) }, length };
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

const SLIPPAGE_WORDS = new Set(['slippage', 'slippages', 'slip']);
const SLIPPAGE_FILLER = new Set([
  'of',
  'at',
  'tolerance',
  'is',
  'to',
  'set',
  'max',
  'maximum',
  'up',
  'under',
  'below',
  'with',
  'a',
  'and',
  'most',
  'allow',
  'allowing',
  ':',
  '=',
]);

const isWord = (tag: Tag | undefined, ...texts: string[]): boolean =>
  tag?.type === 'word' && (texts.length === 0 || texts.includes(tag.text));

/**
 * Replaces "0.3% slippage", "slippage 30 bps", "max slippage of 1%" by a slippage tag, in place.
 * A bare number after "slippage" is a percentage ("slippage 0.5").
 */
export function markSlippage(tags: Tag[]): void {
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (tag?.type !== 'word' || !SLIPPAGE_WORDS.has(tag.text)) continue;
    const found = findSlippageAmount(tags, i, 1) ?? findSlippageAmount(tags, i, -1);
    if (found === undefined) continue;
    const amount = tags[found];
    if (amount?.type !== 'amount') continue;
    const bps =
      amount.amount.kind === 'bps' ? Math.round(Number(amount.amount.value)) : percentToBps(amount.amount.value);
    tags[found] = { type: 'slippage', bps };
    // "max slippage": that "max" bounds the slippage; it is not an amount.
    for (let j = Math.max(0, Math.min(i, found) - 2); j <= Math.max(i, found); j++) {
      const near = tags[j];
      if (near?.type === 'amount' && near.amount.kind === 'all') tags[j] = { type: 'word', text: 'max', raw: 'max' };
    }
  }
}

function findSlippageAmount(tags: readonly Tag[], from: number, step: 1 | -1): number | undefined {
  for (let j = from + step, seen = 0; j >= 0 && j < tags.length && seen < 5; j += step, seen++) {
    const tag = tags[j];
    if (tag?.type === 'amount') {
      const { kind, value } = tag.amount;
      if (kind === 'percent' || kind === 'bps') return j;
      if (kind === 'number' && step === 1 && Number(value) <= 50) return j;
      if (kind === 'all') continue;
      return undefined;
    }
    if ((tag?.type === 'word' || tag?.type === 'punct') && SLIPPAGE_FILLER.has(tag.text)) continue;
    return undefined;
  }
  return undefined;
}

const MINIMUM_FILLER = new Set([
  'of',
  'out',
  'output',
  'receive',
  'received',
  'amount',
  'a',
  'the',
  'get',
  'be',
  'is',
  'to',
  ':',
]);

/**
 * Replaces a floor the user states ("at least 4000", "a minimum of 1500", "no less than 10") by a
 * minimum tag, in place.
 */
export function markMinimum(tags: Tag[]): void {
  for (let i = 0; i < tags.length; i++) {
    let after: number | undefined;
    if (isWord(tags[i], 'least') && isWord(tags[i - 1], 'at')) after = i + 1;
    else if (isWord(tags[i], 'minimum', 'min', 'minimal')) after = i + 1;
    else if (isWord(tags[i], 'less') && isWord(tags[i + 1], 'than') && isWord(tags[i - 1], 'no', 'not')) after = i + 2;
    const tag = tags[i];
    // "4000 USDT minimum", "1500 min".
    if (after === undefined && tag?.type === 'amount' && tag.amount.kind === 'number') {
      const next = tags[i + 1]?.type === 'entity' ? tags[i + 2] : tags[i + 1];
      if (isWord(next, 'minimum', 'min')) tags[i] = { type: 'minimum', value: tag.amount.value };
      continue;
    }
    if (after === undefined) continue;
    for (let j = after; j < tags.length && j < after + 4; j++) {
      const tag = tags[j];
      if (tag?.type === 'amount') {
        if (tag.amount.kind === 'number') tags[j] = { type: 'minimum', value: tag.amount.value };
        break;
      }
      if (!((tag?.type === 'word' || tag?.type === 'punct') && MINIMUM_FILLER.has(tag.text))) break;
    }
  }
}
