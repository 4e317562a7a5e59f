/**
 * The fee tiers Uniswap V3 factories enable, in hundredths of a basis point (500 = 0.05%). A pair can
 * have one pool per tier; the skills look at all four and use the best one.
 */
export const FEE_TIERS = [100, 500, 3000, 10000] as const;

export type FeeTier = (typeof FEE_TIERS)[number];

/** A tier as people write it: 100 → "0.01%", 3000 → "0.3%". */
export function feeLabel(fee: FeeTier): string {
  return `${fee / 10_000}%`;
}
