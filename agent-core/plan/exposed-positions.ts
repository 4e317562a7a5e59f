import { type Address, erc20Abi, parseAbi } from 'viem';
import { dataProviderAbi } from '../../skills/aave-v3/abi.ts';
import { aaveMarket } from '../../skills/aave-v3/market.ts';
import type { SkillContext } from '../../skills/sdk/define-skill.ts';

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

/** The Pool's list of reserves: not among the skills' ABIs, which act on one named reserve. */
const POOL_ABI = parseAbi(['function getReservesList() view returns (address[])']);

/**
 * What of the account's Aave V3 position a bundle that may run unvetted code (exposed-holdings.ts)
 * could take: its aTokens, through an allowance it once gave some other contract (an aToken is an
 * ERC-20), and its credit, through a credit delegation it once gave (a borrow on its behalf, in any
 * reserve, on collateral it has or a step supplies). Neither is among the wallet's holdings, and
 * which contracts hold such rights cannot be read from the chain. Read whatever the simulation
 * showed: unvetted code can make a harmless-looking change to a position in the simulation only (a
 * 1-wei supply on the account's behalf), so what it showed must not decide what is watched.
 *
 * One pass over the market's reserves: each one's tokens, and the account's aToken balance.
 * Nothing when the chain has no Aave market.
 */
export async function exposedAavePositions(ctx: SkillContext): Promise<ExposedPositions | undefined> {
  const pool = ctx.chain.contracts.aaveV3?.pool;
  if (!pool) return undefined;
  const [assets, market] = await Promise.all([
    ctx.client.readContract({ address: pool, abi: POOL_ABI, functionName: 'getReservesList' }),
    aaveMarket(ctx),
  ]);
  const reserves = await Promise.all(
    assets.map(async (asset) => {
      const [[aToken, , debtToken], token] = await Promise.all([
        ctx.client.readContract({
          address: market.dataProvider,
          abi: dataProviderAbi,
          functionName: 'getReserveTokensAddresses',
          args: [asset],
        }),
        ctx.token(asset).catch(() => undefined),
      ]);
      const [supplied, aSymbol] = await Promise.all([
        ctx.client.readContract({ address: aToken, abi: erc20Abi, functionName: 'balanceOf', args: [ctx.account] }),
        ctx.client.readContract({ address: aToken, abi: erc20Abi, functionName: 'symbol' }).catch(() => undefined),
      ]);
      const symbol = token?.symbol ?? asset;
      return {
        aToken: { address: aToken, symbol: aSymbol ?? `a${symbol}`, decimals: token?.decimals ?? 18 },
        supplied,
        debtToken: { address: debtToken, symbol },
      };
    }),
  );
  return {
    aTokens: reserves.filter((reserve) => reserve.supplied > 0n).map((reserve) => reserve.aToken),
    debt: { pool, debtTokens: reserves.map((reserve) => reserve.debtToken) },
  };
}
