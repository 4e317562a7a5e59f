import { randomBytes } from 'node:crypto';
import type { Address } from 'viem';
import { getPolicy } from '../policy/policy.ts';
import { readGuardedPosition } from './aave-position.ts';
import { OrderError } from './errors.ts';
import { grantOf } from './grant.ts';
import { assertNoSharedAllowance } from './grant-checks.ts';
import { aaveOraclePrices, usdValue } from './oracle-price.ts';
import { agentGasFund, type OrdersChain, proposalBasics } from './proposal-basics.ts';
import { listedToken, parseAmount } from './propose-daily-swap.ts';
import { MAX_GUARD_DAYS, type RepayGuardGrant } from './repay-guard-grant.ts';
import { declaredCall, REPAY_CALL } from './skill-declarations.ts';
import { asRepayGuardOrder, insertOrder, newOrderId, type RepayGuardOrder } from './store.ts';

/** "If my Aave health factor drops below 1.5, repay up to 1,000 USDC of debt", for `days`. */
export type RepayGuardRequest = {
  /** The most repaid, in whole tokens ("1000"). */
  amount: string;
  /** The listed token whose variable-rate debt is repaid, from the user's own balance of it. */
  asset: string;
  healthFactorBelow: string;
  days: number;
};

/**
 * A position guard, proposed: one repayment of the user's own Aave debt, capped, made by the agent
 * key when the health factor falls below the guard's (repay-guard-grant.ts says what the chain holds),
 * in words, held to the policy (the cap is what may leave), stored as `proposed`. A guard that would
 * fire at once, or that guards no debt, is refused.
 */
export async function proposeRepayGuard(
  env: OrdersChain,
  userId: string,
  account: Address,
  request: RepayGuardRequest,
): Promise<RepayGuardOrder> {
  const { enforcers, agent } = proposalBasics(env, userId, 'a position guard');
  if (!env.chain.contracts.aaveV3) {
    throw new OrderError(`${env.chain.name} has no Aave V3: a position guard cannot run here.`);
  }
  // The Pool, as the audited repay skill declares it on this chain.
  const pool = declaredCall(REPAY_CALL, env.chain).target;
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > MAX_GUARD_DAYS) {
    throw new OrderError(`A position guard waits 1 to ${MAX_GUARD_DAYS} days.`);
  }
  const threshold = Number(request.healthFactorBelow);
  if (!Number.isFinite(threshold) || threshold <= 1 || threshold > 10) {
    throw new OrderError(`"${request.healthFactorBelow}" is not a health factor to act below.`, {
      hint: 'Give one above 1 (Aave liquidates at 1), such as 1.5.',
    });
  }
  const asset = listedToken(env.chain, request.asset);
  const maxRepay = parseAmount(request.amount, asset);
  const terms: RepayGuardGrant = {
    user: account,
    agent,
    asset: { address: asset.address, symbol: asset.symbol, decimals: asset.decimals },
    maxRepay,
    healthFactorBelow: threshold,
    pool,
    protocol: 'Aave V3',
    start: (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp,
    days: request.days,
    salt: BigInt(`0x${randomBytes(8).toString('hex')}`) << 64n,
    enforcers,
  };
  const now = await readGuardedPosition(env.publicClient, env.chain, terms);
  if (now.healthFactor < threshold) {
    throw new OrderError(
      `Your health factor is ${now.healthFactor.toFixed(2)} now, already below ${threshold}: the guard would repay at once.`,
      { hint: `Repay now instead ("repay ${request.amount} ${asset.symbol} on aave"), or give a lower health factor.` },
    );
  }
  if (!Number.isFinite(now.healthFactor)) {
    throw new OrderError(`You have no debt on Aave V3 for a guard to repay.`);
  }
  assertNoSharedAllowance(
    env.db,
    userId,
    { token: asset, spender: pool, protocol: 'Aave V3', spenderName: 'pool' },
    terms.start,
  );
  const prices = await aaveOraclePrices(env.publicClient, env.chain);
  const price = await prices.usd(asset);
  if (price === undefined) throw new OrderError(`The Aave oracle has no price for ${asset.symbol}.`);
  const capUsd = usdValue(maxRepay, asset.decimals, price);
  const policy = getPolicy(env.db, userId);
  if (capUsd > policy.maxPlanUsd || capUsd > policy.maxDailyUsd) {
    throw new OrderError(
      `The repayment could move $${capUsd.toFixed(2)}, over your limit of $${Math.min(policy.maxPlanUsd, policy.maxDailyUsd)}.`,
      { hint: 'Ask for a smaller cap, or raise the limit with `sextant policy set`.' },
    );
  }
  const built = grantOf({ kind: 'repay-guard', terms });
  const { agentGas, words } = await agentGasFund(env, agent, 1, 'repayment');
  const order = insertOrder(env.db, {
    id: newOrderId(),
    userId,
    chainId: env.chain.chainId,
    account,
    agent,
    kind: 'repay-guard',
    terms,
    delegations: built.delegations.map((d) => ({ ...d, signature: '0x' })),
    words: `${built.words} ${words}`,
    status: 'proposed',
    grantExecutionId: null,
    agentGas,
  });
  return asRepayGuardOrder(order);
}
