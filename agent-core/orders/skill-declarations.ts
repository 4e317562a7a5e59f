import type { Address, Hex } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { aaveRepay } from '../../skills/aave-v3/repay.ts';
import { type ContractPermission, contractByName, permissionsOn } from '../../skills/sdk/permissions.ts';
import { uniswapV3Swap } from '../../skills/uniswap-v3/swap.ts';
import { OrderError } from './errors.ts';

/**
 * What a grant lets the agent key call comes from the audited skills' own manifests: the contract
 * and the function a standing order pins must be ones the skill that does the same thing in a plan
 * declares (`contracts` in its defineSkill), on this chain. A grant can then allow nothing the skill
 * itself may not call. The runs encode that one call themselves rather than through the skill's
 * build: the delegation pins its exact bytes (pair, fee, amount, recipient), while the swap skill wraps
 * a swap in a deadline multicall whose bytes change with every build.
 */
type DeclaringSkill = { id: string; contracts: Readonly<Record<string, readonly ContractPermission[]>> };

/** The daily swap's and price order's call: Uniswap V3's exactInputSingle on SwapRouter02. */
export const SWAP_CALL = {
  skill: uniswapV3Swap,
  contract: 'uniswapV3.swapRouter02',
  signature: 'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))',
} as const;

/** The position guard's call: Aave V3's repay on the Pool. */
export const REPAY_CALL = {
  skill: aaveRepay,
  contract: 'aaveV3.pool',
  signature: 'repay(address,uint256,uint256,address)',
} as const;

/** The function's selector, as the skill declares it on any chain; an Error if it does not. */
export function declaredSelector(call: { skill: DeclaringSkill; contract: string; signature: string }): Hex {
  for (const permissions of Object.values(call.skill.contracts)) {
    const found = permissionsOn({ '*': permissions }, { slug: '*' } as Chain)
      .find((p) => p.contract === call.contract)
      ?.functions.find((f) => f.signature === call.signature);
    if (found) return found.selector;
  }
  throw new Error(`The skill ${call.skill.id} does not declare ${call.signature} on ${call.contract}.`);
}

/** The contract and selector, as the skill declares them on `chain`; an OrderError where it does not. */
export function declaredCall(
  call: { skill: DeclaringSkill; contract: string; signature: string },
  chain: Chain,
): { target: Address; selector: Hex } {
  const permission = permissionsOn(call.skill.contracts, chain).find((p) => p.contract === call.contract);
  const fn = permission?.functions.find((f) => f.signature === call.signature);
  const target = contractByName(chain, call.contract);
  if (!fn || !target) {
    throw new OrderError(
      `The audited skill ${call.skill.id} does not declare ${call.signature} on ${call.contract} on ${chain.name}, so no standing order may call it here.`,
    );
  }
  return { target, selector: fn.selector };
}
