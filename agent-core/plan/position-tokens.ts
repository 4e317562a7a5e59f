import { type Address, isAddressEqual, type PublicClient, parseAbi } from 'viem';

/**
 * A token that is a lending position rather than money in the wallet: an Aave V3 aToken (funds
 * supplied, worth the underlying one for one) or variable debt token (what the account owes).
 */
export type PositionToken = { kind: 'supplied' | 'debt'; asset: Address; protocol: 'Aave V3' };

const POSITION_TOKEN_ABI = parseAbi([
  'function UNDERLYING_ASSET_ADDRESS() view returns (address)',
  'function POOL() view returns (address)',
]);
const POOL_ABI = parseAbi([
  'function getReserveData(address asset) view returns (((uint256 data) configuration, uint128 liquidityIndex, uint128 currentLiquidityRate, uint128 variableBorrowIndex, uint128 currentVariableBorrowRate, uint128 currentStableBorrowRate, uint40 lastUpdateTimestamp, uint16 id, address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress, address interestRateStrategyAddress, uint128 accruedToTreasury, uint128 unbacked, uint128 isolationModeTotalDebt))',
]);

/**
 * What `token` is, when it is an Aave V3 position token of a pool the audited skills declare: asked
 * of the pool, not of the token (any token can say it has an underlying asset), so a token that only
 * claims to be an aToken stays a plain, unlisted token.
 */
export async function positionTokenOf(
  client: PublicClient,
  token: Address,
  trustedPools: readonly Address[],
): Promise<PositionToken | undefined> {
  try {
    const [asset, pool] = await Promise.all([
      client.readContract({ address: token, abi: POSITION_TOKEN_ABI, functionName: 'UNDERLYING_ASSET_ADDRESS' }),
      client.readContract({ address: token, abi: POSITION_TOKEN_ABI, functionName: 'POOL' }),
    ]);
    if (!trustedPools.some((known) => isAddressEqual(known, pool))) return undefined;
    const reserve = await client.readContract({
      address: pool,
      abi: POOL_ABI,
      functionName: 'getReserveData',
      args: [asset],
    });
    if (isAddressEqual(reserve.aTokenAddress, token)) return { kind: 'supplied', asset, protocol: 'Aave V3' };
    if (
      isAddressEqual(reserve.variableDebtTokenAddress, token) ||
      isAddressEqual(reserve.stableDebtTokenAddress, token)
    )
      return { kind: 'debt', asset, protocol: 'Aave V3' };
    return undefined;
  } catch {
    return undefined; // not a position token
  }
}
