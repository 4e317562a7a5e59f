import { type Address, isAddressEqual, type PublicClient, parseAbi } from 'viem';

/**
 * A Uniswap V3 pool's time-weighted average price over the last `windowSeconds`, from its own
 * observations (`observe`): what a price order acts on. One transaction can move a pool's spot price
 * as far as it likes; moving its average over minutes costs holding the price there for minutes,
 * against everyone who trades it back. Undefined when the pool keeps too little history for the window
 * (the order waits).
 */
const POOL_ABI = parseAbi([
  'function observe(uint32[] secondsAgos) view returns (int56[] tickCumulatives, uint160[] secondsPerLiquidityCumulativeX128s)',
  'function token0() view returns (address)',
]);

/** Ten minutes: long enough that a single block's trade barely moves it, short enough to follow the market. */
export const TWAP_WINDOW_SECONDS = 600;

/**
 * The average price of one whole `base` token in `quote` tokens over the window (both tokens of the
 * pool, with their decimals).
 */
export async function poolTwapPrice(
  client: PublicClient,
  pool: Address,
  base: { address: Address; decimals: number },
  quote: { address: Address; decimals: number },
  windowSeconds = TWAP_WINDOW_SECONDS,
): Promise<number | undefined> {
  let cumulatives: readonly bigint[];
  try {
    [cumulatives] = await client.readContract({
      address: pool,
      abi: POOL_ABI,
      functionName: 'observe',
      args: [[windowSeconds, 0]],
    });
  } catch {
    // "OLD": the pool's oldest observation is younger than the window.
    return undefined;
  }
  const [then, now] = cumulatives;
  if (then === undefined || now === undefined) return undefined;
  const averageTick = Number(now - then) / windowSeconds;
  const token0 = await client.readContract({ address: pool, abi: POOL_ABI, functionName: 'token0' });
  // 1.0001^tick is token1 per token0, in base units.
  const raw1Per0 = 1.0001 ** averageTick;
  const baseIs0 = isAddressEqual(token0, base.address);
  const rawQuotePerBase = baseIs0 ? raw1Per0 : 1 / raw1Per0;
  return rawQuotePerBase * 10 ** (base.decimals - quote.decimals);
}
