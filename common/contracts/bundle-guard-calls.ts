import { type Address, concat, encodeFunctionData, type Hex, numberToHex, toFunctionSelector, zeroAddress } from 'viem';
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

/**
 * The account's ETH, its balance of a token, its allowance of a token to a spender, its scaled balance
 * of an Aave position token, and a word of its Aave account data (1: total debt, 5: health factor).
 */
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
  scaledBalanceOf: (token: Address): GuardRead => ({
    target: token,
    selector: GUARD_SELECTORS.scaledBalanceOf,
    arg: zeroAddress,
    word: 0n,
  }),
  accountData: (pool: Address, word: bigint): GuardRead => ({
    target: pool,
    selector: GUARD_SELECTORS.getUserAccountData,
    arg: zeroAddress,
    word,
  }),
};
/**
 * A bound on read number `read` of the spec's reads: its change since the snapshot (relative) or its
 * value, within [min, max]; int256's least and largest mean no limit (and cost no calldata).
 */
export type GuardBound = { read: bigint; relative: boolean; min: bigint; max: bigint };
export type GuardSpec = {
  snapshotReads: readonly GuardRead[];
  reads: readonly GuardRead[];
  bounds: readonly GuardBound[];
};

const INT256_MIN = -(2n ** 255n);
const INT256_MAX = 2n ** 255n - 1n;
const HAS_ARG = 1n << 200n;
const RELATIVE = 1n << 128n;
const HAS_MIN = 1n << 129n;
const HAS_MAX = 1n << 130n;
const MIN_NEGATIVE = 1n << 131n;
const MAX_NEGATIVE = 1n << 132n;

/**
 * The first and the last call of a guarded bundle: both are sent by the account itself. `spec.bounds`
 * index `spec.reads`; a relative bound's read must be the snapshot read of the same index. Packed as
 * the contract takes them (SextantBundleGuard.sol): a read in one word (`target | selector << 160 |
 * word << 192 | hasArg << 200`) and its arg after it if it has one; a bound as a head (`index |
 * relative << 128 | hasMin << 129 | hasMax << 130 | minNegative << 131 | maxNegative << 132`), an
 * absolute bound's read, then |min| and |max| where they limit anything.
 */
export function guardCalls(
  guard: Address,
  spec: GuardSpec,
): { snapshot: { to: Address; value: bigint; data: Hex }; check: { to: Address; value: bigint; data: Hex } } {
  const bounds = spec.bounds.flatMap((bound) => {
    const index = Number(bound.read);
    const read = spec.reads[index];
    if (!read) throw new Error(`A guard bound names read ${index}, which the guard's reads do not have.`);
    if (bound.relative) {
      const snapshotted = spec.snapshotReads[index];
      if (!snapshotted || !sameRead(snapshotted, read)) {
        throw new Error(`A relative guard bound names read ${index}, which the snapshot does not take.`);
      }
    }
    return packBound(bound, read);
  });
  return {
    snapshot: { to: guard, value: 0n, data: guardData('snapshot', spec.snapshotReads.flatMap(packRead)) },
    check: { to: guard, value: 0n, data: guardData('check', bounds) },
  };
}

/** A read as the guard takes it: one word, and its arg after it when it has one (a spender). */
export function packRead(read: GuardRead): bigint[] {
  if (read.word < 0n || read.word > 255n)
    throw new Error(`A guard read takes word 0 to 255 of a return, not ${read.word}.`);
  const what = BigInt(read.target) | (BigInt(read.selector) << 160n) | (read.word << 192n);
  return read.arg === zeroAddress ? [what] : [what | HAS_ARG, BigInt(read.arg)];
}

/**
 * A bound as the guard takes it. A relative one names its snapshot read by `bound.read`; an absolute
 * one carries `read` itself.
 */
export function packBound(bound: GuardBound, read: GuardRead): bigint[] {
  if (bound.min < INT256_MIN || bound.max > INT256_MAX) throw new Error('A guard bound must fit an int256.');
  const hasMin = bound.min > INT256_MIN;
  const hasMax = bound.max < INT256_MAX;
  const head =
    (bound.relative ? bound.read | RELATIVE : 0n) |
    (hasMin ? HAS_MIN : 0n) |
    (hasMax ? HAS_MAX : 0n) |
    (hasMin && bound.min < 0n ? MIN_NEGATIVE : 0n) |
    (hasMax && bound.max < 0n ? MAX_NEGATIVE : 0n);
  return [
    head,
    ...(bound.relative ? [] : packRead(read)),
    ...(hasMin ? [magnitude(bound.min)] : []),
    ...(hasMax ? [magnitude(bound.max)] : []),
  ];
}

/** The data of a guard's snapshot or check call: its selector, then its packed words. */
export function guardData(functionName: 'snapshot' | 'check', words: readonly bigint[]): Hex {
  return concat([
    encodeFunctionData({ abi: BUNDLE_GUARD_ABI, functionName }),
    ...words.map((w) => numberToHex(w, { size: 32 })),
  ]);
}

function sameRead(a: GuardRead, b: GuardRead): boolean {
  const [x, y] = [packRead(a), packRead(b)];
  return x.length === y.length && x.every((w, i) => w === y[i]);
}

/** A limit's size: its sign rides in the bound's head, so a small negative costs a few bytes. */
function magnitude(value: bigint): bigint {
  return value < 0n ? -value : value;
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
