import { formatUnits } from 'viem';
import { formatAmount } from '../sdk/amounts.ts';

type Decimals = { decimals: number; symbol: string };

/**
 * An amount for a one-line summary, to six significant digits, rounded toward the side the line
 * promises: "at least" rounds down and "at most" rounds up, so the short figure is never untrue.
 * (The exact base units are in the bounds and the quote's values.)
 */
export function formatAmountShort(amount: bigint, token: Decimals, round: 'down' | 'up'): string {
  const SIGNIFICANT = 6;
  const drop = Math.min(Math.max(amount.toString().length - SIGNIFICANT, 0), token.decimals);
  const unit = 10n ** BigInt(drop);
  const kept = round === 'down' ? amount / unit : (amount + unit - 1n) / unit;
  return formatAmount(kept * unit, token);
}

/**
 * numerator / denominator as a decimal string with `significant` significant digits (rounded to
 * nearest, trailing zeros trimmed): 3000.1234, 0.00033331. Prices span many orders of magnitude, so a
 * fixed number of decimals would either drown 3000 in digits or round 0.00003 to zero.
 */
export function formatRatio(numerator: bigint, denominator: bigint, significant = 8): string {
  if (numerator === 0n) return '0';
  const whole = numerator / denominator;
  let decimals: number;
  if (whole > 0n) {
    decimals = Math.max(significant - whole.toString().length, 0);
  } else {
    let leadingZeros = 0;
    while (numerator * 10n ** BigInt(leadingZeros + 1) < denominator) leadingZeros++;
    decimals = leadingZeros + significant;
  }
  const scaled = numerator * 10n ** BigInt(decimals);
  const rounded = (2n * scaled + denominator) / (2n * denominator);
  return formatUnits(rounded, decimals);
}
