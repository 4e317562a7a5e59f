import { describe, expect, it } from 'vitest';
import { fullRangeTicks, sqrtBigInt, sqrtPriceX96 } from './pool-math.ts';

describe('sqrtBigInt', () => {
  it('is the floor of the square root, also past float precision', () => {
    for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 30n, 10n ** 30n - 1n, (1n << 200n) + 12345n]) {
      const root = sqrtBigInt(n);
      expect(root * root <= n).toBe(true);
      expect((root + 1n) * (root + 1n) > n).toBe(true);
    }
  });
});

describe('sqrtPriceX96', () => {
  it('is 2^96 for a 1:1 pool', () => {
    expect(sqrtPriceX96(10n ** 18n, 10n ** 18n)).toBe(1n << 96n);
  });

  it('encodes 3000 USDC (6 decimals) per WETH (18 decimals) as Uniswap would', () => {
    // token0 = USDC, token1 = WETH: price = 1e18 / 3000e6 raw units of WETH per raw unit of USDC.
    const value = sqrtPriceX96(3000n * 10n ** 6n, 10n ** 18n);
    const price = (Number(value) / 2 ** 96) ** 2;
    expect(price).toBeCloseTo(1e18 / 3e9, 0);
  });
});

describe('fullRangeTicks', () => {
  it('aligns to the tick spacing of each tier', () => {
    expect(fullRangeTicks(3000)).toEqual({ tickLower: -887_220, tickUpper: 887_220 });
    expect(fullRangeTicks(500)).toEqual({ tickLower: -887_270, tickUpper: 887_270 });
    expect(fullRangeTicks(100)).toEqual({ tickLower: -887_272, tickUpper: 887_272 });
    expect(fullRangeTicks(10000)).toEqual({ tickLower: -887_200, tickUpper: 887_200 });
    expect(() => fullRangeTicks(42)).toThrow(/unknown/);
  });
});
