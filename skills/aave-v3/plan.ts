import { formatUnits } from 'viem';
import type { SkillReading } from '../sdk/define-skill.ts';
import {
  type AccountHealth,
  accountAfter,
  formatHealthFactor,
  healthFactor,
  type PositionChange,
} from './health-factor.ts';
import type { AaveMarket } from './market.ts';
import type { Position } from './position.ts';
import type { AaveAction, Reserve } from './reserve.ts';

/**
 * What a skill worked out before building: the amount resolved ("all" included), and the position
 * before and after. `build` acts on it and `quote` shows it, so the two can never disagree.
 */
export type AavePlan = {
  action: AaveAction;
  market: AaveMarket;
  reserve: Reserve;
  /** Base units. For "withdraw all" the supply now (the call itself asks for everything). */
  amount: bigint;
  all: boolean;
  position: Position;
  after: AccountHealth;
  healthFactorAfter: bigint | undefined;
};

export function makePlan(
  fields: Pick<AavePlan, 'action' | 'market' | 'reserve' | 'amount' | 'all' | 'position'>,
  change: PositionChange,
): AavePlan {
  const after = accountAfter(fields.position.account, change);
  return { ...fields, after, healthFactorAfter: healthFactor(after) };
}

const VERBS: Record<AaveAction, string> = { supply: 'Supply', withdraw: 'Withdraw', borrow: 'Borrow', repay: 'Repay' };

/**
 * The amount in words: "500 DAI", or for "all", what it comes to now ("all DAI (500.0123 DAI now)"):
 * the supply, or the debt (not the debt plus the margin a repayment offers).
 */
export function describeAmount(plan: AavePlan): string {
  const { symbol } = plan.reserve.token;
  const amount = `${formatUnits(amountNow(plan), plan.reserve.token.decimals)} ${symbol}`;
  return plan.all ? `all ${symbol} (${amount} now)` : amount;
}

function amountNow(plan: AavePlan): bigint {
  return plan.all && plan.action === 'repay' ? plan.position.variableDebt : plan.amount;
}

/** The quote: the health factor before and after, and the collateral and debt before and after, in USD. */
export function planReading(plan: AavePlan): SkillReading {
  const before = formatHealthFactor(plan.position.healthFactor);
  const after = formatHealthFactor(plan.healthFactorAfter);
  const words = (value: string) => (value === '∞' ? '∞ (no debt)' : value);
  const usd = (value: bigint) => formatUnits(value, plan.reserve.baseUnit.toString().length - 1);
  return {
    summary: `${VERBS[plan.action]} ${describeAmount(plan)} on Aave V3: health factor ${words(before)} → ${words(after)}`,
    values: {
      action: plan.action,
      token: plan.reserve.token.symbol,
      amount: formatUnits(amountNow(plan), plan.reserve.token.decimals),
      all: String(plan.all),
      // In base units, what the bounds are built on: for repay all the most it offers (the debt plus
      // the margin), for withdraw all the supply now (it receives at least that).
      baseUnits: plan.amount.toString(),
      healthFactorBefore: before,
      healthFactorAfter: after,
      collateralUsdBefore: usd(plan.position.account.totalCollateralBase),
      collateralUsdAfter: usd(plan.after.totalCollateralBase),
      debtUsdBefore: usd(plan.position.account.totalDebtBase),
      debtUsdAfter: usd(plan.after.totalDebtBase),
    },
  };
}

/** An amount for a hint ("at most about 727.27 DAI"): rounded down to six decimals at most. */
export function formatRoughly(amount: bigint, token: { decimals: number; symbol: string }): string {
  const cut = token.decimals > 6 ? 10n ** BigInt(token.decimals - 6) : 1n;
  return `${formatUnits(amount - (amount % cut), token.decimals)} ${token.symbol}`;
}
