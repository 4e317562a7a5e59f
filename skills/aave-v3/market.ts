import type { Address } from 'viem';
import type { SkillContext } from '../sdk/define-skill.ts';
import { addressesProviderAbi } from './abi.ts';

/** The Aave V3 market on the context's chain: the Pool the calls go to, and where its data is read. */
export type AaveMarket = { pool: Address; dataProvider: Address; oracle: Address };

/**
 * The chain registry names only the Pool and the PoolAddressesProvider; the oracle and the data
 * provider are asked of the provider, as Aave's own front end does, because governance replaces
 * them from time to time and a hard-coded address would silently go stale.
 */
export async function aaveMarket(ctx: SkillContext): Promise<AaveMarket> {
  const pool = ctx.contract('aaveV3.pool');
  const provider = ctx.contract('aaveV3.poolAddressesProvider');
  const [oracle, dataProvider] = await Promise.all([
    ctx.client.readContract({ address: provider, abi: addressesProviderAbi, functionName: 'getPriceOracle' }),
    ctx.client.readContract({ address: provider, abi: addressesProviderAbi, functionName: 'getPoolDataProvider' }),
  ]);
  return { pool, dataProvider, oracle };
}
