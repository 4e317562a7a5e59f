import { describe, expect, it } from 'vitest';
import { formatAmountShort, formatRatio } from './format.ts';

describe('uniswap-v3 formatting', () => {
  it('writes ratios with eight significant digits, whatever their size', () => {
    expect(formatRatio(3000n, 1n)).toBe('3000');
    expect(formatRatio(10n ** 12n, 3n)).toBe('333333333333');
    expect(formatRatio(2n, 3n)).toBe('0.66666667');
    expect(formatRatio(1n, 3000n)).toBe('0.00033333333');
    expect(formatRatio(1n, 10n ** 20n)).toBe('0.00000000000000000001');
    expect(formatRatio(0n, 7n)).toBe('0');
  });

  it('shortens amounts toward the side the summary promises', () => {
    const weth = { symbol: 'WETH', decimals: 18 };
    expect(formatAmountShort(33_112_345_678_901_234n, weth, 'down')).toBe('0.0331123 WETH');
    expect(formatAmountShort(33_112_345_678_901_234n, weth, 'up')).toBe('0.0331124 WETH');
    expect(formatAmountShort(100_000_000n, { symbol: 'USDC', decimals: 6 }, 'up')).toBe('100 USDC');
    // Whole units are never dropped.
    expect(formatAmountShort(123_456_789_000_000n, { symbol: 'USDC', decimals: 6 }, 'down')).toBe('123456789 USDC');
  });
});
