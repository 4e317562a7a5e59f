import type { Address } from 'viem';
import type { SkillContext } from '../../skills/sdk/define-skill.ts';
import { readAavePositions } from '../../smart-accounts/positions.ts';

/** The account's Aave positions an unvetted bundle could reach, for the guard to watch. */
export type ExposedPositions = {
  /** The aTokens the account holds: each read as a token of which nothing may leave. */
  aTokens: { address: Address; symbol: string; decimals: number }[];
  /** The pool whose account data says the account's total debt, when it has collateral to borrow on. */
  debtPool: Address | undefined;
};

/**
 * What of the account's Aave V3 position a bundle that may run unvetted code (exposed-holdings.ts)
 * could take though its steps do not touch Aave: its aTokens, through an allowance it once gave some
 * other contract (an aToken is an ERC-20), and its credit, through a credit delegation it once gave
 * (a borrow on its behalf). Neither is among the wallet's holdings, and which contracts hold such
 * rights cannot be read from the chain. So the guard reads every aToken the account holds and, when
 * it has collateral, its total debt, which may not grow. Both read within the one transaction, at the
 * same prices, so no price moving between preview and execution can trip them.
 *
 * Nothing when the chain has no Aave market or the account no position there.
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
  const debtPool = positions.totalCollateralBase > 0n ? pool : undefined;
  if (aTokens.length === 0 && debtPool === undefined) return undefined;
  return { aTokens, debtPool };
}
