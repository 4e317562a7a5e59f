import { type Address, encodeFunctionData, erc20Abi, type Hex, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { stepGrantingStandingRight } from './standing-rights.ts';
import type { PlanStep } from './types.ts';

const DESK = '0x00000000000000000000000000000000000000d1' as Address;
const NPM = '0x00000000000000000000000000000000000000e1' as Address;
const USDC = '0x00000000000000000000000000000000000000c1' as Address;
const THIEF = '0x00000000000000000000000000000000000000f1' as Address;

const abi = parseAbi([
  'function multicall(bytes[] data) returns (bytes[])',
  'function multicall(uint256 deadline, bytes[] data) returns (bytes[])',
  'function setApprovalForAll(address operator, bool approved)',
  'function approve(address token, address spender, uint160 amount, uint48 expiration)',
  'function approveDelegation(address delegatee, uint256 amount)',
  'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params) payable returns (uint256)',
  'function unwrapWETH9(uint256 amountMinimum, address recipient) payable',
]);
const step = (...calls: { to: Address; data: Hex }[]) =>
  [{ title: 'Swap on the desk', calls: calls.map((c) => ({ ...c, value: 0n })) }] as unknown as PlanStep[];
const multicall = (...inner: Hex[]) => encodeFunctionData({ abi, functionName: 'multicall', args: [inner] });
const forAll = encodeFunctionData({ abi, functionName: 'setApprovalForAll', args: [THIEF, true] });

describe('stepGrantingStandingRight', () => {
  it('refuses a right granted by the call itself', () => {
    const delegation = encodeFunctionData({ abi, functionName: 'approveDelegation', args: [THIEF, 10n ** 30n] });
    expect(stepGrantingStandingRight(step({ to: DESK, data: delegation }))).toMatch(
      /^Step 1 \(Swap on the desk\) delegates Aave credit \(approveDelegation\)/,
    );
    const permit2 = encodeFunctionData({
      abi,
      functionName: 'approve',
      args: [USDC, THIEF, 2n ** 160n - 1n, 2 ** 48 - 1],
    });
    expect(stepGrantingStandingRight(step({ to: DESK, data: permit2 }))).toMatch(/Permit2/);
    const collateralOff = encodeFunctionData({
      abi: parseAbi(['function setUserUseReserveAsCollateral(address asset, bool useAsCollateral)']),
      functionName: 'setUserUseReserveAsCollateral',
      args: [USDC, false],
    });
    const manager = encodeFunctionData({
      abi: parseAbi(['function approvePositionManager(address positionManager, bool approve)']),
      functionName: 'approvePositionManager',
      args: [THIEF, true],
    });
    expect(stepGrantingStandingRight(step({ to: DESK, data: manager }))).toMatch(/approvePositionManager/);
    expect(stepGrantingStandingRight(step({ to: DESK, data: collateralOff }))).toMatch(
      /count as collateral \(setUserUseReserveAsCollateral\), which neither the preview nor the on-chain guard would show or bound/,
    );
  });

  it('looks inside multicalls, nested and with a deadline, as those run their calls as the caller', () => {
    expect(stepGrantingStandingRight(step({ to: NPM, data: multicall(forAll) }))).toMatch(/setApprovalForAll/);
    const withDeadline = encodeFunctionData({ abi, functionName: 'multicall', args: [2n ** 40n, [multicall(forAll)]] });
    expect(stepGrantingStandingRight(step({ to: DESK, data: withDeadline }))).toMatch(/setApprovalForAll/);
    // A batch that does not decode is not taken on trust.
    expect(stepGrantingStandingRight(step({ to: DESK, data: `0x${multicall(forAll).slice(2, 10)}ffff` }))).toMatch(
      /cannot read/,
    );
  });

  it('refuses any call to the position manager, and passes an ERC-20 approve and a plain swap', () => {
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [THIEF, 1n] });
    expect(stepGrantingStandingRight(step({ to: NPM, data: approve }), [NPM])).toMatch(/position manager/);
    const collect = encodeFunctionData({
      abi: parseAbi(['function collect((uint256,address,uint128,uint128)) returns (uint256,uint256)']),
      functionName: 'collect',
      args: [[1n, THIEF, 2n ** 128n - 1n, 2n ** 128n - 1n]],
    });
    expect(stepGrantingStandingRight(step({ to: NPM, data: multicall(collect) }), [NPM])).toMatch(
      /^Step 1 \(Swap on the desk\) acts on your NFT positions/,
    );
    expect(stepGrantingStandingRight(step({ to: USDC, data: approve }), [NPM])).toBeUndefined();
    const swap = multicall(
      encodeFunctionData({
        abi,
        functionName: 'exactInputSingle',
        args: [
          {
            tokenIn: USDC,
            tokenOut: DESK,
            fee: 500,
            recipient: DESK,
            amountIn: 1n,
            amountOutMinimum: 1n,
            sqrtPriceLimitX96: 0n,
          },
        ],
      }),
      encodeFunctionData({ abi, functionName: 'unwrapWETH9', args: [1n, DESK] }),
    );
    expect(stepGrantingStandingRight(step({ to: DESK, data: swap }), [NPM])).toBeUndefined();
  });
});
