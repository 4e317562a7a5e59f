import { type ForeignFamily, foreignAddressAt } from '../address-forms.ts';
import { FOREIGN_CURRENCIES, type Numeral, numeralStarts, readNumeral } from '../numerals.ts';

/**
 * Turns a message into pieces: words (lower-cased, typos corrected, filler dropped), numbers,
 * percentages, dollar values, addresses of any chain family and ENS names (kept exactly as typed), "#1234" ids and
 * punctuation; a line break is a mark of its own ("\n"). Numbers are read by ../numerals.ts: one
 * that does not read exactly ("-5", "1.5.5", "1,5") is a number piece with a `problem`, never a
 * number with a digit, a sign or a separator dropped. Everything downstream reads pieces, never the
 * raw text.
 */

export type PieceKind = 'word' | 'number' | 'percent' | 'usd' | 'address' | 'ens' | 'ticker' | 'nftId' | 'punct';

export type Piece = {
  kind: PieceKind;
  /** As typed (for a word: without a possessive "'s"). */
  raw: string;
  /** Lower-cased; for a word, typo-corrected. For punctuation, the mark ("," or "->"). */
  text: string;
  /** number, percent, usd: a plain decimal ("1000", "0.5"); ticker: the symbol; nftId: the id. */
  value?: string;
  /** A word of a message written all in capitals, where capitals do not mark a ticker. */
  shouted?: boolean;
  /** number, percent, usd: why the number as typed does not read exactly (it then has no value). */
  problem?: string;
  /** number: written as a fraction ("1/2", "½"), so "1/2 of my ETH" is a share. */
  fraction?: boolean;
  /** address: the chain family of an address that is not an EVM one (a Solana, TON, Aptos… address). */
  family?: ForeignFamily;
};

/** The words typo correction may produce, and the words it must leave alone. */
export type Vocabulary = {
  /** Known words: verbs, names of tokens, protocols and chains, amount words. Never corrected. */
  known: ReadonlySet<string>;
  /** The words a typo may be corrected to: the main verbs and names, not every known word. */
  targets: readonly string[];
  /** Words that are right as they are, though close to a known word ("spend" is not "send"). */
  keep: ReadonlySet<string>;
  /** Words that carry nothing and are dropped ("pls", "thx", "asap"). */
  noise: ReadonlySet<string>;
  /** Words that may follow a number without a space ("100usdc", "2eth"). */
  attachable: ReadonlySet<string>;
};

const SPACE = /\s+/y;
const LINE_BREAK = /[\n\r\u2028\u2029\u0085]/;
const ADDRESS = /0x[0-9a-fA-F]+(?![0-9a-zA-Z_])/y;
const ENS_NAME =
  /[a-zA-Z0-9][a-zA-Z0-9_-]*(?:\.[a-zA-Z0-9_-]+)*\.(?:eth|xyz|box|id|art|crypto|nft|wallet|lens|sol)(?![a-zA-Z0-9_-])/y;
const HANDLE = /@[A-Za-z0-9_][A-Za-z0-9_.-]{1,30}(?<![.-])(?![A-Za-z0-9_])/y;
const USD_SCALE = /\s?(k|m|mm|b|bn)(?![a-zA-Z0-9])/iy;
const DOLLAR_TICKER = /\$([A-Za-z][A-Za-z0-9]{0,11})(?![A-Za-z0-9])/y;
const NFT_ID = /#\s?(\d+)(?!\d)/y;
const LETTERS = /[a-zA-Z][a-zA-Z0-9]*/y;
const WORD = /[\p{L}][\p{L}\p{N}]*(?:'[\p{L}]+)?(?:[-._][\p{L}\p{N}]+)*/uy;
const ARROW = /-+>|=>|→|⟶|➡️?/y;
const PUNCT = /[,;:!?.&+/()[\]"“”*~@%=<>|#-]/y;
/** What may stand right before a number and make it not an amount: "%50", "€100". */
const NOT_BEFORE_AMOUNT = new Set(['%', ...FOREIGN_CURRENCIES]);
const FOREIGN = FOREIGN_CURRENCIES;

const MULTIPLIERS: Record<string, number> = { k: 3, m: 6, mm: 6, b: 9, bn: 9 };

function at(pattern: RegExp, text: string, position: number): RegExpExecArray | null {
  pattern.lastIndex = position;
  return pattern.exec(text);
}

/** Multiplies a decimal string by 10^exponent without floating point: ("1.5", 3) → "1500". */
export function scaleDecimal(value: string, exponent: number): string {
  const [whole = '0', fraction = ''] = value.split('.');
  const digits = whole + fraction.padEnd(exponent, '0');
  const point = whole.length + exponent;
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point).replace(/0+$/, '');
  return rest ? `${integer}.${rest}` : integer;
}

/** Splits a message into pieces; `vocabulary` corrects typos and drops filler words. */
export function tokenize(text: string, vocabulary: Vocabulary): Piece[] {
  const pieces: Piece[] = [];
  const source = text.replace(/[’‘`´]/g, "'");
  // A message in capitals ("SEND 1 ETH TO BOB") has no tickers to tell apart: read it lower-cased.
  const letters = source.replace(/[^A-Za-z]/g, '');
  const shouting = letters.length >= 8 && letters.replace(/[^A-Z]/g, '').length / letters.length > 0.8;
  let position = 0;
  while (position < source.length) {
    position += readPiece(pieces, source, position, shouting, vocabulary);
  }
  return pieces;
}

/** Reads the piece at `position` into `pieces`; returns how many characters it used. */
function readPiece(
  pieces: Piece[],
  source: string,
  position: number,
  shouting: boolean,
  vocabulary: Vocabulary,
): number {
  const space = at(SPACE, source, position);
  if (space) {
    if (space[0] !== ' ' && LINE_BREAK.test(space[0])) pieces.push({ kind: 'punct', raw: '\n', text: '\n' });
    return space[0].length;
  }
  const foreign = foreignAddressAt(source, position);
  if (foreign && (position === 0 || !/[A-Za-z0-9]/.test(source[position - 1] ?? ''))) {
    pieces.push({ kind: 'address', raw: foreign.raw, text: foreign.raw, family: foreign.family });
    return foreign.raw.length;
  }
  const address = at(ADDRESS, source, position);
  if (address) {
    pieces.push({ kind: 'address', raw: address[0], text: address[0].toLowerCase() });
    return address[0].length;
  }
  // "@username", "@dwr.eth": a social handle, a name written whole (the resolver asks for its address).
  const handle = at(HANDLE, source, position);
  if (handle && (position === 0 || /[\s(,:;]/.test(source[position - 1] ?? ''))) {
    pieces.push({ kind: 'ens', raw: handle[0], text: handle[0].toLowerCase() });
    return handle[0].length;
  }
  const ens = at(ENS_NAME, source, position);
  if (ens) {
    pieces.push({ kind: 'ens', raw: ens[0], text: ens[0].toLowerCase() });
    return ens[0].length;
  }
  if (source[position] === '$') {
    const gap = source[position + 1] === ' ' ? 1 : 0;
    const numeral = readNumeral(source, position + 1 + gap);
    if (numeral) return pushUsd(pieces, source, position, 1 + gap, numeral);
  }
  const ticker = at(DOLLAR_TICKER, source, position);
  if (ticker) {
    const symbol = (ticker[1] ?? '').toUpperCase();
    pieces.push({ kind: 'ticker', raw: ticker[0], text: symbol.toLowerCase(), value: symbol });
    return ticker[0].length;
  }
  const id = at(NFT_ID, source, position);
  if (id) {
    pieces.push({ kind: 'nftId', raw: id[0], text: id[0], value: id[1] ?? '' });
    return id[0].length;
  }
  const char = charAt(source, position);
  if (NOT_BEFORE_AMOUNT.has(char) || (unreadSymbol(char) && !numeralStarts(source, position))) {
    const gap = source[position + char.length] === ' ' ? 1 : 0;
    const numeral = readNumeral(source, position + char.length + gap);
    if (numeral) {
      const raw = source.slice(position, position + char.length + gap + numeral.length);
      const problem =
        char === '%'
          ? 'the % sign comes before it'
          : FOREIGN.has(char)
            ? `it is in ${char}, not in dollars`
            : `the sign "${char}" is next to it`;
      pieces.push({ kind: 'number', raw, text: raw, problem });
      return raw.length;
    }
  }
  // "5$", "5 $", "5 thousand $": a dollar sign after the amount, read by ./amounts.ts.
  if (char === '$') {
    pieces.push({ kind: 'punct', raw: '$', text: '$' });
    return 1;
  }
  const code = source.charCodeAt(position);
  const maybeNumber = (code >= 48 && code <= 57) || code >= 128 || code === 43 || code === 45 || code === 46;
  if (maybeNumber && numeralStarts(source, position)) {
    const numeral = readNumeral(source, position);
    if (numeral) return pushNumber(pieces, source, position, numeral, vocabulary);
  }
  const word = at(WORD, source, position);
  if (word) {
    pushWord(pieces, word[0], vocabulary, shouting);
    return word[0].length;
  }
  const arrow = at(ARROW, source, position);
  if (arrow) {
    pieces.push({ kind: 'punct', raw: arrow[0], text: '->' });
    return arrow[0].length;
  }
  const mark = at(PUNCT, source, position);
  if (mark) {
    pieces.push({ kind: 'punct', raw: mark[0], text: mark[0] });
    return mark[0].length;
  }
  // An emoji or a symbol we do not read: skip one code point. One right after a number made that
  // number a problem (pushNumber); one right before a number, above.
  return char.length || 1;
}

/** The code point at `position`, as a string of one or two UTF-16 units. */
function charAt(source: string, position: number): string {
  const code = source.codePointAt(position);
  return code === undefined ? '' : String.fromCodePoint(code);
}

/**
 * A symbol no piece reads ("^", "°", "™", an emoji): touching a number, it may change what the
 * number means, so the number is asked about rather than read without it.
 */
function unreadSymbol(char: string): boolean {
  // ASCII: of the symbols, PUNCT reads all but "^" and "`" ("$" is read on its own).
  if (char.length === 1 && char.charCodeAt(0) < 128) return char === '^' || char === '`';
  if (char === '' || NOT_BEFORE_AMOUNT.has(char)) return false;
  if (at(PUNCT, char, 0) || at(ARROW, char, 0)) return false;
  return /^[\p{S}\p{Extended_Pictographic}]$/u.test(char);
}

/** "$100", "$1.5k", "$ 20": a dollar value. Returns the characters used. */
function pushUsd(pieces: Piece[], source: string, position: number, prefix: number, numeral: Numeral): number {
  let used = prefix + numeral.length;
  const scale = at(USD_SCALE, source, position + used);
  const exponent = scale?.[1] ? (MULTIPLIERS[scale[1].toLowerCase()] ?? 0) : 0;
  if (scale) used += scale[0].length;
  const raw = source.slice(position, position + used);
  const after = source[position + used] ?? '';
  if (numeral.problem !== undefined || numeral.value === undefined) {
    pieces.push({ kind: 'usd', raw, text: raw.toLowerCase(), problem: numeral.problem ?? 'it is not a number' });
  } else if (after === '%') {
    pieces.push({ kind: 'usd', raw: `${raw}%`, text: raw.toLowerCase(), problem: 'it has both "$" and "%"' });
    return used + 1;
  } else {
    const value = scaleDecimal(numeral.value, exponent);
    pieces.push({ kind: 'usd', raw, text: raw.toLowerCase(), value });
  }
  return used;
}

/** A number and what is glued to it: "1.5k", "50%", "30bps", "100usdc". Returns the characters used. */
function pushNumber(
  pieces: Piece[],
  source: string,
  position: number,
  numeral: Numeral,
  vocabulary: Vocabulary,
): number {
  let used = numeral.length;
  const digits = source.slice(position, position + used);
  let value = numeral.value;
  let problem = numeral.problem;
  const after = source[position + used] ?? '';
  const spacedAfter = after === ' ' ? (source[position + used + 1] ?? '') : '';
  const touching = charAt(source, position + used);
  if (FOREIGN.has(after) || FOREIGN.has(spacedAfter)) {
    used += after === ' ' ? 2 : 1;
    problem ??= `it is in ${FOREIGN.has(after) ? after : spacedAfter}, not in dollars`;
  } else if (unreadSymbol(touching)) {
    used += touching.length;
    problem ??= `the sign "${touching}" is next to it`;
  } else if (touching === '$' && /[\p{L}\p{N}]/u.test(source[position + used + 1] ?? '')) {
    // "5$ETH", "5$5": five dollars of ETH, or five $ETH?
    problem ??= 'a dollar sign is glued to it and to what follows';
  } else if (after === '%') {
    used += 1;
    const raw = source.slice(position, position + used);
    if (problem !== undefined || value === undefined) {
      pieces.push({ kind: 'percent', raw, text: raw, problem: problem ?? 'it is not a number' });
    } else pieces.push({ kind: 'percent', raw, text: `${value}%`, value });
    return used;
  }
  const glued = problem === undefined ? at(LETTERS, source, position + used) : undefined;
  if (glued && value !== undefined) {
    const letters = glued[0].toLowerCase();
    const exponent = MULTIPLIERS[letters];
    if (exponent !== undefined) {
      value = scaleDecimal(value, exponent);
      used += glued[0].length;
    } else if (!vocabulary.attachable.has(letters) && /^[\d.,]+$/.test(digits)) {
      // "3pool", "1inch", "2x": a word that starts with digits.
      const word = digits + glued[0];
      pushWord(pieces, word, vocabulary);
      return word.length;
    }
  }
  const raw = source.slice(position, position + used);
  if (problem !== undefined || value === undefined) {
    pieces.push({ kind: 'number', raw, text: raw, problem: problem ?? 'it is not a number' });
  } else {
    pieces.push({ kind: 'number', raw, text: value, value, ...(numeral.fraction ? { fraction: true } : {}) });
  }
  return used;
}

function pushWord(pieces: Piece[], raw: string, vocabulary: Vocabulary, shouted = false): void {
  let word = raw;
  const possessive = /^(.{2,})'s$/i.exec(word);
  if (possessive?.[1] && !vocabulary.keep.has(word.toLowerCase())) word = possessive[1];
  const lower = word.toLowerCase();
  const text = correctTypo(lower, vocabulary);
  if (vocabulary.noise.has(text)) return;
  pieces.push({ kind: 'word', raw: word, text, ...(shouted ? { shouted } : {}) });
}

const corrections = new Map<string, string>();

/**
 * The known word a misspelt word stands for ("tranfer" → "transfer", "sawp" → "swap"), or the word
 * itself. Cautious, because many real words sit one letter from a verb ("spending", "stating"):
 * the first letter must match; four letters may only swap two letters, five to eight may differ by
 * one edit, longer words by two; a word equally close to two targets is left alone.
 */
export function correctTypo(word: string, vocabulary: Vocabulary): string {
  if (word.length < 4 || !/^[a-z]+$/.test(word)) return word;
  if (vocabulary.known.has(word) || vocabulary.keep.has(word) || vocabulary.noise.has(word)) return word;
  const cached = corrections.get(word);
  if (cached !== undefined) return cached;
  const limit = word.length >= 9 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const candidate of vocabulary.targets) {
    if (candidate[0] !== word[0] || Math.abs(candidate.length - word.length) > limit) continue;
    if (word.length === 4 && (candidate.length !== 4 || !sameLetters(word, candidate))) continue;
    const distance = editDistance(word, candidate, bestDistance + 1);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance && candidate !== best) {
      tie = true;
    }
  }
  const corrected = best !== undefined && !tie && bestDistance <= limit ? best : word;
  if (corrections.size > 10_000) corrections.clear();
  corrections.set(word, corrected);
  return corrected;
}

function sameLetters(a: string, b: string): boolean {
  return [...a].sort().join('') === [...b].sort().join('');
}

/**
 * Optimal-string-alignment distance (insertions, deletions, substitutions and swaps of two
 * neighbours), giving up once every path costs `ceiling` or more.
 */
export function editDistance(a: string, b: string, ceiling = Number.POSITIVE_INFINITY): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  let previousPrevious: number[] = [];
  let previous = Array.from({ length: columns }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (previousPrevious[j - 2] ?? 0) + 1);
      }
      current.push(value);
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum >= ceiling) return ceiling;
    previousPrevious = previous;
    previous = current;
  }
  return previous[columns - 1] ?? 0;
}
