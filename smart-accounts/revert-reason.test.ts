import { encodeErrorResult, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { describeRevert, revertDataOf } from './revert-reason.ts';

const abi = parseAbi([
  'error Error(string message)',
  'error Panic(uint256 code)',
  'error ExecuteError(uint256 index, bytes reason)',
  'error SomethingElse(uint256 x)',
]);
const errorString = (reason: string) => encodeErrorResult({ abi, errorName: 'Error', args: [reason] });

describe('describeRevert', () => {
  it('names the failing call of a batch and its reason', () => {
    const data = encodeErrorResult({
      abi,
      errorName: 'ExecuteError',
      args: [1n, errorString('ERC20: transfer amount exceeds balance')],
    });
    expect(describeRevert(data, [{ to: '0xaaaa' }, { to: '0xbbbb' }])).toBe(
      'call 2 of 2 (to 0xbbbb) failed: ERC20: transfer amount exceeds balance',
    );
  });

  it('reads require strings, panics, empty data and unknown errors', () => {
    expect(describeRevert(errorString('Too little received'))).toBe('Too little received');
    expect(describeRevert(encodeErrorResult({ abi, errorName: 'Panic', args: [0x11n] }))).toBe(
      'panic 0x11 (arithmetic overflow or underflow)',
    );
    expect(describeRevert('0x')).toBe('reverted without a reason');
    expect(describeRevert(encodeErrorResult({ abi, errorName: 'SomethingElse', args: [1n] }))).toMatch(
      /^reverted with unrecognised error data 0x/,
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
