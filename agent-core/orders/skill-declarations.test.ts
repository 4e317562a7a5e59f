import { toFunctionSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { requireKnownNetwork } from '../../common/chains/registry.ts';
import { uniswapV3Swap } from '../../skills/uniswap-v3/swap.ts';
import { OrderError } from './errors.ts';
import { declaredCall, declaredSelector, REPAY_CALL, SWAP_CALL } from './skill-declarations.ts';

/** A grant's target and function come from the audited skill's manifest, and nothing it does not declare. */
describe("what a grant may call, from the skills' manifests", () => {
  const base = requireKnownNetwork('base');

  it("gives the swap's and the repayment's contract and selector as the skills declare them", () => {
    expect(declaredCall(SWAP_CALL, base)).toEqual({
      target: base.contracts.uniswapV3?.swapRouter02,
      selector: toFunctionSelector(SWAP_CALL.signature),
    });
    expect(declaredCall(REPAY_CALL, base)).toEqual({
      target: base.contracts.aaveV3?.pool,
      selector: toFunctionSelector('repay(address,uint256,uint256,address)'),
    });
    expect(declaredSelector(SWAP_CALL)).toBe(toFunctionSelector(SWAP_CALL.signature));
  });

  it('refuses a function or a contract the skill does not declare, and a chain without the contract', () => {
    const undeclared = { ...SWAP_CALL, signature: 'sweepToken(address,uint256,address)' };
    expect(() => declaredSelector(undeclared)).toThrow(/does not declare sweepToken/);
    expect(() => declaredCall(undeclared, base)).toThrow(OrderError);
    expect(() => declaredCall({ ...SWAP_CALL, contract: 'aaveV3.pool' }, base)).toThrow(/does not declare/);
    const bare = { ...base, contracts: { ...base.contracts, uniswapV3: undefined } };
    expect(() =>
      declaredCall({ skill: uniswapV3Swap, contract: SWAP_CALL.contract, signature: SWAP_CALL.signature }, bare),
    ).toThrow(/on Base, so no standing order may call it here/);
  });
});
