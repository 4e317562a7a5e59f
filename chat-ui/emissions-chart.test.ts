import { describe, expect, it } from 'vitest';
import {
  barLengths,
  bucketName,
  CHART_WIDTH,
  chartSummary,
  formatPeriod,
  fraction,
  toUnits,
} from './public/js/emissions-chart.js';
import { FAKE_EPOCH_REPORTS } from './testing/fake-api.ts';

describe('toUnits', () => {
  it('reads a decimal string in whole tokens as an exact integer of 18 decimals', () => {
    expect(toUnits('0')).toBe(0n);
    expect(toUnits('1')).toBe(10n ** 18n);
    expect(toUnits('0.000000000000000001')).toBe(1n);
    expect(toUnits('3448.889295261119999997')).toBe(3448889295261119999997n);
    expect(toUnits('41999999.998839372')).toBe(41999999998839372000000000n);
    expect(toUnits('.5')).toBe(5n * 10n ** 17n);
    expect(toUnits('7.')).toBe(7n * 10n ** 18n);
  });

  it('refuses what is not a plain amount of at most 18 decimals', () => {
    for (const bad of ['', '.', '-1', '+1', '1e18', '0x10', '1,000', '1.2.3', '0.0000000000000000001', 'NaN', null]) {
      expect(toUnits(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('fraction', () => {
  it('divides exact integers once, keeping tiny and near-whole shares apart', () => {
    expect(fraction(1n, 2n)).toBe(0.5);
    expect(fraction(0n, 5n)).toBe(0);
    expect(fraction(5n, 0n)).toBe(0);
    expect(fraction(7n, 5n)).toBe(1);
    // One wei of 3448 tokens: not zero, and less than a millionth of a unit of width.
    const wei = fraction(1n, 3448889295261120000000n);
    expect(wei).toBeGreaterThan(0);
    expect(wei * CHART_WIDTH).toBeLessThan(1e-15);
    // Larger than Number can hold exactly: the order stays right.
    expect(fraction(3448889295261119999997n, 3448889295261120000000n)).toBeLessThanOrEqual(1);
  });
});

describe('barLengths', () => {
  const latest = FAKE_EPOCH_REPORTS[0];

  it('scales every bar to the bucket with the most to pay, paid then carried over', () => {
    const lengths = barLengths([
      { bucket: 'a', paid: '300', carriedOut: '100' },
      { bucket: 'b', paid: '100', carriedOut: '0' },
      { bucket: 'c', paid: '0', carriedOut: '200' },
      { bucket: 'd', paid: '0', carriedOut: '0' },
    ]);
    expect(lengths).toEqual([
      { bucket: 'a', paid: 240, carried: 80 },
      { bucket: 'b', paid: 80, carried: 0 },
      { bucket: 'c', paid: 0, carried: 160 },
      { bucket: 'd', paid: 0, carried: 0 },
    ]);
  });

  it('keeps an amount above zero visible, however small, without passing the edge', () => {
    const [capital, code, , , protection] = barLengths(latest?.buckets ?? []);
    // 3448.889295261119999997 paid and 3 wei carried over: the wei get the shortest visible segment.
    expect(capital?.carried).toBe(2);
    expect((capital?.paid ?? 0) + (capital?.carried ?? 0)).toBeLessThanOrEqual(CHART_WIDTH);
    expect(code).toEqual({ bucket: 'code', paid: CHART_WIDTH, carried: 0 });
    // Nobody earned from the protection fund: all of it (1149.72852487508) carries over, a third of the width.
    expect(protection?.paid).toBe(0);
    expect(protection?.carried).toBeCloseTo((1149.72852487508 / 3448.88929526112) * CHART_WIDTH, 1);
  });

  it('draws nothing for an epoch that paid nothing, and ignores an amount it cannot read', () => {
    expect(barLengths([{ bucket: 'a', paid: '0', carriedOut: '0' }])).toEqual([{ bucket: 'a', paid: 0, carried: 0 }]);
    expect(barLengths([{ bucket: 'a', paid: 'lots', carriedOut: '1' }])).toEqual([
      { bucket: 'a', paid: 0, carried: CHART_WIDTH },
    ]);
  });
});

describe('the words around the chart', () => {
  it('summarises the chart with every amount exactly as the API gave it', () => {
    const summary = chartSummary(FAKE_EPOCH_REPORTS[0] as (typeof FAKE_EPOCH_REPORTS)[number]);
    expect(summary).toBe(
      'Epoch 12, per bucket: capital paid 3448.889295261119999997, carried over 0.000000000000000003; ' +
        'code paid 3448.88929526112; compute paid 3448.88929526112; ' +
        'community paid 3448.88929526112, carried over 0.000000000000000001; ' +
        'protection paid 0, carried over 1149.72852487508.',
    );
  });

  it('names buckets and periods for people', () => {
    expect(bucketName('community')).toBe('Community');
    expect(formatPeriod('2026-01-13T00:00:00.000Z', '2026-01-14T00:00:00.000Z')).toBe(
      '2026-01-13 \u2192 2026-01-14 UTC',
    );
    expect(formatPeriod('2026-01-13T06:00:00.000Z', '2026-01-13T18:30:00.000Z')).toBe(
      '2026-01-13 06:00 \u2192 2026-01-13 18:30 UTC',
    );
    expect(formatPeriod('soon', 'later')).toBe('soon \u2192 later');
  });
});
