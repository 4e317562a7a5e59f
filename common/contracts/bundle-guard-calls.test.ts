import { type Address, decodeFunctionData, maxInt256, minInt256, size, slice } from 'viem';
import { describe, expect, it } from 'vitest';
import { BUNDLE_GUARD_ABI } from './bundle-guard.ts';
import { guardCalls, guardData, guardReads, packBound, packRead } from './bundle-guard-calls.ts';

const USDC: Address = '0x1f644baf66019b19ee1f9916fa1918da07be6360';
const POOL: Address = '0x611500f75759a4362384676d0fb30c74e5d8165d';
const GUARD: Address = '0x0000000000000000000000000000000000000a11';
const RELATIVE = 1n << 128n;
const HAS_MIN = 1n << 129n;
const HAS_MAX = 1n << 130n;
const MIN_NEGATIVE = 1n << 131n;
const MAX_NEGATIVE = 1n << 132n;

describe('the guard’s packed words', () => {
  it('packs a read in one word, and its arg after it only when it has one', () => {
    const balance = packRead(guardReads.balanceOf(USDC));
    expect(balance).toEqual([BigInt(USDC) | (0x70a08231n << 160n)]);
    const allowance = packRead(guardReads.allowance(USDC, POOL));
    expect(allowance).toEqual([BigInt(USDC) | (0xdd62ed3en << 160n) | (1n << 200n), BigInt(POOL)]);
    expect(packRead({ ...guardReads.eth(), word: 5n })).toEqual([5n << 192n]);
    expect(() => packRead({ ...guardReads.eth(), word: 256n })).toThrow(/word 0 to 255/);
  });

  it('packs only the limits a bound has, as magnitudes with their signs in the head', () => {
    const read = guardReads.balanceOf(USDC);
    // No limits at all: the head alone.
    expect(packBound({ read: 3n, relative: true, min: minInt256, max: maxInt256 }, read)).toEqual([3n | RELATIVE]);
    // "At most 100 leaves": a negative minimum, no maximum.
    expect(packBound({ read: 0n, relative: true, min: -100n, max: maxInt256 }, read)).toEqual([
      RELATIVE | HAS_MIN | MIN_NEGATIVE,
      100n,
    ]);
    // "Debt falls by at least 50": no minimum, a negative maximum.
    expect(packBound({ read: 1n, relative: true, min: minInt256, max: -50n }, read)).toEqual([
      1n | RELATIVE | HAS_MAX | MAX_NEGATIVE,
      50n,
    ]);
    // An absolute bound carries its read; an allowance exactly 0 has both limits.
    const allowance = guardReads.allowance(USDC, POOL);
    expect(packBound({ read: 7n, relative: false, min: 0n, max: 0n }, allowance)).toEqual([
      HAS_MIN | HAS_MAX,
      ...packRead(allowance),
      0n,
      0n,
    ]);
    expect(() => packBound({ read: 0n, relative: true, min: minInt256 - 1n, max: 0n }, read)).toThrow(/int256/);
  });

  it('puts the words straight after the selector, and refuses a relative bound the snapshot does not take', () => {
    const usdc = guardReads.balanceOf(USDC);
    const allowance = guardReads.allowance(USDC, POOL);
    const { snapshot, check } = guardCalls(GUARD, {
      snapshotReads: [usdc],
      reads: [usdc, allowance],
      bounds: [
        { read: 0n, relative: true, min: -5n, max: maxInt256 },
        { read: 1n, relative: false, min: 0n, max: 0n },
      ],
    });
    expect(decodeFunctionData({ abi: BUNDLE_GUARD_ABI, data: slice(snapshot.data, 0, 4) }).functionName).toBe(
      'snapshot',
    );
    expect(size(snapshot.data)).toBe(4 + 32);
    expect(check.data).toBe(
      guardData('check', [RELATIVE | HAS_MIN | MIN_NEGATIVE, 5n, HAS_MIN | HAS_MAX, ...packRead(allowance), 0n, 0n]),
    );
    expect(() =>
      guardCalls(GUARD, {
        snapshotReads: [usdc],
        reads: [usdc, allowance],
        bounds: [{ read: 1n, relative: true, min: 0n, max: 0n }],
      }),
    ).toThrow(/snapshot does not take/);
  });
});
