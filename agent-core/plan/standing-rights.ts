import { type Address, decodeAbiParameters, type Hex, isAddressEqual, toFunctionSelector } from 'viem';
import type { ChainContracts } from '../../common/chains/types.ts';
import type { PlanStep } from './types.ts';

/**
 * Functions that let another address act for the account later without an ERC-20 Approval event:
 * the simulation shows no allowance for them and the guard reads nothing of them, so the grantee could
 * use them unseen, in the bundle or long after it.
 */
const STANDING_RIGHTS: Record<string, string> = {
  [toFunctionSelector('approveDelegation(address,uint256)')]: 'delegates Aave credit (approveDelegation)',
  [toFunctionSelector('delegationWithSig(address,address,uint256,uint256,uint8,bytes32,bytes32)')]:
    'delegates Aave credit (delegationWithSig)',
  [toFunctionSelector('setApprovalForAll(address,bool)')]:
    'lets another address move all its tokens of a kind (setApprovalForAll)',
  [toFunctionSelector('approve(address,address,uint160,uint48)')]:
    "lets another address spend its tokens through Permit2's allowances (Permit2's approve)",
  [toFunctionSelector('allow(address,bool)')]: 'lets another address act for it on Compound III (allow)',
  [toFunctionSelector('setAuthorization(address,bool)')]:
    'lets another address act for it on Morpho (setAuthorization)',
  // Not rights, but no built-in skill calls them and nothing bounds them: switching collateral off or
  // leaving e-mode lowers the health factor with nothing moved, setting the account up for liquidation.
  [toFunctionSelector('setUserUseReserveAsCollateral(address,bool)')]:
    'changes which of its Aave supplies count as collateral (setUserUseReserveAsCollateral)',
  [toFunctionSelector('setUserEMode(uint8)')]: 'changes its Aave e-mode (setUserEMode)',
  [toFunctionSelector('approvePositionManager(address,bool)')]:
    'lets another address switch its Aave collateral and e-mode (approvePositionManager, Aave 3.4)',
};

/** Batch functions that run their inner calls as the caller (a delegatecall to themselves): each inner call counts. */
const MULTICALLS: Record<string, 'bytes[]' | 'uint256,bytes[]' | 'bytes32,bytes[]'> = {
  [toFunctionSelector('multicall(bytes[])')]: 'bytes[]',
  [toFunctionSelector('multicall(uint256,bytes[])')]: 'uint256,bytes[]',
  [toFunctionSelector('multicall(bytes32,bytes[])')]: 'bytes32,bytes[]',
};

/**
 * "Step 1 (…) delegates Aave credit …" for a step call, or a call inside a step's multicall, that
 * grants a right the guard cannot see used, or that calls the chain's NFT positions (`nftContracts`:
 * Uniswap's position manager), which nothing watches.
 */
export function stepGrantingStandingRight(
  steps: readonly PlanStep[],
  nftContracts: readonly Address[] = [],
): string | undefined {
  for (const [index, step] of steps.entries()) {
    for (const call of step.calls) {
      // No built-in skill acts on NFT positions, and neither the preview nor the guard reads them: an
      // approve, a transfer or a collect of fees to someone else would move one unseen.
      if (nftContracts.some((nft) => isAddressEqual(nft, call.to))) {
        return `Step ${index + 1} (${step.title}) acts on your NFT positions at ${call.to} (Uniswap's position manager), which neither the preview nor the on-chain guard watches. Not offered.`;
      }
      const granted = grantIn(call.to, call.data, 0);
      if (granted) {
        return `Step ${index + 1} (${step.title}) ${granted}, which neither the preview nor the on-chain guard would show or bound. Not offered.`;
      }
    }
  }
  return undefined;
}

/** What right `data` to `to` grants, looking inside multicalls (to a depth of 4); a batch that cannot be read counts as granting. */
function grantIn(to: Address, data: Hex, depth: number): string | undefined {
  if (data.length < 10) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  const granted = STANDING_RIGHTS[selector];
  if (granted) return granted;
  const shape = MULTICALLS[selector];
  if (!shape) return undefined;
  if (depth >= 4) return 'nests batches of calls deeper than Sextant reads';
  let inner: readonly Hex[];
  try {
    const args = `0x${data.slice(10)}` as Hex;
    inner =
      shape === 'bytes[]'
        ? decodeAbiParameters([{ type: 'bytes[]' }], args)[0]
        : decodeAbiParameters([{ type: shape.split(',')[0] as 'uint256' }, { type: 'bytes[]' }], args)[1];
  } catch {
    return 'makes a batch of calls Sextant cannot read';
  }
  for (const innerData of inner) {
    const found = grantIn(to, innerData, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * "Step 2 (…) calls the on-chain guard …" when a step's call goes to the guard, to the account itself,
 * or to a contract that makes calls as the account: the DelegationManager (given no delegation, it has
 * its caller run the call: a DeleGator account then makes it as itself) and the EntryPoints (they run
 * an account's operations). Through any of them a step could reach the guard, grant credit or approve
 * anything with its own call naming none of it.
 */
export function stepCallingGuardOrSelf(
  steps: readonly PlanStep[],
  guardAddress: Address | undefined,
  account: Address,
  contracts: ChainContracts,
): string | undefined {
  const runners: [Address | undefined, string][] = [
    [contracts.delegationFramework?.delegationManager, 'the DelegationManager'],
    [contracts.entryPointV07, 'the EntryPoint (v0.7)'],
    [contracts.entryPointV08, 'the EntryPoint (v0.8)'],
  ];
  for (const [index, step] of steps.entries()) {
    for (const call of step.calls) {
      // A plain ETH transfer to oneself runs no code of the account's.
      const self = isAddressEqual(call.to, account) && call.data !== undefined && call.data !== '0x';
      if (self || (guardAddress && isAddressEqual(call.to, guardAddress))) {
        return `Step ${index + 1} (${step.title}) calls ${self ? 'your account itself' : `the on-chain guard ${guardAddress}`}, which could undo the checks this bundle runs under. Not offered.`;
      }
      const runner = runners.find(([address]) => address && isAddressEqual(call.to, address));
      if (runner) {
        return `Step ${index + 1} (${step.title}) calls ${runner[1]} ${call.to}, which can make calls as your account that no step shows and undo the checks this bundle runs under. Not offered.`;
      }
    }
  }
  return undefined;
}
