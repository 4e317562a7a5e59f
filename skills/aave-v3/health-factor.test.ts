import { parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  type AccountHealth,
  accountAfter,
  breaksFloor,
  collateralRoomAtFloor,
  debtRoomAtFloor,
  formatHealthFactor,
  HEALTH_FACTOR_FLOOR,
  healthFactor,
  healthFactorAfter,
  valueInBase,
  WAD,
} from './health-factor.ts';

const usd = (dollars: number) => BigInt(dollars) * 10n ** 8n;
const wad = (value: string) => parseUnits(value, 18);

describe('health factor arithmetic', () => {
  // $10,000 of collateral at an 80% threshold against $4,000 of debt: 10,000 × 0.8 / 4,000 = 2.
  const account: AccountHealth = {
    totalCollateralBase: usd(10_000),
    totalDebtBase: usd(4_000),
    liquidationThresholdBps: 8000n,
  };

  it('is collateral × threshold ÷ debt, and undefined (∞) without debt', () => {
    expect(healthFactor(account)).toBe(wad('2'));
    expect(healthFactor({ ...account, totalDebtBase: 0n })).toBeUndefined();
    expect(formatHealthFactor(undefined)).toBe('∞');
  });

  it('re-weights the threshold when collateral of another threshold comes or goes', () => {
    // + $6,000 at 82.5%: (8,000 + 4,950) / 16,000 = 80.9375%, kept in whole basis points as the Pool
    // keeps it (80.93%), so 16,000 × 0.8093 / 4,000 = 3.2372.
    const after = accountAfter(account, { collateralBase: usd(6_000), collateralThresholdBps: 8250n });
    expect(after).toEqual({
      totalCollateralBase: usd(16_000),
      totalDebtBase: usd(4_000),
      liquidationThresholdBps: 8093n,
    });
    expect(healthFactorAfter(account, { collateralBase: usd(6_000), collateralThresholdBps: 8250n })).toBe(
      wad('3.2372'),
    );
    // Taking the same back returns the account to where it was.
    expect(healthFactorAfter(account, { collateralBase: -usd(10_000), collateralThresholdBps: 8000n })).toBe(0n);
  });

  it('moves with debt, and clamps what is repaid beyond the debt at zero', () => {
    expect(healthFactorAfter(account, { debtBase: usd(1_000) })).toBe(wad('1.6'));
    expect(healthFactorAfter(account, { debtBase: -usd(2_000) })).toBe(wad('4'));
    expect(healthFactorAfter(account, { debtBase: -usd(5_000) })).toBeUndefined();
  });

  it('says how much more can be borrowed or withdrawn before the 1.1 floor', () => {
    const debtRoom = debtRoomAtFloor(account); // 8,000 / 1.1 − 4,000 = 3,272.72...
    expect(healthFactorAfter(account, { debtBase: debtRoom })).toBeGreaterThanOrEqual(HEALTH_FACTOR_FLOOR);
    expect(healthFactorAfter(account, { debtBase: debtRoom + 1n })).toBeLessThan(HEALTH_FACTOR_FLOOR);
    const collateralRoom = collateralRoomAtFloor(account, 8000n); // 10,000 − 4,400 / 0.8 = 4,500
    expect(collateralRoom).toBe(usd(4_500));
    expect(healthFactorAfter(account, { collateralBase: -collateralRoom, collateralThresholdBps: 8000n })).toBe(
      HEALTH_FACTOR_FLOOR,
    );
  });

  it('breaks the floor only by lowering the health factor under 1.1', () => {
    expect(breaksFloor(undefined, wad('1.09'))).toBe(true);
    expect(breaksFloor(wad('2'), wad('1.1'))).toBe(false);
    expect(breaksFloor(wad('1.05'), wad('1.05'))).toBe(false); // withdrawing what is not collateral
    expect(breaksFloor(wad('2'), undefined)).toBe(false);
  });

  it('values amounts at the oracle price, rounding as asked, and shows four decimals rounded down', () => {
    expect(valueInBase(parseUnits('1.5', 18), usd(3_000), 18, 'down')).toBe(usd(4_500));
    expect(valueInBase(1n, usd(1), 6, 'down')).toBe(100n);
    expect(valueInBase(1n, usd(1), 18, 'down')).toBe(0n);
    expect(valueInBase(1n, usd(1), 18, 'up')).toBe(1n);
    expect(formatHealthFactor(wad('1.23456789'))).toBe('1.2345');
    expect(formatHealthFactor(WAD)).toBe('1');
  });
});
