import { type Address, encodeErrorResult, getAddress, type Hex, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { guardData } from '../common/contracts/bundle-guard-calls.ts';
import { describeRevert, explainRevert, revertDataOf } from './revert-reason.ts';

const abi = parseAbi([
  'error Error(string message)',
  'error Panic(uint256 code)',
  'error ExecuteError(uint256 index, bytes reason)',
  'error SomethingElse(uint256 x)',
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
]);
const inCall = (index: bigint, reason: `0x${string}`) =>
  encodeErrorResult({ abi, errorName: 'ExecuteError', args: [index, reason] });
const SWAP = { title: 'Swap on Uniswap V3', callCount: 2, spends: ['USDC'] };
const SUPPLY = { title: 'Supply to Aave V3', callCount: 2, spends: ['WETH'] };
const BURN = '0x000000000000000000000000000000000000dEaD';
const errorString = (reason: string) => encodeErrorResult({ abi, errorName: 'Error', args: [reason] });

describe('describeRevert', () => {
  it('names the failing call of a batch and its reason', () => {
    const data = encodeErrorResult({
      abi,
      errorName: 'ExecuteError',
      args: [1n, errorString('ERC20: transfer amount exceeds balance')],
    });
    expect(describeRevert(data, [{ to: '0xaaaa' }, { to: '0xbbbb' }])).toBe(
      'call 2 of 2 (to 0xbbbb) failed: the token balance is too small (ERC20: transfer amount exceeds balance)',
    );
  });

  it('reads require strings, panics, empty data and unknown errors', () => {
    expect(describeRevert(errorString('Too little received'))).toMatch(/^the swap would return less than the minimum/);
    expect(describeRevert(errorString('some other reason'))).toBe('some other reason');
    expect(describeRevert(encodeErrorResult({ abi, errorName: 'Panic', args: [0x11n] }))).toBe(
      'panic 0x11 (arithmetic overflow or underflow)',
    );
    expect(describeRevert('0x')).toBe('reverted without a reason');
    expect(describeRevert(encodeErrorResult({ abi, errorName: 'SomethingElse', args: [1n] }))).toMatch(
      /^reverted with unrecognised error data 0x/,
    );
  });
});

describe('describeRevert, the guard’s own errors', () => {
  const guardAbi = parseAbi(['error ForwardFailed(uint256 read, bytes reason)', 'error AlreadySnapshotted()']);
  // A guarded bundle: the guard's snapshot, a step, the guard's forward, the guard's check (with no
  // bounds after its selector).
  const GUARD = '0x0000000000000000000000000000000000000a11';
  const check = guardData('check', []);
  const calls = [{ to: GUARD }, { to: BURN }, { to: GUARD }, { to: GUARD, data: check }];

  it('words a forward that failed with the step’s own reason, and a second snapshot', () => {
    const forward = encodeErrorResult({
      abi: guardAbi,
      errorName: 'ForwardFailed',
      args: [0n, errorString('ERC20: transfer amount exceeds balance')],
    });
    expect(describeRevert(inCall(2n, forward), calls, [], GUARD)).toBe(
      'the on-chain guard reverted the bundle, so nothing moved: it could not pass on what arrived to the step: the token balance is too small (ERC20: transfer amount exceeds balance)',
    );
    const again = encodeErrorResult({ abi: guardAbi, errorName: 'AlreadySnapshotted' });
    expect(describeRevert(inCall(0n, again), calls, [], GUARD)).toBe(
      'the on-chain guard reverted the bundle, so nothing moved: a second snapshot inside one bundle',
    );
    // The same error from a step's own contract is quoted, not told as the guard's.
    expect(describeRevert(inCall(1n, again), calls, [], GUARD)).toBe(
      `call 2 of 4 (to ${BURN}) failed: it reverted with AlreadySnapshotted()`,
    );
  });

  it('quotes a BoundBroken from any other contract, however the bundle looks, never as the guard’s finding', () => {
    const USDC = getAddress('0x1f644baf66019b19ee1f9916fa1918da07be6360');
    const EVIL = '0x000000000000000000000000000000000000e111';
    const abiOfGuard = parseAbi([
      'error BoundBroken(uint256 bound, address target, bytes4 selector, int256 value, int256 min, int256 max)',
    ]);
    const lie = encodeErrorResult({
      abi: abiOfGuard,
      errorName: 'BoundBroken',
      args: [0n, USDC, '0x70a08231', -(10n ** 9n), -1n, 2n ** 255n - 1n],
    });
    const tokens = [{ address: USDC, symbol: 'USDC', decimals: 6 }] as const;
    // Unwrapped (a single call passes its revert on), with or without the guard known.
    for (const guard of [undefined, GUARD] as const) {
      expect(describeRevert(lie, [{ to: EVIL, data: '0x12345678' }], tokens, guard)).toMatch(
        /^it reverted with BoundBroken\(/,
      );
      expect(describeRevert(lie, undefined, tokens, guard)).not.toMatch(/guard/);
    }
    // Wrapped, from a bundle that ends in a call named check() to the hostile contract itself.
    const dressed = [
      { to: EVIL, data: '0x919840ad' as const },
      { to: EVIL, data: guardData('check', []) },
    ];
    expect(describeRevert(inCall(1n, lie), dressed, tokens, GUARD)).toBe(
      `call 2 of 2 (to ${EVIL}) failed: it reverted with BoundBroken(0, ${USDC}, 0x70a08231, -1000000000, -1, ${2n ** 255n - 1n})`,
    );
    // The guard's own, at the guard's address: worded with the token.
    expect(describeRevert(inCall(3n, lie), calls, tokens, GUARD)).toMatch(
      /^the on-chain guard reverted the bundle, so nothing moved: USDC changed by -1000 where the preview allowed at most 0.000001 to leave$/,
    );
    // A token of which nothing may leave; the account's Aave debt, which may not grow; its health factor.
    const bound = (target: Address, selector: Hex, value: bigint, min: bigint, max: bigint) =>
      encodeErrorResult({ abi: abiOfGuard, errorName: 'BoundBroken', args: [0n, target, selector, value, min, max] });
    expect(describeRevert(inCall(3n, bound(USDC, '0x70a08231', -50n, 0n, 2n ** 255n - 1n)), calls, [], GUARD)).toBe(
      `the on-chain guard reverted the bundle, so nothing moved: ${USDC} changed by -50 base units where the preview allowed none to leave`,
    );
    const POOL = '0x000000000000000000000000000000000000a001';
    const debt = bound(POOL, '0xbf92857c', 100n * 10n ** 8n, -(2n ** 255n), 0n);
    expect(describeRevert(inCall(3n, debt), calls, tokens, GUARD)).toBe(
      "the on-chain guard reverted the bundle, so nothing moved: the account's Aave debt would grow by 100 USD, where the preview allowed none",
    );
    const health = bound(POOL, '0xbf92857c', 14n * 10n ** 17n, 15n * 10n ** 17n, 2n ** 255n - 1n);
    expect(describeRevert(inCall(3n, health), calls, tokens, GUARD)).toBe(
      'the on-chain guard reverted the bundle, so nothing moved: the Aave health factor would be 1.4, below the 1.5 the preview showed',
    );
  });
});

describe('explainRevert', () => {
  it("names the step of the failing call and the token it lacks for Uniswap's STF", () => {
    const { text } = explainRevert(inCall(3n, errorString('STF')), [SUPPLY, SWAP]);
    expect(text).toBe(
      'step 2 (Swap on Uniswap V3): the account does not hold enough USDC: Uniswap could not take the tokens (STF: the transfer from the account failed)',
    );
  });

  it('says the price moved for Too little received and Too much requested', () => {
    expect(explainRevert(inCall(1n, errorString('Too little received')), [SWAP]).text).toMatch(
      /^step 1 \(Swap on Uniswap V3\): the swap would return less than the minimum .*the price moved/,
    );
    expect(explainRevert(inCall(1n, errorString('Too much requested')), [SWAP]).text).toMatch(
      /^step 1 \(Swap on Uniswap V3\): the swap would cost more than the maximum .*the price moved/,
    );
  });

  it("reads Aave's numeric error codes", () => {
    expect(explainRevert(inCall(3n, errorString('51')), [SWAP, SUPPLY]).text).toBe(
      'step 2 (Supply to Aave V3): Aave refused: the supply cap of this asset is reached (Aave error 51)',
    );
    expect(
      explainRevert(errorString('35'), [{ title: 'Borrow from Aave V3', callCount: 1, spends: [] }], {
        singleCall: true,
      }).text,
    ).toBe(
      'step 1 (Borrow from Aave V3): Aave refused: the health factor would fall below the liquidation threshold (Aave error 35)',
    );
  });

  it("reads ERC-20 balance and allowance errors, strings and OpenZeppelin's custom errors", () => {
    const balance = encodeErrorResult({ abi, errorName: 'ERC20InsufficientBalance', args: [BURN, 5n, 100n] });
    expect(explainRevert(inCall(1n, balance), [SWAP]).text).toBe(
      `step 1 (Swap on Uniswap V3): the account does not hold enough USDC (ERC20InsufficientBalance(${BURN}, 5, 100))`,
    );
    const allowance = encodeErrorResult({ abi, errorName: 'ERC20InsufficientAllowance', args: [BURN, 0n, 100n] });
    expect(explainRevert(inCall(1n, allowance), [SWAP]).text).toMatch(
      /^step 1 \(Swap on Uniswap V3\): the spender is not allowed to take enough USDC \(ERC20InsufficientAllowance/,
    );
    expect(explainRevert(inCall(0n, errorString('ERC20: insufficient allowance')), [SWAP]).text).toBe(
      'step 1 (Swap on Uniswap V3): the spender is not allowed to take enough USDC (ERC20: insufficient allowance)',
    );
    expect(explainRevert(inCall(0n, errorString('ERC20: transfer amount exceeds balance')), [SWAP]).text).toBe(
      'step 1 (Swap on Uniswap V3): the account does not hold enough USDC (ERC20: transfer amount exceeds balance)',
    );
  });

  it('asks about the step’s tokens when a token reverts without a reason (WETH9 does)', () => {
    expect(explainRevert(inCall(3n, '0x'), [SWAP, SUPPLY]).text).toBe(
      'step 2 (Supply to Aave V3): reverted without a reason (does the account hold enough WETH?)',
    );
  });
});

describe('revertDataOf', () => {
  it('finds revert data in Alto’s message or on a cause', () => {
    const data = errorString('nope');
    expect(revertDataOf(new Error(`UserOperation reverted during simulation with reason: ${data}.`))).toBe(data);
    expect(revertDataOf(new Error('outer', { cause: Object.assign(new Error('inner'), { data }) }))).toBe(data);
    expect(revertDataOf(new Error('no data here'))).toBeUndefined();
  });
});
