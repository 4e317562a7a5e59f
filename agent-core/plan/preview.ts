import {
  type Address,
  BaseError,
  decodeErrorResult,
  ExecutionRevertedError,
  formatUnits,
  type Hex,
  isAddressEqual,
  parseAbi,
  RawContractError,
} from 'viem';
import { BUNDLE_GUARD_ABI } from '../../common/contracts/bundle-guard.ts';
import { guardData, guardReads, packBound } from '../../common/contracts/bundle-guard-calls.ts';
import { BUILTIN_SKILL_IDS } from '../../skills/builtin.ts';
import { roundDecimal } from '../../skills/sdk/amounts.ts';
import { NATIVE_TOKEN, type SkillCall, type SkillContext } from '../../skills/sdk/define-skill.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import { describeRevert, explainRevert } from '../../smart-accounts/revert-reason.ts';
import { type Simulation, simulateAccountCalls } from '../../smart-accounts/simulate.ts';
import { BoundsTally, buildValueLedger, tokenLabel, type ValueLedger } from '../policy/value-flow.ts';
import { grantShown, outsideBounds, undeclaredApproval, undeclaredPositionChange } from './beyond-steps.ts';
import { exposedHoldings, listedAddresses } from './exposed-holdings.ts';
import { exposedAavePositions } from './exposed-positions.ts';
import { guardBundle } from './guard.ts';
import { positionTokenOf } from './position-tokens.ts';
import type { PriceBook } from './prices.ts';
import { stepCallingGuardOrSelf, stepGrantingStandingRight } from './standing-rights.ts';
import type { PlanStep } from './types.ts';

/**
 * One asset's change in the account, as the person sees it. A lending position's token is shown as
 * what it is: an aToken is funds supplied (`supplied`), a debt token what the account owes (`debt`),
 * both counted in the asset they stand for and valued at its price.
 */
export type BalanceChange = {
  token: Address;
  symbol: string;
  /** Signed change of the token's balance, in human units, exact ("-100", "0.0331", debt: "500"). */
  amount: string;
  baseUnits: string;
  /**
   * USD, signed by what the change does to what the account is worth: money or supply in is +, out
   * is −, and debt taken is − (owing 500 USDC is −$500, never a gain).
   */
  usd: number | undefined;
  /** `wallet`: a token held; `supplied`: funds in a lending position; `debt`: what the account owes. */
  kind: 'wallet' | 'supplied' | 'debt';
  /** For a position: the asset it counts in, and the protocol. */
  asset: { token: Address; symbol: string; protocol: string } | undefined;
  /** The change in words, amounts rounded for people: "+0.0331 ETH", "You will owe 500 USDC on Aave V3". */
  description: string;
};

/** What the chain would do: the preview shown before the user confirms. Amounts are strings (JSON). */
export type Preview = {
  ok: boolean;
  /** Why the plan is not offered: it would revert, or it leaves the skills' bounds. */
  problem: string | undefined;
  changes: BalanceChange[];
  /** Allowances the plan grants (exact), and what is left of each once the plan has run. */
  approvals: { token: Address; symbol: string; spender: Address; amount: string; remaining: string }[];
  gas: { units: string; fee: string; feeUsd: number | undefined; sponsored: boolean };
  /** Everything the plan lets leave the user's control, valued: what the policy reads. */
  ledger: ValueLedger;
  /** The ledger's total in USD (gas excluded): what the per-plan and daily limits hold. */
  valueOutUsd: number;
  /**
   * The on-chain guard the bundle ends with (plan/guard.ts): its address and each bound in words. The
   * bundle reverts, moving nothing, if the chain's result leaves any of them. Undefined on a chain
   * with no guard deployed (the bundle then runs unguarded, and the preview says so).
   */
  guard:
    | {
        address: Address;
        checks: string[];
        /**
         * Set when the bundle may run unvetted code, so the guard reads every token and aToken the
         * account held at the preview (exposed-holdings.ts): those tokens. A token the account holds
         * at confirmation and this list lacks refuses the confirmation (smart-accounts/unwatched-holdings.ts).
         */
        watchesHoldings?: Address[];
      }
    | undefined;
  /**
   * A plan that continues on another chain after a bridge: that leg's own preview, simulated there as
   * the chain will be once the bridged funds have arrived (what `arrives` says, at least, by its
   * deadline). Its changes are that chain's; `ledger` and `valueOutUsd` above count both legs.
   */
  destination?: DestinationPreview | undefined;
};

/** The destination leg of a plan, as previewed on its own chain. */
export type DestinationPreview = {
  chainId: number;
  chain: string;
  /** What the bridge brings there, at least, and by when (unix seconds): the leg runs once it has. */
  arrives: { token: Address; symbol: string; amount: string; deadline: number }[];
  preview: Preview;
};

/** A preview, and the calls that execute exactly what it shows (the plan's calls inside the guard's). */
export type PreviewedBundle = { preview: Preview; calls: SkillCall[] };

/**
 * Runs the whole bundle against the current chain through the user's own account, and checks the
 * result against the skills' bounds: per token, the account must end with at least what the steps
 * together promise (receives minus gives), and no listed token may drop that no step gives. A plan
 * that would revert, or leaves its bounds, is not offered.
 */
export async function previewPlan(
  env: ExecutionEnvironment,
  owner: Address,
  steps: readonly PlanStep[],
  ctx: SkillContext,
  prices: PriceBook,
  /** Contracts the audited skills declare here: a spender among them is not a third party. */
  protocolContracts: readonly Address[],
  /** What is there before the first step, paid for elsewhere (a destination leg: what the bridge brings). */
  broughtIn: readonly { token: Address; amount: bigint }[] = [],
): Promise<PreviewedBundle> {
  const calls = steps.flatMap((step) => step.calls);
  const positionPools = protocolContracts;
  const boundTokens = steps.flatMap((step) => [...step.bounds.gives, ...step.bounds.receives].map((a) => a.token));
  const simulation = await simulateAccountCalls(env, owner, calls, {
    tokens: boundTokens.filter((token) => !isAddressEqual(token, NATIVE_TOKEN)),
  });
  const symbolOf = async (token: Address) => {
    if (isAddressEqual(token, NATIVE_TOKEN)) return 'ETH';
    const found = await ctx.token(token).catch(() => undefined);
    return found ? tokenLabel(found) : token;
  };
  const decimalsOf = async (token: Address) =>
    isAddressEqual(token, NATIVE_TOKEN) ? 18 : ((await ctx.token(token).catch(() => undefined))?.decimals ?? 18);

  const listed = (token: Address) =>
    isAddressEqual(token, NATIVE_TOKEN) || ctx.chain.tokens.some((t) => isAddressEqual(t.address, token));
  const describeChanges = async (assetChanges: Simulation['assetChanges']) => {
    const changes: BalanceChange[] = [];
    for (const change of assetChanges) {
      const decimals = await decimalsOf(change.token);
      const position = listed(change.token)
        ? undefined
        : await positionTokenOf(ctx.client, change.token, positionPools);
      const magnitude = change.diff < 0n ? -change.diff : change.diff;
      // A position token is worth its asset one for one (Aave's aTokens and debt tokens are).
      const usd = await prices.value(position?.asset ?? change.token, magnitude);
      const worthMore = position?.kind === 'debt' ? change.diff < 0n : change.diff > 0n;
      const symbol = position ? (await ctx.token(change.token).catch(() => undefined))?.symbol : undefined;
      const asset = position
        ? { token: position.asset, symbol: await symbolOf(position.asset), protocol: position.protocol }
        : undefined;
      const amount = formatUnits(change.diff, decimals);
      changes.push({
        token: change.token,
        symbol: symbol ?? (await symbolOf(change.token)),
        amount,
        baseUnits: change.diff.toString(),
        usd: usd === undefined ? undefined : worthMore ? usd : -usd,
        kind: position?.kind ?? 'wallet',
        asset,
        description: describeChange(position?.kind ?? 'wallet', {
          amount,
          before: formatUnits(change.before, decimals),
          after: formatUnits(change.after, decimals),
          symbol: asset?.symbol ?? symbol ?? (await symbolOf(change.token)),
          protocol: asset?.protocol,
        }),
      });
    }
    return changes;
  };
  let changes = await describeChanges(simulation.assetChanges);
  const describeApprovals = async (granted: Simulation['approvals']) => {
    const approvals = [];
    for (const approval of granted) {
      // The guard's own approval to pass on what arrived is taken back in the bundle, and its check
      // holds it to none: plumbing, not a right anyone keeps.
      const guardAddress = ctx.chain.contracts.bundleGuard;
      if (guardAddress && isAddressEqual(approval.spender, guardAddress) && approval.remaining === 0n) continue;
      const decimals = await decimalsOf(approval.token);
      approvals.push({
        token: approval.token,
        symbol: await symbolOf(approval.token),
        spender: approval.spender,
        amount: formatUnits(approval.amount, decimals),
        remaining: formatUnits(approval.remaining, decimals),
      });
    }
    return approvals;
  };
  let approvals = await describeApprovals(simulation.approvals);
  const sponsored = env.paymasterUrl !== undefined;
  const ledger = await buildValueLedger(
    steps,
    {
      token: (address) => ctx.token(address),
      value: (token, amount) => prices.value(token, amount),
      protocolContracts,
    },
    broughtIn,
  );
  let problem = simulation.ok
    ? (outsideBounds(steps, simulation.assetChanges, ctx) ??
      undeclaredApproval(steps, simulation.approvals) ??
      undeclaredPositionChange(steps, changes))
    : failure(await explainStepRevert(simulation.revertData, steps, calls.length, symbolOf));

  // The bundle that runs is the plan's calls inside the guard's snapshot and check, built from what
  // this simulation showed; it is simulated again as it will be sent, for its gas and to be sure the
  // guard passes when the chain does what the simulation did.
  let bundle = { calls, gas: simulation.gas };
  let guard: Preview['guard'];
  const guardAddress = ctx.chain.contracts.bundleGuard;
  // Only the guard's own first and last call (and its forwardReceived) may go to it: a step calling it
  // could snapshot the account again mid-bundle, with reads of its choosing, and the check would then
  // measure every bound from that baseline. Nor may a step call the account itself (an EIP-7702
  // account executes calls from itself), which would reach the guard, or anything, unchecked
  // (agent-core/hostile/guard-bypass.test.ts). Nor may a step grant a standing right that is not an
  // ERC-20 allowance (credit delegation, approval for all): the simulation shows no Approval for it
  // and the guard reads nothing of it, so the grantee could use it unseen, in the bundle or later.
  if (problem === undefined) {
    problem = stepCallingGuardOrSelf(steps, guardAddress, simulation.account, ctx.chain.contracts);
  }
  if (problem === undefined) {
    const positionManager = ctx.chain.contracts.uniswapV3?.nonfungiblePositionManager;
    problem = stepGrantingStandingRight(steps, positionManager ? [positionManager] : []);
  }
  // The same rights granted by a function no list names, seen by the event the simulation logged.
  if (problem === undefined) problem = grantShown(simulation.grants);
  // A call to an address with no code (or to some other contract) succeeds: a guard address that holds
  // no guard would check nothing while the preview said "Guarded on chain".
  if (problem === undefined && guardAddress && !(await isLiveGuard(ctx.client, ctx.chain.chainId, guardAddress))) {
    problem = `The bundle guard address ${guardAddress} holds no working bundle guard, so nothing would check this bundle on chain: deploy the guard there, or set BUNDLE_GUARD_ADDRESS to where it is deployed. Not offered.`;
  }
  if (problem === undefined && guardAddress) {
    const names = new Map<string, { symbol: string; decimals: number }>();
    const candidates = [
      NATIVE_TOKEN,
      ...BoundsTally.of(steps).tokens(),
      ...simulation.assetChanges.map((c) => c.token),
      ...simulation.holdings.map((h) => h.token),
      ...simulation.approvals.map((a) => a.token),
    ];
    for (const token of candidates) {
      if (!names.has(token.toLowerCase())) {
        names.set(token.toLowerCase(), { symbol: await symbolOf(token), decimals: await decimalsOf(token) });
      }
    }
    const named = (token: Address) => names.get(token.toLowerCase()) ?? { symbol: token, decimals: 18 };
    const lowest = ledger.healthFactor?.after;
    const pool = ctx.chain.contracts.aaveV3?.pool;
    const exposed = await exposedHoldings(ctx.client, simulation.account, simulation.holdings, calls, {
      listed: listedAddresses(ctx.chain),
      tokens: boundTokens,
      thirdParty: steps.some((step) => !BUILTIN_SKILL_IDS.has(step.skillId)),
    });
    // A bundle that may run unvetted code could reach the account's Aave position too, whatever the
    // simulation showed of it (exposed-positions.ts).
    const positions = exposed.unvetted ? await exposedAavePositions(ctx) : undefined;
    for (const aToken of positions?.aTokens ?? []) {
      names.set(aToken.address.toLowerCase(), { symbol: aToken.symbol, decimals: aToken.decimals });
    }
    const indexed = await withReserveIndexes(ctx.client, pool, changes);
    const guardOf = (guardedSteps: readonly PlanStep[]) =>
      guardBundle({
        guard: guardAddress,
        steps: guardedSteps,
        simulation,
        exposed: [...exposed.tokens, ...(positions?.aTokens ?? []).map((aToken) => aToken.address)],
        changes: indexed,
        healthFactor: lowest && pool ? { after: BigInt(lowest), pool } : undefined,
        // Frozen even with no collateral now: another plan of the account may supply some before this
        // one runs (a plan stays confirmable for minutes, a bridge's leg until its fill).
        debtFrozen: positions?.debt,
        describe: { symbol: (token) => named(token).symbol, decimals: (token) => named(token).decimals },
      });
    const simulateGuarded = (guardedCalls: SkillCall[]) =>
      simulateAccountCalls(env, owner, guardedCalls, {
        tokens: boundTokens.filter((token) => !isAddressEqual(token, NATIVE_TOKEN)),
      });
    // A step passes on what arrived only when the plain bundle leaves some of it idle: after a wrap
    // (exactly what it promises) the guard's approvals and transfers would cost gas for nothing.
    const idle = (token: Address) =>
      (simulation.assetChanges.find((c) => isAddressEqual(c.token, token))?.diff ?? 0n) > 0n;
    const chained = steps.map((step) =>
      step.forward && !idle(step.forward.token) ? { ...step, forward: undefined } : step,
    );
    let guarded = guardOf(chained);
    let checked = await simulateGuarded(guarded.calls);
    // A step the guard runs with what arrived calls its contract from the guard: if anything the
    // plain bundle brought the account arrives less (a contract that pays its caller, not the
    // account), run the steps with their minimums instead.
    const forwarded = chained.flatMap((step) => (step.forward ? [step.forward.token] : []));
    if (
      forwarded.length > 0 &&
      (!checked.ok || arrivesLess(simulation.assetChanges, checked.assetChanges, forwarded))
    ) {
      guarded = guardOf(steps.map((step) => ({ ...step, forward: undefined })));
      checked = await simulateGuarded(guarded.calls);
    }
    if (checked.ok) {
      bundle = { calls: guarded.calls, gas: checked.gas };
      guard = {
        address: guarded.address,
        checks: guarded.checks,
        ...(exposed.unvetted ? { watchesHoldings: guarded.watched } : {}),
      };
      // What the guarded bundle does is what runs: a step that takes what arrived moves more than the
      // minimum it was built with, and leaves nothing idle.
      changes = await describeChanges(checked.assetChanges);
      approvals = await describeApprovals(checked.approvals);
    } else {
      problem = `The on-chain guard would stop this bundle even now: ${describeRevert(checked.revertData, guarded.calls, ctx.chain.tokens, guarded.address)}. Not offered.`;
    }
  }
  const preview: Preview = {
    ok: problem === undefined,
    problem,
    changes,
    approvals,
    gas: {
      units: bundle.gas.total.toString(),
      fee: sponsored ? '0' : formatUnits(bundle.gas.fee, 18),
      feeUsd: sponsored ? 0 : await prices.value(NATIVE_TOKEN, bundle.gas.fee),
      sponsored,
    },
    ledger,
    valueOutUsd: ledger.totalUsd,
    guard,
  };
  return { preview, calls: bundle.calls };
}

/** Guards already seen to behave as one, by chain id and address (the guard cannot be removed). */
const liveGuards = new Set<string>();

/**
 * Whether `guard` behaves as the bundle guard: a check of a relative bound with nothing snapshotted
 * must revert with NotSnapshotted, where a codeless address or another contract's fallback succeeds.
 */
async function isLiveGuard(client: SkillContext['client'], chainId: number, guard: Address): Promise<boolean> {
  const key = `${chainId}:${guard.toLowerCase()}`;
  if (liveGuards.has(key)) return true;
  // One bound, relative to snapshot read 0, with nothing snapshotted.
  const probe = guardData('check', packBound({ read: 0n, relative: true, min: 0n, max: 0n }, guardReads.eth()));
  try {
    await client.call({ to: guard, data: probe });
    return false;
  } catch (error) {
    const reverted =
      error instanceof BaseError
        ? error.walk((e) => e instanceof RawContractError || e instanceof ExecutionRevertedError)
        : undefined;
    // Not a revert (the node could not be asked): not an answer about the guard.
    if (!reverted) throw error;
    // The revert's data, wherever viem keeps it (the node's error for a plain call).
    const withData = (error as BaseError).walk((e) => typeof (e as { data?: unknown }).data === 'string');
    const data = (withData as { data?: Hex } | null)?.data;
    let live = false;
    try {
      live = !!data && decodeErrorResult({ abi: BUNDLE_GUARD_ABI, data }).errorName === 'NotSnapshotted';
    } catch {
      live = false;
    }
    if (live) liveGuards.add(key);
    return live;
  }
}

/** A revert named by its step, with the symbols of what that step spends (revert-reason.ts). */
async function explainStepRevert(
  data: Hex | undefined,
  steps: readonly PlanStep[],
  callCount: number,
  symbolOf: (token: Address) => Promise<string>,
): Promise<{ where: string | undefined; words: string }> {
  const named = [];
  for (const step of steps) {
    const spent = [...step.bounds.gives.map((g) => g.token), ...step.approvals.map((a) => a.token)];
    const unique = spent.filter((t, i) => spent.findIndex((u) => isAddressEqual(u, t)) === i);
    named.push({
      title: step.title,
      callCount: step.calls.length,
      spends: await Promise.all(unique.map((token) => symbolOf(token))),
    });
  }
  return explainRevert(data, named, { singleCall: callCount === 1 });
}

/** "The bundle would fail at step 2 (Swap on Uniswap V3): the account does not hold enough USDC …" */
function failure(explained: { where: string | undefined; words: string }): string {
  return explained.where
    ? `The bundle would fail at ${explained.where}: ${explained.words}.`
    : `The bundle would fail: ${explained.words}.`;
}

/** A balance change in words, amounts rounded for people. */
function describeChange(
  kind: BalanceChange['kind'],
  change: { amount: string; before: string; after: string; symbol: string; protocol: string | undefined },
): string {
  const negative = change.amount.startsWith('-');
  const size = `${roundDecimal(negative ? change.amount.slice(1) : change.amount)} ${change.symbol}`;
  const on = change.protocol ?? 'the protocol';
  if (kind === 'debt') {
    if (negative) {
      return /^0(\.0*)?$/.test(change.after)
        ? `Your ${on} debt of ${size} is repaid`
        : `Your ${on} debt falls by ${size} (to ${roundDecimal(change.after)} ${change.symbol})`;
    }
    return /^0(\.0*)?$/.test(change.before)
      ? `You will owe ${size} on ${on}`
      : `You will owe ${size} more on ${on} (${roundDecimal(change.after)} ${change.symbol} in all)`;
  }
  if (kind === 'supplied') {
    return negative ? `Your ${on} collateral falls by ${size}` : `Your ${on} supply grows by ${size}`;
  }
  return `${negative ? '-' : '+'}${size}`;
}

/**
 * Whether a token the first simulation brought into the account comes in less in the second, other
 * than the tokens passed on (which are meant to: what sat idle is now used).
 */
function arrivesLess(
  plain: readonly { token: Address; diff: bigint }[],
  guarded: readonly { token: Address; diff: bigint }[],
  passedOn: readonly Address[],
): boolean {
  return plain.some(
    (change) =>
      change.diff > 0n &&
      !passedOn.some((token) => isAddressEqual(token, change.token)) &&
      (guarded.find((g) => isAddressEqual(g.token, change.token))?.diff ?? 0n) < change.diff,
  );
}

const RESERVE_INDEX_ABI = parseAbi([
  'function getReserveNormalizedIncome(address asset) view returns (uint256)',
  'function getReserveNormalizedVariableDebt(address asset) view returns (uint256)',
]);

/**
 * The preview's changes, each Aave position with its reserve's index now (the supply's liquidity
 * index, the debt's variable borrow index), so the guard can bound it in scaled units.
 */
async function withReserveIndexes(
  client: SkillContext['client'],
  pool: Address | undefined,
  changes: readonly BalanceChange[],
): Promise<(BalanceChange & { index?: bigint })[]> {
  return Promise.all(
    changes.map(async (change) => {
      if (!pool || !change.asset || change.kind === 'wallet') return change;
      const index = await client
        .readContract({
          address: pool,
          abi: RESERVE_INDEX_ABI,
          functionName: change.kind === 'supplied' ? 'getReserveNormalizedIncome' : 'getReserveNormalizedVariableDebt',
          args: [change.asset.token],
        })
        .catch(() => undefined);
      return index ? { ...change, index } : change;
    }),
  );
}
