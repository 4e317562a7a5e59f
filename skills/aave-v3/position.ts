import type { SkillContext } from '../sdk/define-skill.ts';
import { dataProviderAbi, poolAbi } from './abi.ts';
import type { AccountHealth } from './health-factor.ts';
import type { AaveMarket } from './market.ts';
import type { Reserve } from './reserve.ts';

/** The account's Aave V3 position overall, and in the one reserve an action touches. */
export type Position = {
  account: AccountHealth;
  /** As the Pool reports it (wad); undefined when there is no debt. */
  healthFactor: bigint | undefined;
  /** What the Pool still lets the account borrow under its loan-to-value limit, base currency. */
  availableBorrowsBase: bigint;
  /** The account's aToken balance in this reserve: what it has supplied, with interest. */
  supplied: bigint;
  /** Its variable-rate debt in this reserve, with interest up to the latest block. */
  variableDebt: bigint;
  /** Whether its supply of this reserve counts as collateral (the user's own switch on Aave). */
  usedAsCollateral: boolean;
  /** The liquidation threshold of the account's efficiency-mode category, when it is in one. */
  eModeThresholdBps: bigint | undefined;
};

export async function readPosition(ctx: SkillContext, market: AaveMarket, reserve: Reserve): Promise<Position> {
  const [accountData, userReserve, eModeCategory] = await Promise.all([
    ctx.client.readContract({
      address: market.pool,
      abi: poolAbi,
      functionName: 'getUserAccountData',
      args: [ctx.account],
    }),
    ctx.client.readContract({
      address: market.dataProvider,
      abi: dataProviderAbi,
      functionName: 'getUserReserveData',
      args: [reserve.token.address, ctx.account],
    }),
    ctx.client.readContract({ address: market.pool, abi: poolAbi, functionName: 'getUserEMode', args: [ctx.account] }),
  ]);
  const [totalCollateralBase, totalDebtBase, availableBorrowsBase, liquidationThresholdBps, , healthFactor] =
    accountData;
  const [supplied, , variableDebt, , , , , , usedAsCollateral] = userReserve;
  let eModeThresholdBps: bigint | undefined;
  if (eModeCategory !== 0n) {
    const category = await ctx.client.readContract({
      address: market.pool,
      abi: poolAbi,
      functionName: 'getEModeCategoryData',
      args: [Number(eModeCategory)],
    });
    eModeThresholdBps = BigInt(category.liquidationThreshold);
  }
  return {
    account: { totalCollateralBase, totalDebtBase, liquidationThresholdBps },
    healthFactor: totalDebtBase === 0n ? undefined : healthFactor,
    availableBorrowsBase,
    supplied,
    variableDebt,
    usedAsCollateral,
    eModeThresholdBps,
  };
}

/**
 * The liquidation threshold at which this reserve's supply counts in the account's health factor, or
 * undefined when it does not count. A first supply becomes collateral on its own when the asset has
 * a loan-to-value and is not an isolation-mode asset; a later one follows the user's switch. In an
 * efficiency-mode category the Pool may weigh the asset at the category's (higher) threshold: this
 * assumes so when collateral is removed and not when it is added, so the estimate never flatters.
 * (An account already in isolation mode does not get a new non-isolated supply as collateral; that
 * case is not read here, and it only makes a supply's estimate optimistic, never a withdrawal's.)
 */
export function collateralThreshold(
  reserve: Reserve,
  position: Position,
  action: 'supply' | 'withdraw',
): bigint | undefined {
  if (reserve.liquidationThresholdBps === 0n) return undefined;
  const counts =
    position.supplied > 0n
      ? position.usedAsCollateral
      : action === 'supply' && reserve.ltvBps !== 0n && !reserve.isolated;
  if (!counts) return undefined;
  const eMode = position.eModeThresholdBps;
  if (action === 'withdraw' && eMode !== undefined && eMode > reserve.liquidationThresholdBps) return eMode;
  return reserve.liquidationThresholdBps;
}
