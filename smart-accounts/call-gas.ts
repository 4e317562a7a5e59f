import type { Address, Hex, PublicClient } from 'viem';

const TRANSACTION_BASE_GAS = 21_000n;

/**
 * The gas the account's call needs, measured by the node: the account's `callData` estimated as a
 * call from the EntryPoint (which the account accepts), less what a transaction pays before it runs
 * (21,000 and its calldata). Bundlers estimate callGasLimit with a wide allowance (Alto asked for
 * 76,590 for an ERC-20 transfer that uses 33,520), and unused call gas is charged: the EntryPoint
 * v0.8 takes a tenth of it once 40,000 or more is left unused, v0.7 (MetaMask's DeleGator) a tenth of
 * all of it. So the limit is set from this figure where it is the smaller.
 *
 * Undefined when the node cannot say (the account has no code yet: a first SimpleAccount operation
 * deploys it, a first 7702 operation delegates the address; or the node refuses the call): the
 * bundler's figure is used then. The estimate runs at the latest block with the account's cold
 * storage, where inside the bundle validation has warmed it, so it errs on the side of more; what the
 * chain does between the estimate and inclusion (a Uniswap tick crossed, interest accrued) is what
 * execute's headroom is for.
 */
export async function measuredCallGas(
  client: PublicClient,
  options: { entryPoint: Address; account: Address; callData: Hex; balanceOverride: bigint },
): Promise<bigint | undefined> {
  const [code, gas] = await Promise.all([
    client.getCode({ address: options.account }).catch(() => undefined),
    client
      .estimateGas({
        account: options.entryPoint,
        to: options.account,
        data: options.callData,
        stateOverride: [{ address: options.account, balance: options.balanceOverride }],
      })
      .catch(() => undefined),
  ]);
  // Without code the call would run nothing, and the figure would say nothing of what it needs.
  if (!code || code === '0x' || gas === undefined) return undefined;
  const needed = gas - TRANSACTION_BASE_GAS - calldataGas(options.callData);
  return needed > 0n ? needed : undefined;
}

/** What a transaction pays for its calldata before it runs: 16 per non-zero byte, 4 per zero byte. */
function calldataGas(data: Hex): bigint {
  let gas = 0n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4n : 16n;
  return gas;
}
