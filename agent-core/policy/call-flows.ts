import {
  type Address,
  decodeFunctionData,
  getAddress,
  type Hex,
  isAddressEqual,
  maxUint256,
  parseAbi,
  size,
} from 'viem';
import type { Approval, AssetAmount, AssetBounds, SkillCall } from '../../skills/sdk/define-skill.ts';

/**
 * The flows a step's calls make that value its bounds alone do not show, read from the calls
 * themselves: an allowance an `approve` leaves standing, the payee of a token or ETH transfer, debt a
 * `borrow` takes, supplied funds a `withdraw` takes out. The runtime does not take a skill's word for
 * these: whatever a skill declares in its bounds, what its calls do is counted too (the larger of the
 * two), so a skill that under-declares is still valued in full.
 */
const FLOW_ABI = parseAbi([
  'function approve(address spender, uint256 amount) returns (bool)',
  'function increaseAllowance(address spender, uint256 addedValue) returns (bool)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function transferFrom(address from, address to, uint256 amount) returns (bool)',
  'function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)',
  'function withdraw(address asset, uint256 amount, address to) returns (uint256)',
]);

export type StepForFlows = {
  calls: readonly SkillCall[];
  bounds: AssetBounds;
  /** The exact approvals the planner inserted for the step's own calls (not a standing allowance). */
  approvals: readonly Approval[];
};

/** The step's bounds with every flow its calls make added: what the value ledger reads. */
export function boundsWithCallFlows(step: StepForFlows, account: Address): AssetBounds {
  const allowances: Approval[] = [...(step.bounds.allowances ?? [])];
  const debt: AssetAmount[] = [...(step.bounds.debt ?? [])];
  const withdrawals: AssetAmount[] = [...(step.bounds.withdrawals ?? [])];
  let payee = step.bounds.payee;
  const inserted = [...step.approvals];

  for (const call of step.calls) {
    const data = (call.data ?? '0x') as Hex;
    if (size(data) === 0) {
      // A plain ETH transfer: whoever it goes to is paid.
      if (call.value > 0n && !isAddressEqual(call.to, account)) payee ??= getAddress(call.to);
      continue;
    }
    let decoded: ReturnType<typeof decodeFunctionData<typeof FLOW_ABI>>;
    try {
      decoded = decodeFunctionData({ abi: FLOW_ABI, data });
    } catch {
      continue; // Not one of these: its effect on balances is held to the bounds by simulation.
    }
    switch (decoded.functionName) {
      case 'approve':
      case 'increaseAllowance': {
        const [spender, amount] = decoded.args;
        if (amount === 0n) break;
        // The approvals the planner inserted for this step are spent by the step itself.
        const index = inserted.findIndex(
          (a) => isAddressEqual(a.token, call.to) && isAddressEqual(a.spender, spender) && a.amount === amount,
        );
        if (index >= 0) {
          inserted.splice(index, 1);
          break;
        }
        addMax(allowances, { token: getAddress(call.to), spender: getAddress(spender), amount });
        break;
      }
      case 'transfer': {
        const [to] = decoded.args;
        if (!isAddressEqual(to, account)) payee ??= getAddress(to);
        break;
      }
      case 'transferFrom': {
        const [from, to] = decoded.args;
        if (isAddressEqual(from, account) && !isAddressEqual(to, account)) payee ??= getAddress(to);
        break;
      }
      case 'borrow': {
        const [asset, amount] = decoded.args;
        addMaxAmount(debt, { token: getAddress(asset), amount });
        break;
      }
      case 'withdraw': {
        const [asset, requested] = decoded.args;
        // "withdraw all" asks for uint256 max: what it takes is the supply, which the bounds receive.
        const amount =
          requested === maxUint256
            ? step.bounds.receives.filter((r) => isAddressEqual(r.token, asset)).reduce((s, r) => s + r.amount, 0n)
            : requested;
        addMaxAmount(withdrawals, { token: getAddress(asset), amount });
        break;
      }
    }
  }
  return {
    ...step.bounds,
    ...(payee ? { payee } : {}),
    allowances,
    debt,
    withdrawals,
  };
}

function addMax(list: Approval[], approval: Approval): void {
  const same = list.find((a) => isAddressEqual(a.token, approval.token) && isAddressEqual(a.spender, approval.spender));
  if (!same) list.push(approval);
  else if (approval.amount > same.amount) same.amount = approval.amount;
}

function addMaxAmount(list: AssetAmount[], asset: AssetAmount): void {
  const same = list.find((a) => isAddressEqual(a.token, asset.token));
  if (!same) list.push(asset);
  else if (asset.amount > same.amount) same.amount = asset.amount;
}
