import { SkillError } from '../sdk/errors.ts';

/** What a swap tolerates when the user states nothing: 0.5%. */
export const DEFAULT_SLIPPAGE_BPS = 50;

/**
 * The most a swap may tolerate, whatever the user says: past 3% a single-pool swap is mostly an
 * invitation to be sandwiched, and a mistyped "30" (meant as 0.3%) is refused rather than obeyed.
 */
export const MAX_SLIPPAGE_BPS = 300;

const BPS = 10_000n;

/** The slippage the swap uses: the user's (refused above the cap) or the default. */
export function slippageBps(requested: number | undefined): bigint {
  const bps = requested ?? DEFAULT_SLIPPAGE_BPS;
  if (bps > MAX_SLIPPAGE_BPS) {
    throw new SkillError(
      `A slippage of ${bps} bps (${bps / 100}%) is more than this skill allows (${MAX_SLIPPAGE_BPS} bps, ${MAX_SLIPPAGE_BPS / 100}%).`,
      { hint: `Give at most ${MAX_SLIPPAGE_BPS} bps, or leave it out for the default of ${DEFAULT_SLIPPAGE_BPS} bps.` },
    );
  }
  return BigInt(bps);
}

/** The least an exact-input swap may pay out: the quote less the slippage, rounded down. */
export function minimumOut(quoted: bigint, bps: bigint): bigint {
  return (quoted * (BPS - bps)) / BPS;
}

/** The most an exact-output swap may take: the quote plus the slippage, rounded down (never past the tolerance). */
export function maximumIn(quoted: bigint, bps: bigint): bigint {
  return (quoted * (BPS + bps)) / BPS;
}
