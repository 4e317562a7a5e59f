import { type Address, parseAbi } from 'viem';
import { dataProviderAbi } from '../../skills/aave-v3/abi.ts';
import { aaveMarket } from '../../skills/aave-v3/market.ts';
import type { SkillContext } from '../../skills/sdk/define-skill.ts';
import { readAavePositions } from '../../smart-accounts/positions.ts';

/** The account's Aave positions an unvetted bundle could reach, for the guard to watch. */
export type ExposedPositions = {
  /** The aTokens the account holds: each read as a token of which nothing may leave (or as its step moves it). */
  aTokens: { address: Address; symbol: string; decimals: number }[];
  /**
   * The pool and every reserve's variable debt token: no debt may be taken beyond what a step of the
   * plan takes, even when the account has no collateral now (this plan, or another that runs first,
   * may supply some, and an old credit delegation then borrows on it).
   */
  debt: { pool: Address; debtTokens: { address: Address; symbol: string }[] };
};

const POOL_ABI = parseAbi(['function getReservesList() view returns (address[])']);

/**
 * What of the account's Aave V3 position a bundle that may run unvetted code (exposed-holdings.ts)
 * could take: its aTokens, through an allowance it once gave some other contract (an aToken is an
 * ERC-20), and its credit, through a credit delegation it once gave (a borrow on its behalf, in any
 * reserve, on collateral it has or a step supplies). Neither is among the wallet's holdings, and which contracts hold such rights cannot be
 * read from the chain. Read whatever the simulation showed: unvetted code can make a harmless-looking
 * change to a position in the simulation only (a 1-wei supply on the account's behalf), so what it
 * showed must not decide what is watched.
 *
 * Nothing when the chain has no Aave market.
 */
export async function exposedAavePositions(ctx: SkillContext): Promise<ExposedPositions | undefined> {
  const pool = ctx.chain.contracts.aaveV3?.pool;
  if (!pool) return undefined;
  const positions = await readAavePositions(ctx);
  const aTokens = positions.reserves
    .filter((reserve) => reserve.supplied > 0n)
    .map((reserve) => ({
      address: reserve.aToken.address,
      symbol: reserve.aToken.symbol,
      decimals: reserve.asset.decimals,
    }));
  const [assets, market] = await Promise.all([
    ctx.client.readContract({ address: pool, abi: POOL_ABI, functionName: 'getReservesList' }),
    aaveMarket(ctx),
  ]);
  const debtTokens = await Promise.all(
    assets.map(async (asset) => {
      const [[, , address], token] = await Promise.all([
        ctx.client.readContract({
          address: market.dataProvider,
          abi: dataProviderAbi,
          functionName: 'getReserveTokensAddresses',
          args: [asset],
        }),
        ctx.token(asset).catch(() => undefined),
      ]);
      return { address, symbol: token?.symbol ?? asset };
    }),
  );
  const debt = { pool, debtTokens };
  return { aTokens, debt };
}
