import { percentToBps } from './amounts.ts';
import type { Tag } from './tags.ts';

/*
 * A trade's stated limits, marked on the tags once they are read: the slippage it allows and the
 * least it must give. (Passes over tags, so they stand above both the amount reader and the tagger.)
 */

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
