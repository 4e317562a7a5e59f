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
