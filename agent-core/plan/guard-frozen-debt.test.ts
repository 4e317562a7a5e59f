import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { guardBundle } from './guard.ts';

const GUARD = '0x00000000000000000000000000000000000000a1' as Address;
const POOL = '0x00000000000000000000000000000000000000a2' as Address;
const USDC_DEBT = '0x00000000000000000000000000000000000000d1' as Address;
const DAI_DEBT = '0x00000000000000000000000000000000000000d2' as Address;
const debtTokens = [
  { address: USDC_DEBT, symbol: 'USDC' },
  { address: DAI_DEBT, symbol: 'DAI' },
];

const guarded = (changes: Parameters<typeof guardBundle>[0]['changes']) =>
  guardBundle({
    guard: GUARD,
    steps: [],
    simulation: {
      assetChanges: changes.map((c) => ({
        token: c.token,
        before: 0n,
        after: BigInt(c.baseUnits),
        diff: BigInt(c.baseUnits),
      })),
      approvals: [],
      holdings: [],
    },
    exposed: [],
    changes,
    healthFactor: undefined,
    debtFrozen: { pool: POOL, debtTokens },
    describe: { symbol: () => 'TOKEN', decimals: () => 6 },
  }).checks;

describe('the guard on the debt of an account whose bundle may run unvetted code', () => {
  it('holds the total debt when no step moves debt: one read of the pool', () => {
    expect(guarded([])).toEqual(['Aave debt: none taken on']);
  });

  it('holds every other reserve’s debt when a step moves one (the total may then move)', () => {
    const checks = guarded([
      {
        token: USDC_DEBT,
        kind: 'debt',
        baseUnits: '-1',
        asset: { symbol: 'USDC', protocol: 'Aave V3' },
        index: 10n ** 27n,
      },
    ]);
    expect(checks).toContain('DAI debt on Aave V3: none taken on');
    expect(checks).not.toContain('USDC debt on Aave V3: none taken on');
    expect(checks).not.toContain('Aave debt: none taken on');
    // The changed reserve keeps the bound its step gives it.
    expect(checks.some((check) => check.startsWith('USDC debt on Aave V3: falls by at least'))).toBe(true);
  });
});
