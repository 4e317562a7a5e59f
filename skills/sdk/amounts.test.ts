import { describe, expect, it } from 'vitest';
import { formatAmount, formatAmountRounded, roundAmountsInText, roundDecimal } from './amounts.ts';

describe('amounts rounded for people', () => {
  it('keeps about six significant digits, never cutting the whole part', () => {
    expect(roundDecimal('5.011358828335193453')).toBe('5.01136');
    expect(roundDecimal('14939.261425')).toBe('14939.3');
    expect(roundDecimal('1989336.7')).toBe('1989337');
    expect(roundDecimal('0.000366493003298437')).toBe('0.000366493');
    expect(roundDecimal('-4.994681071997129648')).toBe('-4.99468');
    expect(roundDecimal('100')).toBe('100');
    expect(roundDecimal('1.50000')).toBe('1.5');
    expect(roundDecimal('0.9999999')).toBe('1');
    expect(roundDecimal('-0.0000000')).toBe('0');
    expect(roundDecimal('all')).toBe('all');
  });

  it('rounds toward the side it is asked to, so a floor or ceiling stays true', () => {
    expect(roundDecimal('2.9999999', 'down')).toBe('2.99999');
    expect(roundDecimal('2.0000001', 'up')).toBe('2.00001');
    expect(roundDecimal('2.0000000', 'up')).toBe('2');
    expect(roundDecimal('-2.0000001', 'up')).toBe('-2');
    expect(roundDecimal('-2.0000001', 'down')).toBe('-2.00001');
  });

  it('rounds the amounts in a summary: nearest, "at least" down, "at most" up; addresses and versions untouched', () => {
    expect(
      roundAmountsInText('Swap 4.994681071997129648 ETH for at least 14864.59999 USDC on Uniswap V3 (0.05% pool)'),
    ).toBe('Swap 4.99468 ETH for at least 14864.5 USDC on Uniswap V3 (0.05% pool)');
    expect(
      roundAmountsInText('Repay all DAI (500.0123456 DAI now) of debt on Aave V3, offering at most 500.5000001 DAI'),
    ).toBe('Repay all DAI (500.012 DAI now) of debt on Aave V3, offering at most 500.501 DAI');
    const untouched = 'Send 1.5 USDC to 0x000000000000000000000000000000000000dEaD (weth/wrap@1.0.0)';
    expect(roundAmountsInText(untouched)).toBe(untouched);
  });

  it('keeps formatAmount exact (quotes and JSON carry it) and rounds only in formatAmountRounded', () => {
    const eth = { symbol: 'ETH', decimals: 18 };
    expect(formatAmount(5_011_358_828_335_193_453n, eth)).toBe('5.011358828335193453 ETH');
    expect(formatAmountRounded(5_011_358_828_335_193_453n, eth)).toBe('5.01136 ETH');
    expect(formatAmountRounded(5_011_358_828_335_193_453n, eth, 'down')).toBe('5.01135 ETH');
  });
});
