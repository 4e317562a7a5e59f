import { type Address, encodeFunctionData, erc20Abi, formatUnits, type Hex, numberToHex, pad } from 'viem';
import { poolAbi, VARIABLE_RATE } from '../../skills/aave-v3/abi.ts';
import { type Caveat, caveatTerms, type Delegation, periodDelegations } from '../../smart-accounts/delegations.ts';
import { type GrantEnforcers, when } from './daily-swap-grant.ts';
import { declaredSelector, REPAY_CALL } from './skill-declarations.ts';

/**
 * What a position guard "if my Aave health factor drops below 1.5, repay up to 1,000 USDC of debt"
 * lets Sextant's agent key do, as one delegation the chain enforces: from now until the guard
 * expires, one call, and that call only the Aave Pool's `repay` of that asset's variable-rate debt of
 * the user's own address; whatever amount the key writes, the user's balance of the asset may fall
 * by at most the cap across it, and no ETH goes with it. The health factor is the runner's trigger,
 * not the chain's: a stolen agent key could repay early (paying down the user's own debt, with the
 * user's own funds, up to the cap), and nothing else.
 */
export type RepayGuardGrant = {
  /** The user's own address, delegated to the framework's EIP-7702 DeleGator. */
  user: Address;
  agent: Address;
  asset: { address: Address; symbol: string; decimals: number };
  /** The most of the asset one repayment may take from the user (base units). */
  maxRepay: bigint;
  /** The runner repays when the health factor is below this (1.5). */
  healthFactorBelow: number;
  /** The Aave V3 Pool. */
  pool: Address;
  protocol: string;
  /** Unix seconds; the guard lasts `days` from here. */
  start: bigint;
  days: number;
  salt: bigint;
  enforcers: GrantEnforcers;
};

/** A guard waits a month at most, as a daily grant lasts (one transaction must revoke it). */
export const MAX_GUARD_DAYS = 31;
const DAY = 86_400n;
/** The one function a guard allows: the one the audited repay skill declares (skill-declarations.ts). */
const REPAY = declaredSelector(REPAY_CALL);

/** The repayment the agent key makes when the guard fires: `amount` of the asset, for the user. */
export function repayCall(grant: RepayGuardGrant, amount: bigint): { to: Address; data: Hex } {
  return {
    to: grant.pool,
    data: encodeFunctionData({
      abi: poolAbi,
      functionName: 'repay',
      args: [grant.asset.address, amount, VARIABLE_RATE, grant.user],
    }),
  };
}

export function repayGuardGrant(grant: RepayGuardGrant): {
  delegations: Omit<Delegation, 'signature'>[];
  approval: { to: Address; value: bigint; data: Hex };
  words: string;
} {
  if (grant.days < 1 || grant.days > MAX_GUARD_DAYS) {
    throw new Error(`A position guard waits 1 to ${MAX_GUARD_DAYS} days.`);
  }
  if (grant.maxRepay <= 0n || !(grant.healthFactorBelow > 1)) {
    throw new Error('A position guard needs a most to repay and a health factor above 1 to act below.');
  }
  const { enforcers } = grant;
  // repay(asset, amount, interestRateMode, onBehalfOf): the asset is bytes 4-35, the rate mode and the
  // account whose debt it is bytes 68-131; the amount between them is the key's to choose, within the cap.
  const caveats: Caveat[] = [
    { enforcer: enforcers.AllowedTargetsEnforcer, terms: caveatTerms.allowedTargets([grant.pool]), args: '0x' },
    { enforcer: enforcers.AllowedMethodsEnforcer, terms: caveatTerms.allowedMethods([REPAY]), args: '0x' },
    {
      enforcer: enforcers.AllowedCalldataEnforcer,
      terms: caveatTerms.allowedCalldata(4n, pad(grant.asset.address, { size: 32 })),
      args: '0x',
    },
    {
      enforcer: enforcers.AllowedCalldataEnforcer,
      terms: caveatTerms.allowedCalldata(
        68n,
        `${numberToHex(VARIABLE_RATE, { size: 32 })}${pad(grant.user, { size: 32 }).slice(2)}` as Hex,
      ),
      args: '0x',
    },
    { enforcer: enforcers.RedeemerEnforcer, terms: caveatTerms.redeemer([grant.agent]), args: '0x' },
    { enforcer: enforcers.ValueLteEnforcer, terms: caveatTerms.valueLte(0n), args: '0x' },
    {
      enforcer: enforcers.ERC20BalanceChangeEnforcer,
      terms: caveatTerms.erc20BalanceChange('decrease', grant.asset.address, grant.user, grant.maxRepay),
      args: '0x',
    },
  ];
  const periodSeconds = DAY * BigInt(grant.days);
  const delegations = periodDelegations({
    delegate: grant.agent,
    delegator: grant.user,
    caveats,
    enforcers: { timestamp: enforcers.TimestampEnforcer, limitedCalls: enforcers.LimitedCallsEnforcer },
    start: grant.start,
    periodSeconds,
    periods: 1,
    callsPerPeriod: 1n,
    salt: grant.salt,
  });
  const cap = `${formatUnits(grant.maxRepay, grant.asset.decimals)} ${grant.asset.symbol}`;
  const words =
    `Sextant may repay up to ${cap} of your ${grant.asset.symbol} debt on ${grant.protocol}, from your address ` +
    `${grant.user}, once, when your health factor falls below ${grant.healthFactorBelow}, until ` +
    `${when(grant.start + periodSeconds)}; nothing else. The chain holds the ${cap} cap and that it is only a ` +
    `repayment of your own debt, not the trigger: a stolen agent key could repay early, never more. ` +
    `Your address allows the ${grant.protocol} pool ${cap} for it.`;
  return {
    delegations,
    approval: {
      to: grant.asset.address,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [grant.pool, grant.maxRepay] }),
    },
    words,
  };
}
