// @ts-check
// Formatting for people: token amounts, USD values, hashes. Pure functions (tested in chat-ui/format.test.ts).

const MINUS = '\u2212';
const usdFormatter = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const plainFormatter = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Significant digits an amount shown to a person keeps (the whole part is never cut). */
const SIGNIFICANT = 6;

/**
 * A decimal string in human units ("-1234.5678912", "0.0000123456789") for display: a sign, thousands
 * separators, and about 6 significant digits (the whole part is kept; rounded half up, or toward
 * `round`). Works on the digits, never on a float, so 18-decimal amounts keep their precision until
 * the cut. The same rule as skills/sdk/amounts.ts `roundDecimal`, which the CLI uses. Anything that is
 * not a plain decimal is shown as is.
 * @param {string | number} value
 * @param {{ signed?: boolean, round?: 'nearest' | 'down' | 'up' }} [options] signed: also show "+" on
 *   positive amounts; round: "down" for a floor ("at least"), "up" for a ceiling ("at most").
 * @returns {string}
 */
export function formatAmount(value, options = {}) {
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || ((match[2] ?? '') === '' && (match[3] ?? '') === '')) return text;
  let negative = match[1] === '-';
  let whole = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  let fraction = match[3] ?? '';

  let keep = Math.max(SIGNIFICANT - whole.length, 0);
  if (whole === '0') {
    const firstSignificant = fraction.search(/[1-9]/);
    keep = firstSignificant === -1 ? 0 : firstSignificant + SIGNIFICANT;
  }
  if (fraction.length > keep) {
    const rest = fraction.slice(keep);
    const round = options.round ?? 'nearest';
    // "down" and "up" are about the signed value: for a negative amount they flip in magnitude.
    const away =
      round === 'nearest' ? (rest.charCodeAt(0) ?? 48) >= 53 : /[1-9]/.test(rest) && (round === 'up') !== negative;
    const digits = BigInt(whole + fraction.slice(0, keep)) + (away ? 1n : 0n);
    const padded = digits.toString().padStart(keep + 1, '0');
    whole = padded.slice(0, padded.length - keep);
    fraction = keep > 0 ? padded.slice(padded.length - keep) : '';
  }
  fraction = fraction.replace(/0+$/, '');
  const isZero = /^0*$/.test(whole + fraction);
  if (isZero) negative = false;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = negative ? MINUS : options.signed && !isZero ? '+' : '';
  return `${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** Words before an amount that make it a floor or a ceiling, so it must round toward that side. */
const FLOOR_WORDS = /\b(at least|minimum(?: of)?|min\.?|no less than)\s*$/i;
const CEILING_WORDS = /\b(at most|up to|maximum(?: of)?|max\.?|no more than)\s*$/i;

/**
 * Every decimal amount in a sentence (a step's summary) rounded for people: "Swap 4.994681071997129648
 * ETH for at least 14864.5 USDC" → "Swap 4.99468 ETH for at least 14864.5 USDC". After "at least" a
 * figure rounds down, after "at most" up, so the sentence stays true. Integers, addresses and version
 * numbers are left alone, and no separators are added (the sentence is the skill's). Show the exact
 * sentence on hover.
 * @param {string} text
 * @returns {string}
 */
export function roundAmountsInText(text) {
  return String(text).replace(/(?<![\w.])(\d+\.\d+)(?![\w.])/g, (number, _group, offset) => {
    const before = String(text).slice(Math.max(0, offset - 24), offset);
    const round = FLOOR_WORDS.test(before) ? 'down' : CEILING_WORDS.test(before) ? 'up' : 'nearest';
    return formatAmount(number, { round }).replaceAll(',', '');
  });
}

/**
 * Whether a signed human amount comes in, goes out, or is zero.
 * @param {string | number} value
 * @returns {'in' | 'out' | 'zero'}
 */
export function direction(value) {
  const text = String(value).trim();
  if (/^[+-]?0*(\.0*)?$/.test(text)) return 'zero';
  return text.startsWith('-') ? 'out' : 'in';
}

/**
 * A USD value ("$1,234.50"); "<$0.01" for dust; an em dash when there is no price.
 * @param {number | null | undefined} value
 * @param {{ signed?: boolean }} [options]
 * @returns {string}
 */
export function formatUsd(value, options = {}) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '\u2014';
  const magnitude = Math.abs(value);
  const sign = value < 0 ? MINUS : options.signed && value > 0 ? '+' : '';
  if (magnitude > 0 && magnitude < 0.005) return `${sign}<$0.01`;
  return `${sign}${usdFormatter.format(magnitude)}`;
}

/**
 * A plain number with separators ("10,000").
 * @param {number} value
 * @returns {string}
 */
export function formatNumber(value) {
  return Number.isFinite(value) ? plainFormatter.format(value) : '\u2014';
}

/**
 * Basis points as a percentage ("100" → "1%", "30" → "0.3%").
 * @param {number} bps
 * @returns {string}
 */
export function formatBps(bps) {
  if (!Number.isFinite(bps)) return '\u2014';
  return `${Number((bps / 100).toFixed(2))}%`;
}

/**
 * An address or hash shortened for display ("0x1234…cdef"); the full value belongs in a title.
 * @param {string | null | undefined} value
 * @param {number} [head] characters kept at the start, "0x" included
 * @param {number} [tail] characters kept at the end
 * @returns {string}
 */
export function shortHex(value, head = 6, tail = 4) {
  if (!value) return '';
  const text = String(value);
  if (text.length <= head + tail + 1) return text;
  return `${text.slice(0, head)}\u2026${text.slice(-tail)}`;
}

/**
 * An integer amount of wei (a decimal string) as ETH ("21000000000000" → "0.000021"); as is otherwise.
 * @param {string | number | null | undefined} wei
 * @returns {string}
 */
export function formatWei(wei) {
  if (wei === null || wei === undefined) return '';
  const text = String(wei);
  if (!/^\d+$/.test(text)) return text;
  const padded = text.padStart(19, '0');
  return formatAmount(`${padded.slice(0, -18)}.${padded.slice(-18)}`);
}

/**
 * Time left, as "4:05" (or "1:02:03" past an hour).
 * @param {number} ms
 * @returns {string}
 */
export function formatRemaining(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
