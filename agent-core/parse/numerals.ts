import { SMALL_NUMBERS } from './number-words.ts';

/**
 * Numbers as people type them, read exactly or not at all. Both the embedded parser (normalize.ts,
 * amounts.ts) and the grounding guard (grounding.ts) read numbers here, so the two never disagree
 * on what a number says.
 *
 * Read exactly: "100", "1,000.50", ".5", "1/2" (0.5), "1 1/2" (1.5), "½", "1½", "1e-3" (0.001),
 * "1.5E6", digits of any one script ("１００", "١٠"), "five hundred", "twenty-five", "two hundred
 * and fifty". Everything else that looks like a number is a problem, with the reason: a sign ("-5",
 * "+5"), a range or a sum ("5-10", "2+3"), more than one decimal point ("1.5.5", "1,000.5.3"), a
 * comma that is not a thousands separator ("1,5", "1,00"), "." grouping with a "," decimal
 * ("1.000,5"), digits grouped by spaces, apostrophes or underscores ("1 000", "1'000"), digits of
 * two scripts ("1٠"), invisible characters or superscripts among the digits, a fraction with no
 * exact decimal ("1/3") or that is not a proper fraction ("3/2", "24/7"), a power ("10^3").
 */

export type Numeral = {
  /** Characters used from the position read at. */
  length: number;
  /** A plain decimal ("1000.50", "0.5"), when the number reads exactly. */
  value?: string;
  /** Why it does not read exactly, when it does not. */
  problem?: string;
  /** Written as a fraction ("1/2", "½", "1 1/2"): "1/2 of my ETH" is a share, 50%. */
  fraction?: boolean;
};

const ND = /\p{Nd}/u;
const OTHER_NUMBER = /[\p{No}\p{Nl}]/u;
const FORMAT = /\p{Cf}/u;
const SIGNS = new Set(['+', '-', '−', '–', '—', '﹣', '－', '＋', '⁻', '⁺']);
const RANGE_MARKS = new Set(['-', '−', '–', '—', '~', '+', '﹣', '－', '＋']);
const GROUP_SPACES = new Set([' ', '\u00a0', '\u2009', '\u202f', '\u2007']);
const SEPARATOR_MARKS: Record<string, string> = {
  '.': '.',
  ',': ',',
  "'": "'",
  '’': "'",
  _: '_',
  '٫': '.',
  '٬': ',',
  '·': "'",
};
const FRACTION_SLASHES = new Set(['/', '⁄', '∕']);
const VULGAR: Record<string, readonly [number, number]> = {
  '½': [1, 2],
  '⅓': [1, 3],
  '⅔': [2, 3],
  '¼': [1, 4],
  '¾': [3, 4],
  '⅕': [1, 5],
  '⅖': [2, 5],
  '⅗': [3, 5],
  '⅘': [4, 5],
  '⅙': [1, 6],
  '⅚': [5, 6],
  '⅐': [1, 7],
  '⅛': [1, 8],
  '⅜': [3, 8],
  '⅝': [5, 8],
  '⅞': [7, 8],
  '⅑': [1, 9],
  '⅒': [1, 10],
  '↉': [0, 3],
};
/** Currencies other than the dollar: a value in them is not an amount the runtime can convert. */
export const FOREIGN_CURRENCIES = new Set(['€', '£', '¥', '₹', '₩', '₽', '¢', '₿', '₺', '₴', '₦', '₱', '฿', '₫', '₪']);

const charAt = (text: string, index: number): string => {
  const code = text.codePointAt(index);
  return code === undefined ? '' : String.fromCodePoint(code);
};

/** The value of a decimal digit of any script, and which script (its zero's code point). */
export function digitOf(char: string): { value: number; script: number } | undefined {
  const code = char.codePointAt(0);
  if (code === undefined) return undefined;
  if (code >= 48 && code <= 57) return { value: code - 48, script: 48 };
  if (code < 128 || !ND.test(char)) return undefined;
  const compatible = char.normalize('NFKC');
  if (compatible.length === 1 && compatible >= '0' && compatible <= '9') {
    const value = compatible.charCodeAt(0) - 48;
    return { value, script: code - value };
  }
  let value = 0;
  while (value < 9 && ND.test(String.fromCodePoint(code - value - 1))) value++;
  return { value, script: code - value };
}

const isDigit = (char: string): boolean => char !== '' && digitOf(char) !== undefined;

/** Whether a number (or a sign and a number) starts at `index`: a digit, ".5", "½", "-5", "-.5". */
export function numeralStarts(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code >= 48 && code <= 57) return true;
  // Letters, spaces and most ASCII marks start no number: no need to look further.
  if (code < 128 && code !== 43 && code !== 45 && code !== 46) return false;
  const char = charAt(text, index);
  if (isDigit(char) || VULGAR[char] !== undefined) return true;
  if (char === '.' || char === '٫') return isDigit(charAt(text, index + 1));
  if (OTHER_NUMBER.test(char)) return true;
  if (SIGNS.has(char)) {
    const next = charAt(text, index + 1);
    return (
      isDigit(next) ||
      VULGAR[next] !== undefined ||
      ((next === '.' || next === '$') && isDigit(charAt(text, index + 2)))
    );
  }
  return false;
}

type Run = { digits: string; scripts: Set<number>; invisible: boolean; end: number };

/** Digits (any script), separators between digits, invisible characters between digits. */
function readRun(text: string, start: number, spaces: boolean): Run {
  let digits = '';
  const scripts = new Set<number>();
  let invisible = false;
  let index = start;
  for (;;) {
    const char = charAt(text, index);
    const digit = char ? digitOf(char) : undefined;
    if (digit) {
      digits += String(digit.value);
      scripts.add(digit.script);
      index += char.length;
      continue;
    }
    const mark = SEPARATOR_MARKS[char];
    if (mark !== undefined && isDigit(charAt(text, index + 1)) && (digits !== '' || mark === '.')) {
      digits += mark;
      index += 1;
      continue;
    }
    if (digits !== '' && FORMAT.test(char) && isDigit(charAt(text, index + char.length))) {
      invisible = true;
      index += char.length;
      continue;
    }
    // "1 000": a space, then exactly three digits, in a number of at most three digits per group.
    if (spaces && GROUP_SPACES.has(char) && /^\d{1,3}(?: \d{3})*$/.test(digits) && groupFollows(text, index + 1)) {
      digits += ' ';
      index += 1;
      continue;
    }
    break;
  }
  return { digits, scripts, invisible, end: index };
}

/** Exactly three digits and then no digit, separator or fraction slash. */
function groupFollows(text: string, index: number): boolean {
  let at = index;
  for (let count = 0; count < 3; count++) {
    const char = charAt(text, at);
    if (!isDigit(char)) return false;
    at += char.length;
  }
  const after = charAt(text, at);
  return !isDigit(after) && !FRACTION_SLASHES.has(after) && !(SEPARATOR_MARKS[after] && isDigit(charAt(text, at + 1)));
}

/** Reads the number at `position` (see numeralStarts); undefined when none starts there. */
/** Plain ASCII digits, perhaps with a decimal part, ending where nothing can continue a number. */
const PLAIN = /[0-9]+(?:\.[0-9]+)?/y;
/** What, right after plain digits, may continue or change the number: read the long way. */
const CONTINUES = /[0-9.,'’_/⁄∕eE^+\-−–—~﹣－＋٫٬·\u00a0\u2007\u2009\u202f \p{No}\p{Nl}\p{Nd}\p{Cf}]/u;

export function readNumeral(text: string, position: number): Numeral | undefined {
  PLAIN.lastIndex = position;
  const plain = PLAIN.exec(text);
  if (plain) {
    const end = position + plain[0].length;
    const after = text[end];
    // "100 USDC": a space, then no digit or fraction sign, ends the number too.
    const ends =
      after === undefined ||
      (after === ' ' ? !CONTINUES.test(text[end + 1] ?? ' ') || text[end + 1] === ' ' : !CONTINUES.test(after));
    if (ends) return { length: plain[0].length, value: plain[0] };
  }
  if (!numeralStarts(text, position)) return undefined;
  let index = position;
  let sign = '';
  const first = charAt(text, index);
  if (SIGNS.has(first)) {
    sign = first;
    index += first.length;
    if (charAt(text, index) === '$') index += 1;
  }
  const run = readRun(text, index, true);
  index = run.end;
  let problem: string | undefined;
  let value: string | undefined;
  let fraction = false;
  const scripts = new Set(run.scripts);

  const next = charAt(text, index);
  const vulgar = VULGAR[next];
  if (vulgar && /^\d*$/.test(run.digits)) {
    // "½", "1½".
    index += next.length;
    fraction = true;
    value = fractionValue(run.digits || '0', vulgar[0], vulgar[1]);
    if (value === undefined) problem = `${vulgar[0]}/${vulgar[1]} has no exact decimal value`;
  } else if (FRACTION_SLASHES.has(next) && isDigit(charAt(text, index + 1))) {
    // "1/2", "3/4".
    const denominator = readRun(text, index + 1, false);
    for (const script of denominator.scripts) scripts.add(script);
    index = denominator.end;
    fraction = true;
    const read = readFraction('0', run.digits, denominator.digits);
    value = read.value;
    problem = read.problem;
  } else if (/^\d+$/.test(run.digits) && GROUP_SPACES.has(next) && slashFractionFollows(text, index + 1)) {
    // "1 1/2": a whole number and a fraction.
    const numerator = readRun(text, index + 1, false);
    const denominator = readRun(text, numerator.end + 1, false);
    for (const script of [...numerator.scripts, ...denominator.scripts]) scripts.add(script);
    index = denominator.end;
    fraction = true;
    const read = readFraction(run.digits, numerator.digits, denominator.digits);
    value = read.value;
    problem = read.problem;
  } else if (/^\d+$/.test(run.digits) && GROUP_SPACES.has(next) && mixedFollows(text, index + 1)) {
    // "1 ½": a whole number and a fraction sign.
    const sign = charAt(text, index + 1);
    const parts = VULGAR[sign] ?? [0, 1];
    index += 1 + sign.length;
    fraction = true;
    value = fractionValue(run.digits, parts[0], parts[1]);
    if (value === undefined) problem = `${parts[0]}/${parts[1]} has no exact decimal value`;
  } else if ((next === 'e' || next === 'E') && exponentFollows(text, index + 1)) {
    const exponent = /^[+\-−]?\d+/.exec(text.slice(index + 1, index + 8).replace('−', '-'))?.[0] ?? '0';
    index += 1 + exponent.length;
    const mantissa = plainNumber(run.digits);
    const power = Number(exponent);
    if (mantissa === undefined || run.digits.includes(',')) problem = 'it is not a plain number';
    else if (Math.abs(power) > 30) problem = 'its exponent is out of range';
    else value = shiftDecimal(mantissa, power);
  } else {
    const read = readSeparators(run.digits);
    value = read.value;
    problem = read.problem;
  }

  // What may follow a number and change it: "10^3", "10²", "5-10", "2+3".
  let after = charAt(text, index);
  if (after === '^' && isDigit(charAt(text, index + 1))) {
    problem = 'it is written as a power';
    index = readRun(text, index + 1, false).end;
    after = charAt(text, index);
  }
  while (after !== '' && OTHER_NUMBER.test(after) && VULGAR[after] === undefined) {
    problem ??= 'it has a superscript or another special digit';
    index += after.length;
    after = charAt(text, index);
  }
  if (RANGE_MARKS.has(after) && isDigit(charAt(text, index + 1))) {
    problem = after === '+' ? 'it is a sum' : 'it is a range';
    index = readRun(text, index + 1, false).end;
  }

  if (sign && !problem) problem = sign === '+' || sign === '＋' ? 'it has a plus sign' : 'it has a minus sign';
  if (!problem && run.invisible) problem = 'it has invisible characters between its digits';
  if (!problem && scripts.size > 1) problem = 'it mixes digits of different scripts';
  if (!problem && run.digits === '' && !fraction) problem = 'it is not a number';
  const length = index - position;
  return problem
    ? { length, problem, ...(fraction ? { fraction } : {}) }
    : { length, value: value ?? '0', ...(fraction ? { fraction } : {}) };
}

function mixedFollows(text: string, index: number): boolean {
  const char = charAt(text, index);
  return VULGAR[char] !== undefined;
}

/** Digits, a fraction slash and digits: the "1/2" of "1 1/2". */
function slashFractionFollows(text: string, index: number): boolean {
  const numerator = readRun(text, index, false);
  return (
    /^\d+$/.test(numerator.digits) &&
    FRACTION_SLASHES.has(charAt(text, numerator.end)) &&
    isDigit(charAt(text, numerator.end + 1))
  );
}

/** whole + numerator/denominator, a proper fraction with an exact decimal value. */
function readFraction(whole: string, numerator: string, denominator: string): { value?: string; problem?: string } {
  if (!/^\d+$/.test(numerator) || !/^\d+$/.test(denominator)) return { problem: 'it is not a simple fraction' };
  const above = Number(numerator);
  const below = Number(denominator);
  if (below === 0) return { problem: 'it divides by zero' };
  if (above >= below) return { problem: 'it reads as a ratio or a date, not as a fraction' };
  const value = fractionValue(whole, above, below);
  return value === undefined ? { problem: `${above}/${below} has no exact decimal value` } : { value };
}

function exponentFollows(text: string, index: number): boolean {
  const char = charAt(text, index);
  if (char >= '0' && char <= '9') return true;
  return (char === '-' || char === '+' || char === '−') && /[0-9]/.test(charAt(text, index + 1));
}

/** A plain decimal without grouping: "100", "1.5", ".5" → "0.5". */
function plainNumber(digits: string): string | undefined {
  if (/^\d+(?:\.\d+)?$/.test(digits)) return digits;
  if (/^\.\d+$/.test(digits)) return `0${digits}`;
  return undefined;
}

/** Reads digits with separators: "1,000.5" exactly; "1,5", "1.000,5", "1.5.5", "1 000" as problems. */
function readSeparators(digits: string): { value?: string; problem?: string } {
  const plain = plainNumber(digits);
  if (plain !== undefined) return { value: plain };
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(digits)) return { value: digits.replace(/,/g, '') };
  if (/ /.test(digits)) {
    return { problem: `its digits are grouped with spaces (do you mean ${digits.replace(/ /g, '')}?)` };
  }
  if (/['_]/.test(digits)) return { problem: 'its digits are grouped with apostrophes or underscores' };
  if (/^\d{1,3}(?:\.\d{3})+,\d+$/.test(digits)) {
    return { problem: 'it uses "." between thousands and "," as the decimal point' };
  }
  if ((digits.match(/\./g) ?? []).length > 1) return { problem: 'it has more than one decimal point' };
  if (/,\d*\./.test(digits) || /\.\d*,/.test(digits)) return { problem: 'its "," and "." do not read as one number' };
  return { problem: 'its "," is not a thousands separator (is it a decimal point?)' };
}

/** whole + numerator/denominator as an exact decimal; undefined when it has none (1/3). */
export function fractionValue(whole: string, numerator: number, denominator: number): string | undefined {
  let below = BigInt(denominator);
  let above = BigInt(numerator);
  const divisor = gcd(above, below);
  if (divisor > 1n) {
    above /= divisor;
    below /= divisor;
  }
  let rest = below;
  let places = 0;
  while (rest % 2n === 0n) {
    rest /= 2n;
    places++;
  }
  let fives = 0;
  while (rest % 5n === 0n) {
    rest /= 5n;
    fives++;
  }
  if (rest !== 1n) return undefined;
  places = Math.max(places, fives);
  const wholePart = BigInt(whole || '0') + above / below;
  const scaled = ((above % below) * 10n ** BigInt(places)) / below;
  const fractionDigits = places > 0 ? scaled.toString().padStart(places, '0') : '';
  const integer = wholePart.toString();
  const trimmed = fractionDigits.replace(/0+$/, '');
  return trimmed ? `${integer}.${trimmed}` : integer;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Moves the decimal point without floating point: ("1.5", 3) → "1500", ("1", -3) → "0.001". */
export function shiftDecimal(value: string, places: number): string {
  const [whole = '0', fraction = ''] = value.replace(/^\./, '0.').split('.');
  const digits = `${whole}${fraction}`;
  const point = whole.length + places;
  let integer: string;
  let rest: string;
  if (point <= 0) {
    integer = '0';
    rest = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    integer = digits + '0'.repeat(point - digits.length);
    rest = '';
  } else {
    integer = digits.slice(0, point);
    rest = digits.slice(point);
  }
  integer = integer.replace(/^0+(?=\d)/, '');
  rest = rest.replace(/0+$/, '');
  return rest ? `${integer}.${rest}` : integer;
}

// ---------------------------------------------------------------------------------------------
// Numbers in words.

const TEENS_AND_UNITS = new Map<string, number>();
const TENS = new Map<string, number>();
for (const [word, value] of Object.entries(SMALL_NUMBERS)) {
  if (value < 20) TEENS_AND_UNITS.set(word, value);
  else TENS.set(word, value);
}
const WORD_SCALES: Record<string, number> = { thousand: 3, grand: 3, million: 6, billion: 9 };
/** Words for parts of one: "2 half", "1 fifth" do not read as an amount. */
export const FRACTION_NOUNS = new Set([
  'half',
  'halves',
  'third',
  'thirds',
  'quarter',
  'quarters',
  'fourth',
  'fourths',
  'fifth',
  'fifths',
  'sixth',
  'sixths',
  'seventh',
  'sevenths',
  'eighth',
  'eighths',
  'ninth',
  'ninths',
  'tenth',
  'tenths',
  'hundredth',
  'hundredths',
  'thousandth',
  'thousandths',
]);

export type WordNumber = {
  length: number;
  value?: string;
  problem?: string;
  /** It used "hundred" or a scale: "two hundred" is an amount even without a token after it. */
  scaled: boolean;
};

/** "twenty-five" → [20, 5]; undefined when the word is not a number word. */
function wordValues(word: string): { tens?: number; unit?: number } | undefined {
  const small = TEENS_AND_UNITS.get(word);
  if (small !== undefined) return { unit: small };
  const tens = TENS.get(word);
  if (tens !== undefined) return { tens };
  if (!word.includes('-')) return undefined;
  const hyphen = /^([a-z]+)-([a-z]+)$/.exec(word);
  if (hyphen) {
    const left = TENS.get(hyphen[1] ?? '');
    const right = TEENS_AND_UNITS.get(hyphen[2] ?? '');
    if (left !== undefined && right !== undefined && right > 0 && right < 10) return { tens: left, unit: right };
  }
  return undefined;
}

/**
 * A number written in words, starting at `words[start]` (lower-case words): "five", "twenty five",
 * "twenty-five", "two hundred and fifty", "a thousand", "one million two hundred thousand". Words
 * that do not continue a number end it ("one two" is "one"). "two point five" is a problem.
 */
export function readNumberWords(words: readonly (string | undefined)[], start: number): WordNumber | undefined {
  let index = start;
  let total = 0n;
  let current = 0n;
  let last: 'none' | 'unit' | 'teen' | 'tens' | 'hundred' | 'scale' | 'and' = 'none';
  let scaled = false;
  let used = 0;
  let lastScale = Number.POSITIVE_INFINITY;
  if (
    (words[index] === 'a' || words[index] === 'an') &&
    (words[index + 1] === 'hundred' || WORD_SCALES[words[index + 1] ?? ''] !== undefined)
  ) {
    current = 1n;
    last = 'unit';
    index++;
  }
  for (;;) {
    const word = words[index];
    if (word === undefined) break;
    const values = wordValues(word);
    if (values) {
      const { tens, unit } = values;
      if (tens !== undefined) {
        if (!(last === 'none' || last === 'hundred' || last === 'scale' || last === 'and')) break;
        current += BigInt(tens + (unit ?? 0));
        last = unit === undefined ? 'tens' : 'unit';
      } else if (unit !== undefined) {
        const teen = unit >= 10;
        if (last === 'tens' && !teen && unit > 0) current += BigInt(unit);
        else if (last === 'none' || last === 'hundred' || last === 'scale' || last === 'and') current += BigInt(unit);
        else break;
        last = teen ? 'teen' : 'unit';
      }
    } else if (word === 'hundred') {
      if (!(last === 'unit' || last === 'teen' || last === 'tens') || current >= 100n) break;
      current *= 100n;
      last = 'hundred';
      scaled = true;
    } else if (WORD_SCALES[word] !== undefined) {
      const exponent = WORD_SCALES[word] ?? 0;
      if (last === 'none' || last === 'and' || last === 'scale' || exponent >= lastScale) break;
      total += current * 10n ** BigInt(exponent);
      current = 0n;
      lastScale = exponent;
      last = 'scale';
      scaled = true;
    } else if (word === 'and' && (last === 'hundred' || last === 'scale') && wordValues(words[index + 1] ?? '')) {
      last = 'and';
    } else break;
    index++;
    if (last !== 'and') used = index - start;
  }
  if (used === 0) return undefined;
  const value = (total + current).toString();
  // "two point five": a decimal in words.
  if (words[start + used] === 'point' && wordValues(words[start + used + 1] ?? '')) {
    return { length: used + 2, problem: 'it is a decimal written in words', scaled };
  }
  return { length: used, value, scaled };
}

// ---------------------------------------------------------------------------------------------
// Text that imitates the assistant or the system.

const ROLE_MARKER =
  /(?:^|[^\p{L}\p{N}_])((?:assistant|system|developer|tool|function|sextant|agent|bot|ai|model|user|human)\s*(?:\([^)\n]{0,20}\))?\s*[:：]|<\|?\s*\/?\s*(?:im_start|im_end|system|assistant|user|endoftext|eot_id|start_header_id)\s*\|?>|\[\/?\s*(?:INST|SYS|SYSTEM)\s*\]|<<\s*\/?\s*SYS\s*>>|<\/?\s*(?:system|assistant|user|tool)\s*>|#{2,}\s*(?:system|assistant|instruction|response)\b)/iu;

const MARKER_CHARACTERS = /[:：<[#]/;

/**
 * The first stretch of the text that reads like a role marker of a chat transcript or a prompt
 * ("assistant:", "system:", "<|im_start|>", "[INST]"): the user's text imitating the assistant or
 * the system. Undefined when there is none.
 */
export function roleMarker(text: string): string | undefined {
  // Every marker has one of these characters; most messages have none.
  if (!MARKER_CHARACTERS.test(text)) return undefined;
  const found = ROLE_MARKER.exec(text);
  return found?.[1]?.trim();
}

// ---------------------------------------------------------------------------------------------
// Parts of one in words: "half", "a quarter of", "three quarters", "a fifth of".

const ORDINALS: Record<string, number> = {
  half: 2,
  halves: 2,
  third: 3,
  thirds: 3,
  quarter: 4,
  quarters: 4,
  fourth: 4,
  fourths: 4,
  fifth: 5,
  fifths: 5,
  sixth: 6,
  sixths: 6,
  seventh: 7,
  sevenths: 7,
  eighth: 8,
  eighths: 8,
  ninth: 9,
  ninths: 9,
  tenth: 10,
  tenths: 10,
  hundredth: 100,
  hundredths: 100,
  thousandth: 1000,
  thousandths: 1000,
};
/** What after "half" makes it a share of a balance: "half my ETH", "half of it", "half the USDC". */
const SHARE_WORDS = new Set([
  'my',
  'your',
  'our',
  'the',
  'all',
  'it',
  'them',
  'this',
  'that',
  'these',
  'those',
  'his',
  'her',
  'their',
]);
/** A placeholder for a number written in digits, in the word lists given to readFractionWords. */
export const NUMBER_WORD = '#number';

export type FractionWords = {
  length: number;
  /** "half my ETH": a share of the balance, in percent ("50"). */
  percent?: string;
  /** "half an ETH": a part of one ("0.5"). */
  value?: string;
  problem?: string;
  /**
   * Written with nothing between it and what follows ("half ETH", "a quarter USDC"): a share of the
   * balance, or a part of one token? Only where a token follows is that a question.
   */
  bare?: boolean;
};

/**
 * A part of one in words starting at `words[start]` (lower-case words; NUMBER_WORD for a number in
 * digits): "half", "a half", "one half", "a quarter", "three quarters", "a fifth", "two thirds" (a
 * problem: no exact decimal). "half my ETH" and "half of it" are percentages of a balance; "half an
 * ETH" is 0.5; "half of 2 ETH" and "half 2 ETH" are problems (half of what?).
 */
export function readFractionWords(words: readonly (string | undefined)[], start: number): FractionWords | undefined {
  let index = start;
  let count = 1;
  const first = words[index];
  if (first === undefined) return undefined;
  let ordinal = ORDINALS[first];
  if (ordinal !== undefined) {
    // Alone, only "half" and "quarter" are amounts ("the third option" is not).
    if (first !== 'half' && first !== 'quarter') return undefined;
  } else {
    if (first === 'a' || first === 'an' || first === 'one') count = 1;
    else {
      const small = SMALL_NUMBERS[first];
      if (small === undefined || small < 2 || small > 20) return undefined;
      count = small;
    }
    index++;
    ordinal = ORDINALS[words[index] ?? ''];
    if (ordinal === undefined) return undefined;
    const plural = (words[index] ?? '').endsWith('s') && words[index] !== 'halves' ? true : words[index] === 'halves';
    if ((count === 1) === plural) return undefined;
  }
  index++;
  const length = index - start;
  const phrase = words.slice(start, index).join(' ');
  const next = words[index];
  const afterOf = next === 'of' ? words[index + 1] : undefined;
  const ofNumber = next === 'of' && (afterOf === NUMBER_WORD || SMALL_NUMBERS[afterOf ?? ''] !== undefined);
  if (ofNumber || next === NUMBER_WORD || (next !== undefined && SMALL_NUMBERS[next] !== undefined)) {
    return { length: length + (ofNumber ? 2 : 1), problem: 'it is a share of another amount' };
  }
  if (count >= ordinal) return { length, problem: `"${phrase}" is not a part of one` };
  // "half a ETH", "a quarter of an ETH": a part of one token.
  const ofOne = next === 'a' || next === 'an' ? 1 : next === 'of' && (afterOf === 'a' || afterOf === 'an') ? 2 : 0;
  if (ofOne > 0) {
    const value = fractionValue('0', count, ordinal);
    if (value === undefined) return { length: length + ofOne, problem: `"${phrase}" has no exact decimal value` };
    return { length: length + ofOne, value };
  }
  const percent = fractionValue('0', count * 100, ordinal);
  if (percent === undefined) return { length, problem: `"${phrase}" has no exact percentage` };
  const bare = next !== 'of' && !(next !== undefined && SHARE_WORDS.has(next));
  return { length, percent, ...(bare ? { bare } : {}) };
}
