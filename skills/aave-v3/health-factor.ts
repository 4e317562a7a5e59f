import { formatUnits } from 'viem';

/**
 * Aave V3's health factor, computed off-chain so a quote can show it *after* an action, before
 * anything is signed. Everything here is pure arithmetic on what the Pool and the oracle report, in
 * the market's base currency (USD with 8 decimals on Aave V3), so it can be checked against the
 * Pool's own figure once the action has run.
 */

export const WAD = 10n ** 18n;
const BPS = 10_000n;

/**
 * The skills refuse a borrow or a withdrawal that leaves the health factor under 1.1. At 1.0 the
 * position can be liquidated; the 10% is room for prices to move between the quote and the next
 * time the user looks.
 */
export const HEALTH_FACTOR_FLOOR = (11n * WAD) / 10n;

/** An account's position as Pool.getUserAccountData reports it. */
export type AccountHealth = {
  totalCollateralBase: bigint;
  totalDebtBase: bigint;
  /** The collateral's liquidation threshold, averaged by value, in basis points. */
  liquidationThresholdBps: bigint;
};

/** What one action does to the position, in the base currency; positive adds, negative removes. */
export type PositionChange = {
  /** Collateral added or removed; leave out when the asset does not count as collateral. */
  collateralBase?: bigint;
  /** The liquidation threshold of that collateral, in basis points. */
  collateralThresholdBps?: bigint;
  debtBase?: bigint;
};

/**
 * The position after `change`. The average threshold is re-weighted: the collateral's threshold-
 * weighted sum gains (or loses) the change's value at its own threshold, as the Pool sums it, and
 * the average is kept in whole basis points (rounded down), as the Pool keeps it.
 */
export function accountAfter(account: AccountHealth, change: PositionChange): AccountHealth {
  const collateralDelta = change.collateralBase ?? 0n;
  const weighted =
    account.totalCollateralBase * account.liquidationThresholdBps +
    collateralDelta * (change.collateralThresholdBps ?? 0n);
  const totalCollateralBase = atLeastZero(account.totalCollateralBase + collateralDelta);
  return {
    totalCollateralBase,
    totalDebtBase: atLeastZero(account.totalDebtBase + (change.debtBase ?? 0n)),
    liquidationThresholdBps: totalCollateralBase === 0n ? 0n : atLeastZero(weighted) / totalCollateralBase,
  };
}

/**
 * The health factor in wad (1e18 = 1.0): collateral × liquidation threshold ÷ debt. Undefined when
 * there is no debt; the Pool reports uint256 max there, and nothing can be liquidated.
 */
export function healthFactor(account: AccountHealth): bigint | undefined {
  if (account.totalDebtBase === 0n) return undefined;
  return (account.totalCollateralBase * account.liquidationThresholdBps * WAD) / (BPS * account.totalDebtBase);
}

/** The health factor once `change` has happened: the figure a quote shows. */
export function healthFactorAfter(account: AccountHealth, change: PositionChange): bigint | undefined {
  return healthFactor(accountAfter(account, change));
}

/**
 * Whether an action that moves the health factor from `before` to `after` breaks the floor. An
 * action that does not lower it (withdrawing what is not collateral) is never refused for it.
 */
export function breaksFloor(before: bigint | undefined, after: bigint | undefined): boolean {
  if (after === undefined || after >= HEALTH_FACTOR_FLOOR) return false;
  return before === undefined || after < before;
}

/** The value of `amount` base units of a token at the oracle's `price` (per whole token). */
export function valueInBase(amount: bigint, price: bigint, decimals: number, rounding: 'down' | 'up'): bigint {
  const unit = 10n ** BigInt(decimals);
  const product = amount * price;
  return rounding === 'up' ? (product + unit - 1n) / unit : product / unit;
}

/** How many base units of a token `value` buys at `price`, rounded down. */
export function amountForValue(value: bigint, price: bigint, decimals: number): bigint {
  return (value * 10n ** BigInt(decimals)) / price;
}

/** How much more debt (base currency) the account can take on before its health factor reaches the floor. */
export function debtRoomAtFloor(account: AccountHealth): bigint {
  const debtAtFloor =
    (account.totalCollateralBase * account.liquidationThresholdBps * WAD) / (BPS * HEALTH_FACTOR_FLOOR);
  return atLeastZero(debtAtFloor - account.totalDebtBase);
}

/**
 * How much collateral of threshold `thresholdBps` (base currency) the account can remove before its
 * health factor reaches the floor.
 */
export function collateralRoomAtFloor(account: AccountHealth, thresholdBps: bigint): bigint {
  if (account.totalDebtBase === 0n || thresholdBps === 0n) return account.totalCollateralBase;
  const weighted = account.totalCollateralBase * account.liquidationThresholdBps;
  const weightedAtFloor = (HEALTH_FACTOR_FLOOR * account.totalDebtBase * BPS + WAD - 1n) / WAD;
  return atLeastZero(weighted - weightedAtFloor) / thresholdBps;
}

/**
 * A health factor as a decimal string with at most four decimals, rounded down so that what is
 * shown never flatters the position; "∞" when there is no debt.
 */
export function formatHealthFactor(value: bigint | undefined): string {
  if (value === undefined) return '∞';
  const step = 10n ** 14n;
  return formatUnits(value - (value % step), 18);
}

function atLeastZero(value: bigint): bigint {
  return value < 0n ? 0n : value;
}
