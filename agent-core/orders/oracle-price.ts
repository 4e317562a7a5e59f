import { type Address, formatUnits, type PublicClient } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { addressesProviderAbi, oracleAbi } from '../../skills/aave-v3/abi.ts';
import { OrderError } from './errors.ts';

/**
 * Prices a standing order acts on, read from the chain: Aave V3's oracle (the one its health factor
 * uses), never a price anyone told the agent and never a pool's spot price, which one transaction can
 * move. USD per whole token; undefined for a token the oracle does not price.
 */
export type OraclePrices = { usd(token: { address: Address; decimals: number }): Promise<number | undefined> };

export async function aaveOraclePrices(client: PublicClient, chain: Chain): Promise<OraclePrices> {
  const provider = chain.contracts.aaveV3?.poolAddressesProvider;
  if (!provider) {
    throw new OrderError(`${chain.name} has no Aave V3 market, whose oracle standing orders take their prices from.`);
  }
  const oracle = await client.readContract({
    address: provider,
    abi: addressesProviderAbi,
    functionName: 'getPriceOracle',
  });
  const unit = await client.readContract({ address: oracle, abi: oracleAbi, functionName: 'BASE_CURRENCY_UNIT' });
  return {
    async usd(token) {
      try {
        const price = await client.readContract({
          address: oracle,
          abi: oracleAbi,
          functionName: 'getAssetPrice',
          args: [token.address],
        });
        return price > 0n ? Number(price) / Number(unit) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The USD value of `amount` base units at `usdPerToken`. */
export function usdValue(amount: bigint, decimals: number, usdPerToken: number): number {
  return Number(formatUnits(amount, decimals)) * usdPerToken;
}
