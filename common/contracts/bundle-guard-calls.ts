import { type Address, decodeFunctionData, encodeFunctionData, type Hex, toFunctionSelector, zeroAddress } from 'viem';
import { BUNDLE_GUARD_ABI } from './bundle-guard.ts';

/**
 * What the guard reads about the account calling it: word `word` of
 * `target.staticcall(selector, account[, arg])` (`arg` when not zero: a spender); target 0 reads its ETH.
 */
export type GuardRead = { target: Address; selector: Hex; arg: Address; word: bigint };

export const GUARD_SELECTORS = {
  balanceOf: toFunctionSelector('balanceOf(address)'),
  allowance: toFunctionSelector('allowance(address,address)'),
  getUserAccountData: toFunctionSelector('getUserAccountData(address)'),
  scaledBalanceOf: toFunctionSelector('scaledBalanceOf(address)'),
} as const;

/** The account's ETH, its balance of a token, its allowance of a token to a spender. */
export const guardReads = {
  eth: (): GuardRead => ({ target: zeroAddress, selector: '0x00000000', arg: zeroAddress, word: 0n }),
  balanceOf: (token: Address): GuardRead => ({
    target: token,
    selector: GUARD_SELECTORS.balanceOf,
    arg: zeroAddress,
    word: 0n,
  }),
  allowance: (token: Address, spender: Address): GuardRead => ({
    target: token,
    selector: GUARD_SELECTORS.allowance,
    arg: spender,
    word: 0n,
  }),
};
/** A bound on read number `read`: its change since the snapshot (relative) or its value, within [min, max]. */
/** `max` for a bound with no maximum (the guard reads type(int256).min there so; cheap in calldata). */
export const GUARD_NO_MAX = -(2n ** 255n);
export type GuardBound = { read: bigint; relative: boolean; min: bigint; max: bigint };
export type GuardSpec = {
  snapshotReads: readonly GuardRead[];
  reads: readonly GuardRead[];
  bounds: readonly GuardBound[];
};

/** The first and the last call of a guarded bundle: both are sent by the account itself. */
export function guardCalls(
  guard: Address,
  spec: GuardSpec,
): { snapshot: { to: Address; value: bigint; data: Hex }; check: { to: Address; value: bigint; data: Hex } } {
  return {
    snapshot: {
      to: guard,
      value: 0n,
      data: encodeFunctionData({ abi: BUNDLE_GUARD_ABI, functionName: 'snapshot', args: [spec.snapshotReads] }),
    },
    check: {
      to: guard,
      value: 0n,
      data: encodeFunctionData({ abi: BUNDLE_GUARD_ABI, functionName: 'check', args: [spec.reads, spec.bounds] }),
    },
  };
}

/** The reads and bounds of a guard's check call, to name a bound that broke; undefined if `data` is not one. */
export function decodeGuardCheck(
  data: Hex,
): { reads: readonly GuardRead[]; bounds: readonly GuardBound[] } | undefined {
  try {
    const decoded = decodeFunctionData({ abi: BUNDLE_GUARD_ABI, data });
    if (decoded.functionName !== 'check') return undefined;
    const [reads, bounds] = decoded.args as unknown as [readonly GuardRead[], readonly GuardBound[]];
    return { reads, bounds };
  } catch {
    return undefined;
  }
}

/**
 * A call that runs `call` with the amount of `token` the bundle has brought in so far (since the
 * snapshot's read number `read`, the account's balanceOf `token`) written at byte `offset` of its data,
 * at most `atMost`: the guard takes it from the account, approves `call.to` for it, calls, and returns
 * what is left. The account must approve the guard for `atMost` before (and reset it to 0 after).
 */
export function forwardReceivedCall(
  guard: Address,
  forward: { read: bigint; token: Address; call: { to: Address; data: Hex }; offset: bigint; atMost: bigint },
): { to: Address; value: bigint; data: Hex } {
  return {
    to: guard,
    value: 0n,
    data: encodeFunctionData({
      abi: BUNDLE_GUARD_ABI,
      functionName: 'forwardReceived',
      args: [forward.read, forward.token, forward.call.to, forward.call.data, forward.offset, forward.atMost],
    }),
  };
}
