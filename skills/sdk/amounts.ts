import { formatUnits, parseUnits } from 'viem';
import type { Token } from '../../common/chains/types.ts';
import { SkillError } from './errors.ts';

/**
 * Converts a human amount to the token's smallest unit with the chain's decimals, refusing zero and
 * more fractional digits than the token has (rounding someone's money silently is not an option).
 */
export function toBaseUnits(amount: string, token: Token): bigint {
  const [, fraction = ''] = amount.split('.');
  if (fraction.length > token.decimals) {
    throw new SkillError(`${amount} ${token.symbol} has more decimals than ${token.symbol} has (${token.decimals}).`, {
      hint: `Give at most ${token.decimals} digits after the point.`,
    });
  }
  const value = parseUnits(amount, token.decimals);
  if (value === 0n) throw new SkillError(`The amount of ${token.symbol} must be more than zero.`);
  return value;
}

/** A base-unit amount in human units with its symbol: "1.5 WETH". */
export function formatAmount(amount: bigint, token: Pick<Token, 'decimals' | 'symbol'>): string {
  return `${formatUnits(amount, token.decimals)} ${token.symbol}`;
}

/** How many significant digits an amount shown to a person keeps (the whole part is never cut). */
export const SIGNIFICANT_DIGITS = 6;

/**
 * A decimal string ("5.011358828335193453", "-0.000012345678") rounded for people to about six
 * significant digits: the whole part is kept, decimals are cut to what six digits leave (at least the
 * first significant one), trailing zeros dropped. `round` says which way: to the nearest (half up), or
 * toward the side a sentence promises ("at least" rounds down, "at most" up) so the short figure is
 * never untrue. Works on the digits, never on a float. Anything that is not a plain decimal is returned as is.
 */
export function roundDecimal(value: string, round: 'nearest' | 'down' | 'up' = 'nearest'): string {
  const match = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return value;
  const negative = match[1] === '-';
  const whole = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = match[3] ?? '';
  const keep =
    whole === '0'
      ? (() => {
          const first = fraction.search(/[1-9]/);
          return first === -1 ? 0 : first + SIGNIFICANT_DIGITS;
        })()
      : Math.max(SIGNIFICANT_DIGITS - whole.length, 0);
  if (fraction.length <= keep) return trimZeros(`${match[1] === '+' ? '' : match[1]}${whole}.${fraction}`);
  const digits = BigInt(whole + fraction.slice(0, keep));
  const rest = fraction.slice(keep);
  const restNonZero = /[1-9]/.test(rest);
  // Rounding a magnitude: "down" and "up" are about the signed value, so a negative flips them.
  const away = round === 'nearest' ? (rest.charCodeAt(0) ?? 48) >= 53 : restNonZero && (round === 'up') !== negative;
  const rounded = (digits + (away ? 1n : 0n)).toString().padStart(keep + 1, '0');
  const text = keep > 0 ? `${rounded.slice(0, -keep)}.${rounded.slice(-keep)}` : rounded;
  const trimmed = trimZeros(text);
  return negative && trimmed !== '0' ? `-${trimmed}` : trimmed;
}

function trimZeros(text: string): string {
  if (!text.includes('.')) return text;
  const out = text.replace(/0+$/, '').replace(/\.$/, '');
  return out === '-0' ? '0' : out;
}

/** A base-unit amount rounded for people, with its symbol: "5.01136 ETH" (formatAmount gives it exactly). */
export function formatAmountRounded(
  amount: bigint,
  token: Pick<Token, 'decimals' | 'symbol'>,
  round: 'nearest' | 'down' | 'up' = 'nearest',
): string {
  return `${roundDecimal(formatUnits(amount, token.decimals), round)} ${token.symbol}`;
}

/** Words before an amount that make it a floor or a ceiling, so it must round toward that side. */
const FLOOR_WORDS = /\b(at least|minimum(?: of)?|min\.?|no less than)\s*$/i;
const CEILING_WORDS = /\b(at most|up to|maximum(?: of)?|max\.?|no more than)\s*$/i;

/**
 * Every decimal amount in a sentence (a step's summary: "Swap 4.994681071997129648 ETH for at least
 * 14864.5 USDC") rounded for people: "Swap 4.99468 ETH for at least 14864.5 USDC". A figure after "at
 * least" rounds down and after "at most" up, so the sentence stays true; integers, addresses, hashes
 * and version numbers are left alone. The exact text stays where it came from (the plan's JSON).
 */
export function roundAmountsInText(text: string): string {
  return text.replace(/(?<![\w.])(\d+\.\d+)(?![\w.])/g, (number: string, _group: string, offset: number) => {
    const before = text.slice(Math.max(0, offset - 24), offset);
    const round = FLOOR_WORDS.test(before) ? 'down' : CEILING_WORDS.test(before) ? 'up' : 'nearest';
    return roundDecimal(number, round);
  });
}
