import { type Address, type Hex, isAddressEqual, type PublicClient } from 'viem';
import type { ChainContracts } from '../common/chains/types.ts';

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

/**
 * What a swap can cost beyond its estimate by the time it lands: another LP may initialise a tick in
 * its path meanwhile, and crossing a tick that was initialised ahead of the price writes both of its
 * fee-growth slots from zero: about 66,000 gas (measured, smart-accounts/execute-tick-crossing.test.ts),
 * and nested calls need a little more in hand (63/64 of the gas passes down at each level).
 */
const TICK_CROSSING_GAS = 70_000n;

/** ERC-20 `approve(address,uint256)`: names the router without swapping. */
const APPROVE_SELECTOR = '0x095ea7b3';

/**
 * Headroom on the gas measured for `calls`, for what the chain may do between the estimate and
 * inclusion: a quarter of it and 20,000 (an Aave reserve accrues interest on its first touch in a
 * block second; the measure itself errs on the side of more), and a tick crossing for each call that
 * swaps on the chain's Uniswap router: a call to it, or one that carries a call to it (the guard's
 * forwardReceived, a delegation's redemption), an approval aside. Unused call gas of an ERC-4337
 * operation costs a tenth of itself (the EntryPoint v0.8 from 40,000 unused), so a call that swaps
 * nothing keeps to the first part: an ERC-20 transfer leaves 30,000 to 35,000 unused.
 */
export function gasHeadroom(
  gas: bigint,
  calls: readonly { to: Address; data?: Hex | undefined }[],
  contracts: Pick<ChainContracts, 'uniswapV3'>,
): bigint {
  const router = contracts.uniswapV3?.swapRouter02;
  const swaps = router
    ? calls.filter(
        (call) =>
          isAddressEqual(call.to, router) ||
          (!(call.data ?? '').startsWith(APPROVE_SELECTOR) &&
            (call.data ?? '').toLowerCase().includes(router.slice(2).toLowerCase())),
      ).length
    : 0;
  return gas / 4n + 20_000n + TICK_CROSSING_GAS * BigInt(swaps);
}
