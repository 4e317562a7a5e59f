import { type Address, erc20Abi, type PublicClient } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { addressesProviderAbi, dataProviderAbi, poolAbi } from '../../skills/aave-v3/abi.ts';
import { OrderError } from './errors.ts';

/**
 * What a position guard reads from the chain each pass: the user's Aave health factor (the trigger,
 * as Aave itself computes it from its own oracle) and how much of the guarded debt a repayment can
 * pay now: the least of the cap, the debt, and what the user's address holds.
 */
export type GuardReading = { healthFactor: number; repayable: bigint };

export async function readGuardedPosition(
  client: PublicClient,
  chain: Chain,
  guard: { pool: Address; user: Address; asset: { address: Address }; maxRepay: bigint },
): Promise<GuardReading> {
  const provider = chain.contracts.aaveV3?.poolAddressesProvider;
  if (!provider) throw new OrderError(`${chain.name} has no Aave V3 market.`);
  const [account, dataProvider, balance] = await Promise.all([
    client.readContract({ address: guard.pool, abi: poolAbi, functionName: 'getUserAccountData', args: [guard.user] }),
    client.readContract({ address: provider, abi: addressesProviderAbi, functionName: 'getPoolDataProvider' }),
    client.readContract({ address: guard.asset.address, abi: erc20Abi, functionName: 'balanceOf', args: [guard.user] }),
  ]);
  const [, , variableDebt] = await client.readContract({
    address: dataProvider,
    abi: dataProviderAbi,
    functionName: 'getUserReserveData',
    args: [guard.asset.address, guard.user],
  });
  const raw = account[5];
  // No debt at all: Aave answers the largest uint256.
  const healthFactor = raw >= 2n ** 128n ? Number.POSITIVE_INFINITY : Number(raw) / 1e18;
  const least = (a: bigint, b: bigint) => (a < b ? a : b);
  return { healthFactor, repayable: least(least(guard.maxRepay, variableDebt), balance) };
}
