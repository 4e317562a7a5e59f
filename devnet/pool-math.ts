/** The few pieces of Uniswap V3 arithmetic the devnet needs to open pools at a chosen price. */

const MAX_TICK = 887_272;

export const TICK_SPACING: Readonly<Record<number, number>> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };

/** The widest tick range a position may take in a pool of this fee tier (a "full range" position). */
export function fullRangeTicks(fee: number): { tickLower: number; tickUpper: number } {
  const spacing = TICK_SPACING[fee];
  if (spacing === undefined) throw new Error(`unknown Uniswap V3 fee tier ${fee}`);
  const tickUpper = Math.floor(MAX_TICK / spacing) * spacing;
  return { tickLower: -tickUpper, tickUpper };
}

/**
 * sqrt(price) in Q64.96, where price is token1 per token0 in raw units: the starting price of a pool
 * that will hold `amount0` of token0 against `amount1` of token1.
 */
export function sqrtPriceX96(amount0: bigint, amount1: bigint): bigint {
  if (amount0 <= 0n || amount1 <= 0n) throw new Error('pool amounts must be positive');
  return sqrtBigInt((amount1 << 192n) / amount0);
}

/** floor(sqrt(n)) for a non-negative bigint (Newton's method). */
export function sqrtBigInt(n: bigint): bigint {
  if (n < 0n) throw new Error('square root of a negative number');
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // The float estimate can be off by a lot for large n; Newton converges from either side.
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next === x || next === x + 1n) break;
    x = next;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}
