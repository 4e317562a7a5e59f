import { type Address, decodeFunctionData, encodeFunctionData, type Hex } from 'viem';
import { BUNDLE_GUARD_ABI } from './bundle-guard.ts';

/** What the guard reads: word `word` of `target.staticcall(data)`; target 0 reads the account's ETH. */
export type GuardRead = { target: Address; data: Hex; word: bigint };
/** A bound on read number `read`: its change since the snapshot (relative) or its value, within [min, max]. */
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
