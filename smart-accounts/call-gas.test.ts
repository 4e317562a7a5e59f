import { type Address, encodeFunctionData, erc20Abi, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { gasHeadroom } from './call-gas.ts';

const ROUTER: Address = '0x1111111111111111111111111111111111111111';
const GUARD: Address = '0x2222222222222222222222222222222222222222';
const TOKEN: Address = '0x3333333333333333333333333333333333333333';
const contracts = { uniswapV3: { swapRouter02: ROUTER } } as Parameters<typeof gasHeadroom>[2];
const approveRouter = {
  to: TOKEN,
  data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [ROUTER, 1n] }),
};
const transfer = {
  to: TOKEN,
  data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [GUARD, 1n] }),
};
const swap = { to: ROUTER, data: '0x04e45aaf' as const };
/** A call that carries one to the router (the guard's forwardReceived, a delegation's redemption). */
const carried = {
  to: GUARD,
  data: encodeFunctionData({
    abi: parseAbi(['function forward(address target, bytes data)']),
    functionName: 'forward',
    args: [ROUTER, '0x04e45aaf'],
  }),
};

describe('gasHeadroom: what a call may need beyond its measure by the time it lands', () => {
  it('is a quarter and 20,000 for calls that swap nothing, an approval of the router included', () => {
    expect(gasHeadroom(40_000n, [transfer], contracts)).toBe(30_000n);
    expect(gasHeadroom(40_000n, [approveRouter, transfer], contracts)).toBe(30_000n);
  });

  it('adds a tick crossing (70,000) for each call to the router, or carrying one to it', () => {
    expect(gasHeadroom(140_000n, [approveRouter, swap], contracts)).toBe(55_000n + 70_000n);
    expect(gasHeadroom(140_000n, [approveRouter, carried, swap], contracts)).toBe(55_000n + 140_000n);
  });

  it('adds nothing on a chain without Uniswap', () => {
    expect(gasHeadroom(140_000n, [swap], {})).toBe(55_000n);
  });
});
