import { type Address, encodeFunctionData, erc20Abi, formatUnits, isAddressEqual } from 'viem';
import {
  forwardReceivedCall,
  type GuardBound,
  type GuardRead,
  guardCalls,
  guardReads,
} from '../../common/contracts/bundle-guard-calls.ts';
import { roundDecimal } from '../../skills/sdk/amounts.ts';
import { NATIVE_TOKEN, type SkillCall } from '../../skills/sdk/define-skill.ts';
import type { Simulation } from '../../smart-accounts/simulate.ts';
import { BoundsTally } from '../policy/value-flow.ts';
import type { PlanStep } from './types.ts';

/**
 * The on-chain guard of a plan: the reads its bundle snapshots first and checks last
 * (common/contracts/SextantBundleGuard.sol), each bound with the words the preview shows for it.
 * What is checked is what the preview said, so a contract that behaves one way in simulation and
 * another on chain, or a market that moved past the steps' limits, reverts the whole bundle:
 *
 * - every token (and ETH) the plan moves, and every other token a contract it calls is already
 *   allowed to spend: the change is at least what the skills' bounds promise (receives minus gives):
 *   at most what the preview said leaves, at least what it said arrives;
 * - a lending position's supply token: it grows by at least (or falls by no more than) the preview
 *   showed, give or take Aave's rounding; its debt token:
 *   it grows by no more than the preview showed (plus a day of interest on the debt already owed);
 * - every allowance the bundle sets: left exactly as the preview showed;
 * - the Aave health factor, when a step moves it: no lower than the preview showed (to 2 decimals).
 */
export type BundleGuard = {
  address: Address;
  /** The bundle: the snapshot, the plan's calls, the check. */
  calls: SkillCall[];
  /** One line per bound, for the preview ("USDC: at most 100 leaves"). */
  checks: string[];
  /** The tokens (ERC-20s and position tokens) whose balance the guard reads. */
  watched: Address[];
};

export type GuardInput = {
  guard: Address;
  steps: readonly PlanStep[];
  simulation: Pick<Simulation, 'assetChanges' | 'approvals' | 'holdings'>;
  /**
   * Tokens the account holds that the plan does not touch but a contract it calls could take anyway:
   * one the account already allows to spend them, or whose allowance could not be read (see
   * exposed-holdings.ts). Untouched tokens no call may spend are not read (a read costs gas, and no
   * call of the bundle can move them).
   */
  exposed: readonly Address[];
  /** The preview's changes, with what each token is (a wallet token, a supply, a debt). */
  changes: readonly {
    token: Address;
    kind: 'wallet' | 'supplied' | 'debt';
    baseUnits: string;
    /** For a position: the asset it counts in ("USDC" for Aave's variable debt USDC) and the protocol. */
    asset?: { symbol: string; protocol: string } | undefined;
    /** For an Aave position: the reserve's index now (ray), to bound it in scaled units. */
    index?: bigint | undefined;
  }[];
  /** The lowest health factor the steps leave (18 decimals), when one moves it; and the pool to read it from. */
  healthFactor: { after: bigint; pool: Address } | undefined;
  /**
   * When the bundle may run unvetted code (exposed-positions.ts): the pool and every reserve's
   * variable debt token. No debt may be taken beyond what a step of the plan takes.
   */
  debtFrozen?:
    | {
        pool: Address;
        debtTokens: readonly { address: Address; symbol: string }[];
      }
    | undefined;
  describe: { symbol(token: Address): string; decimals(token: Address): number };
};

const INT256_MIN = -(2n ** 255n);
const INT256_MAX = 2n ** 255n - 1n;
/** getUserAccountData's second word is the total debt (in the market's base currency), its sixth the health factor. */
const TOTAL_DEBT_WORD = 1n;
const HEALTH_FACTOR_WORD = 5n;
/** A supply token's balance may come out a unit or two apart from the simulation (Aave's index rounding). */
const ROUNDING_UNITS = 2n;
/**
 * What a step that takes "it" may pass on beyond the earlier step's minimum: 2% (a swap's default
 * slippage is 0.5%). The limit keeps the policy's count, made on the minimum, within 2% of what moves.
 */
const FORWARD_MARGIN_DIVISOR = 50n;

/** Aave's indexes are rays (27 decimals). */
const RAY = 10n ** 27n;
/**
 * Slack on a position's scaled change: a hundred-thousandth of it (the index grows about that much in
 * an hour and a half at 5% a year, more than a plan lives), so a fake repay or supply slips through
 * only by that share of its own amount.
 */
const SCALED_SLACK_DIVISOR = 100_000n;

export function guardBundle(input: GuardInput): BundleGuard {
  const { describe } = input;
  const relative: { read: GuardRead; min: bigint; max: bigint; words: string }[] = [];
  const absolute: { read: GuardRead; min: bigint; max: bigint; words: string }[] = [];
  const balanceRead = (token: Address): GuardRead =>
    isAddressEqual(token, NATIVE_TOKEN) ? guardReads.eth() : guardReads.balanceOf(token);
  const amount = (token: Address, units: bigint, symbol = describe.symbol(token)) =>
    `${roundDecimal(formatUnits(units < 0n ? -units : units, describe.decimals(token)))} ${symbol}`;

  const promised = BoundsTally.of(input.steps);
  const kindOf = (token: Address) => input.changes.find((c) => isAddressEqual(c.token, token));
  const watched = unique([
    ...promised.tokens(),
    ...input.simulation.assetChanges.map((c) => c.token),
    ...input.exposed,
  ]);
  // ETH leaves an account only as the value of its own calls, which the bundle fixes: it needs
  // reading only when a step is to bring ETH in.
  const receivesEth = input.steps.some((step) =>
    step.bounds.receives.some((r) => isAddressEqual(r.token, NATIVE_TOKEN)),
  );
  for (const token of watched) {
    if (isAddressEqual(token, NATIVE_TOKEN) && !receivesEth) continue;
    const change = kindOf(token);
    const simulated = change ? BigInt(change.baseUnits) : 0n;
    // A position token counts in its asset, one for one (Aave's are), and is named by it.
    const asset = change?.asset ? `${change.asset.symbol}` : describe.symbol(token);
    const on = change?.asset ? ` on ${change.asset.protocol}` : '';
    // A position is read in Aave's scaled units (scaledBalanceOf), which interest does not move, so
    // its slack follows the amount this plan moves, not what the account already owes or supplies:
    // with balanceOf, a day's interest on a large debt let a fake repay of that much pass.
    if (change?.kind === 'debt' || change?.kind === 'supplied') {
      const index = change.index;
      const scaled = (value: bigint, up: boolean) =>
        index ? (up ? ceilDiv(value * RAY, index) : floorDiv(value * RAY, index)) : value;
      const read: GuardRead = index ? guardReads.scaledBalanceOf(token) : balanceRead(token);
      // The index grows between preview and inclusion: the same amount is then fewer scaled units.
      const slack = (value: bigint) => (value < 0n ? -value : value) / SCALED_SLACK_DIVISOR + ROUNDING_UNITS;
      if (change.kind === 'debt') {
        const max = scaled(simulated, true);
        relative.push({
          read,
          min: INT256_MIN,
          max: max + slack(max),
          words:
            simulated >= 0n
              ? `${asset} debt${on}: grows by at most ${amount(token, simulated, asset)}`
              : `${asset} debt${on}: falls by at least ${amount(token, simulated, asset)}`,
        });
      } else {
        const min = scaled(simulated, false);
        relative.push({
          read,
          min: min - slack(min),
          max: INT256_MAX,
          words:
            simulated < 0n
              ? `${asset} supplied${on}: falls by at most ${amount(token, simulated, asset)}`
              : `${asset} supplied${on}: grows by at least ${amount(token, simulated, asset)}`,
        });
      }
      continue;
    }
    const floor = promised.change(token);
    relative.push({
      read: balanceRead(token),
      min: floor,
      max: INT256_MAX,
      words:
        floor < 0n
          ? `${describe.symbol(token)}: at most ${amount(token, floor)} leaves`
          : floor > 0n
            ? `${describe.symbol(token)}: at least ${amount(token, floor)} arrives`
            : `${describe.symbol(token)}: nothing leaves`,
    });
  }
  for (const approval of input.simulation.approvals) {
    absolute.push({
      read: guardReads.allowance(approval.token, approval.spender),
      min: approval.remaining,
      max: approval.remaining,
      words: `${describe.symbol(approval.token)} allowance of ${approval.spender}: ${approval.remaining === 0n ? 'none left' : `exactly ${amount(approval.token, approval.remaining)}`}`,
    });
  }
  for (const [index, step] of input.steps.entries()) {
    if (!step.forward) continue;
    const { token, minimum } = step.forward;
    absolute.push({
      read: guardReads.allowance(token, input.guard),
      min: 0n,
      max: 0n,
      words: `${describe.symbol(token)}: step ${index + 1} takes all that arrived (at least ${amount(token, minimum)}), and the guard may spend none after`,
    });
  }
  if (input.debtFrozen) {
    const changedDebt = input.changes.filter((change) => change.kind === 'debt');
    if (changedDebt.length === 0) {
      // No step takes or repays debt: the account's total debt may not grow, one read. Read twice in
      // one transaction, at the same prices, so no interest or price move comes between.
      relative.push({
        read: guardReads.accountData(input.debtFrozen.pool, TOTAL_DEBT_WORD),
        min: INT256_MIN,
        max: 0n,
        words: 'Aave debt: none taken on',
      });
    } else {
      // A step moves debt, so the total may move: each other reserve's debt may not grow (in scaled
      // units, which interest does not move); the changed ones are bounded above as their steps say.
      for (const debtToken of input.debtFrozen.debtTokens) {
        if (changedDebt.some((change) => isAddressEqual(change.token, debtToken.address))) continue;
        relative.push({
          read: guardReads.scaledBalanceOf(debtToken.address),
          min: INT256_MIN,
          max: 0n,
          words: `${debtToken.symbol} debt on Aave V3: none taken on`,
        });
      }
    }
  }
  if (input.healthFactor) {
    // The preview shows two decimals; the floor is what it showed, so a second's interest cannot trip it.
    const floor = (input.healthFactor.after / 10n ** 16n) * 10n ** 16n;
    absolute.push({
      read: guardReads.accountData(input.healthFactor.pool, HEALTH_FACTOR_WORD),
      min: floor,
      max: INT256_MAX,
      words: `Aave health factor: at least ${formatUnits(floor, 18)}`,
    });
  }

  const snapshotReads = relative.map((r) => r.read);
  const reads = [...snapshotReads, ...absolute.map((a) => a.read)];
  const bounds: GuardBound[] = [
    ...relative.map((r, index) => ({ read: BigInt(index), relative: true, min: clamp(r.min), max: clamp(r.max) })),
    ...absolute.map((a, index) => ({
      read: BigInt(relative.length + index),
      relative: false,
      min: clamp(a.min),
      max: clamp(a.max),
    })),
  ];
  // A step that takes what an earlier one brought in runs through the guard with the amount that
  // arrived, at most the minimum plus FORWARD_MARGIN: the ledger and the policy counted the minimum, so
  // what a step passes on may exceed what they saw by that share only (more stays in the account).
  // The account approves the guard for that much, and takes the approval back after.
  const stepCalls: SkillCall[] = [];
  for (const step of input.steps) {
    const forward = step.forward;
    const read = forward && snapshotReads.findIndex((r) => isAddressEqual(r.target, forward.token));
    const call = forward && step.calls[forward.call];
    if (!forward || read === undefined || read < 0 || !call) {
      stepCalls.push(...step.calls);
      continue;
    }
    const atMost = forward.minimum + forward.minimum / FORWARD_MARGIN_DIVISOR;
    stepCalls.push(
      approveCall(forward.token, input.guard, atMost),
      ...step.calls.slice(forward.approvalCalls, forward.call),
      forwardReceivedCall(input.guard, {
        read: BigInt(read),
        token: forward.token,
        call,
        offset: BigInt(forward.offset),
        atMost,
      }),
      ...step.calls.slice(forward.call + 1),
      approveCall(forward.token, input.guard, 0n),
    );
  }
  const { snapshot, check } = guardCalls(input.guard, { snapshotReads, reads, bounds });
  return {
    address: input.guard,
    calls: [snapshot, ...stepCalls, check],
    checks: [...relative, ...absolute].map((b) => b.words),
    watched: watched.filter((token) => !isAddressEqual(token, NATIVE_TOKEN)),
  };
}

function approveCall(token: Address, spender: Address, amount: bigint): SkillCall {
  return {
    to: token,
    value: 0n,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] }),
  };
}

function clamp(value: bigint): bigint {
  return value < INT256_MIN ? INT256_MIN : value > INT256_MAX ? INT256_MAX : value;
}

function unique(tokens: readonly Address[]): Address[] {
  return tokens.filter((token, index) => tokens.findIndex((t) => isAddressEqual(t, token)) === index);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}
