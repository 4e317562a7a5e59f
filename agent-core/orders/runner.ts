import {
  type Address,
  decodeFunctionData,
  erc20Abi,
  formatUnits,
  type Hex,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  parseAbi,
  parseTransaction,
} from 'viem';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { nextNonce } from '../../common/next-nonce.ts';
import { gasHeadroom } from '../../smart-accounts/call-gas.ts';
import { DELEGATION_MANAGER_ABI, delegationHash, redeemCalldata } from '../../smart-accounts/delegations.ts';
import { readDelegation } from '../../smart-accounts/eip7702.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import {
  FINAL_EXECUTION_STATUSES,
  getExecution,
  UNFINISHED,
  type UnfinishedExecution,
  unfinishedExecutions,
  updateExecution,
} from '../../smart-accounts/executions.ts';
import { classifySendFailure } from '../../smart-accounts/outcomes.ts';
import { describeRevert, revertDataOf } from '../../smart-accounts/revert-reason.ts';
import { recordTransactionReceipt } from '../../smart-accounts/self-sent.ts';
import type { RewardsSource } from '../plan/rewards.ts';
import { unvettedInFlight } from '../plan/runs-alone.ts';
import { checkPolicy } from '../policy/check-policy.ts';
import { getPolicy } from '../policy/policy.ts';
import { spentToday } from '../policy/spent-today.ts';
import { readGuardedPosition } from './aave-position.ts';
import { type DailySwapGrant, dailySwapCall } from './daily-swap-grant.ts';
import { OrderError } from './errors.ts';
import { allowanceOf, periodSecondsOf, periodsOf } from './grant.ts';
import { settleGrant } from './lifecycle.ts';
import { aaveOraclePrices, type OraclePrices, usdValue } from './oracle-price.ts';
import { poolTwapPrice } from './pool-twap.ts';
import { repayCall } from './repay-guard-grant.ts';
import {
  type ClaimRewardsOrder,
  insertRun,
  liveOrders,
  type Order,
  type OrderRun,
  orderRuns,
  type RepayGuardOrder,
  type SwapOrder,
  setOrderStatus,
  setRunRetryAfter,
} from './store.ts';

/**
 * The runner: what turns a standing order into redemptions while the user is away. Each pass looks
 * at every live order on the chain and, for the period the chain's clock is in, makes at most one
 * redemption land: the day's swap, with its minimum from the Aave oracle's price less the user's
 * slippage ceiling (never below the grant's floor), valued and held to the user's policy, simulated,
 * then signed by the agent key and sent. Exactly once per period, across crashes: the attempt's
 * records are written before anything is signed, the signed transaction before it is sent
 * (write-ahead, as executions do), and an attempt is only followed by another once the last one
 * certainly moved nothing. The chain holds the limits regardless (one redemption a day, pinned call,
 * floor): this code only decides when, and at what minimum, within them.
 */
export type RunnerEnvironment = ExecutionEnvironment & {
  /** The user's agent key, or undefined when it cannot be opened now (the order waits). */
  agentKey(userId: string): Promise<LocalAccount | undefined>;
  /**
   * The user's own key, for the legs of their plans waiting on a bridge (run in the same pass);
   * absent: those legs wait for `sextant bridges`.
   */
  ownerKey?: ((userId: string) => Promise<LocalAccount | undefined>) | undefined;
  /** Where claim orders find the rewards to claim (the emissions' settlements); none: no reward token here. */
  rewards?: RewardsSource | undefined;
  /** Wall-clock ms for back-off (tests move it). */
  now?: () => number;
  /** Fault injection for crash tests: called once the signed run is written, before it is sent... */
  beforeSend?: () => Promise<void>;
  /** ...and once the node has taken it, before its receipt. */
  afterSend?: () => Promise<void>;
};

/** What one pass did, order by order, for the CLI and the logs. */
export type RunnerReport = { orderId: string; outcome: string }[];

/** A period's run is tried at most this many times; the first retry waits a minute, then doubling. */
export const MAX_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 60_000;
/** How long a pass waits for the receipt of a run the node already has before moving on. */
const IN_FLIGHT_WAIT_MS = 5_000;

/** One pass over every live order on the chain; each order's failure is its own. */
export async function runOrders(env: RunnerEnvironment): Promise<RunnerReport> {
  const report: RunnerReport = [];
  const orders = liveOrders(env.db, env.chain.chainId);
  if (orders.length === 0) return report;
  // Read once, and only for an order that redeems delegations: a claim order needs neither the
  // framework nor Aave's oracle, so a network without them still runs it.
  let redeeming: Promise<Redeeming> | undefined;
  const needs = () => {
    redeeming ??= (async () => ({
      framework: frameworkOf(env),
      prices: await aaveOraclePrices(env.publicClient, env.chain),
    }))();
    return redeeming;
  };
  for (const order of orders) {
    try {
      report.push({ orderId: order.id, outcome: await runOrder(env, needs, order) });
    } catch (error) {
      report.push({ orderId: order.id, outcome: `not checked: ${(error as Error).message}` });
    }
  }
  return report;
}

async function runOrder(env: RunnerEnvironment, needs: () => Promise<Redeeming>, order: Order): Promise<string> {
  if (order.status === 'granting') return settleGrant(env, order).status;
  const terms = order.terms;
  const block = await env.publicClient.getBlock({ blockTag: 'latest' });
  const chainTime = block.timestamp;
  if (chainTime < terms.start) return 'waiting for its first day';
  const period = Number((chainTime - terms.start) / periodSecondsOf(order));
  const runs = orderRuns(env.db, order.id);
  const executions = runs.map((run) => ({ run, execution: getExecution(env.db, order.userId, run.executionId) }));
  const inFlight = executions.find(({ execution }) => !FINAL_EXECUTION_STATUSES.has(execution.status));
  if (inFlight) {
    const unfinished = unfinishedExecutions(env.db).find((e) => e.id === inFlight.execution.id);
    if (unfinished) return settleInFlight(env, order, inFlight.run, unfinished);
  }
  const landed = executions.filter(({ execution }) => execution.status === 'succeeded').length;
  const once = order.kind === 'price-swap' || order.kind === 'repay-guard';
  if (once && landed > 0) {
    setOrderStatus(env.db, order.id, 'finished', ['active'], {
      reason:
        order.kind === 'repay-guard'
          ? 'Its health factor fell and the debt was repaid.'
          : 'Its price was reached and the swap made.',
    });
    return 'finished';
  }
  if (period >= periodsOf(order)) {
    setOrderStatus(env.db, order.id, 'finished', ['active'], { reason: expiryReason(order, landed) });
    return 'finished';
  }
  if (order.kind === 'claim-rewards') return claimRun(env, order, executions);
  const { framework, prices } = await needs();
  const todays = executions.filter(({ run }) => run.period === period);
  const last = todays.at(-1);
  if (last?.execution.status === 'succeeded')
    return `${runLabel(order, period)} done; next on ${nextDay(order, period)}`;
  if (last && last.run.attempt >= MAX_ATTEMPTS)
    return `${runLabel(order, period)} given up after ${MAX_ATTEMPTS} attempts`;
  const now = env.now?.() ?? Date.now();
  if (last?.run.retryAfter && now < last.run.retryAfter) return `${runLabel(order, period)} retried after a back-off`;

  // Before anything is recorded: what would stop the order for good, rather than fail one day.
  const stop = await stopReason(env, framework, order, period);
  if (stop) {
    // The runner stops; the signed days do not: any later allowance to the router brings them back.
    setOrderStatus(env.db, order.id, 'stopped', ['active'], {
      reason: `${stop} The days it has left stay signed until you cancel it (\`sextant orders cancel ${order.id}\` revokes them on chain).`,
    });
    return `stopped: ${stop}`;
  }
  if (order.kind === 'repay-guard')
    return guardRun(env, framework, prices, order, period, (last?.run.attempt ?? 0) + 1);
  const swap = order.terms;
  let poolPrice: number | undefined;
  if (swap.condition) {
    // The trigger, from the pool's own average price: never a price anyone told the agent.
    poolPrice = await poolTwapPrice(env.publicClient, swap.condition.pool, swap.tokenIn, swap.tokenOut);
    if (poolPrice === undefined) return 'waiting: the pool keeps too little price history for its average yet';
    const { direction, price } = swap.condition;
    if (direction === 'above' ? poolPrice <= price : poolPrice >= price) {
      return `waiting for ${swap.tokenIn.symbol} to go ${direction} ${price} ${swap.tokenOut.symbol} (its 10-minute average is ${round(poolPrice)})`;
    }
  }
  const agent = await env.agentKey(order.userId);
  if (!agent) return 'waiting for the agent key to be unlocked';
  const plan = await swapRunPlan(env, prices, order, poolPrice);
  return attempt(env, framework, order, agent, period, (last?.run.attempt ?? 0) + 1, plan);
}

/**
 * A run whose transaction may be out. Its receipt settles it. A signed run the node does not have
 * (the process died between writing it and sending it, or the node lost it) is sent again, the same
 * bytes, while the agent key's nonce is unused: the same transaction can land only once. Once that
 * nonce is used by another, it never can: dropped, nothing of it moved. No new attempt starts meanwhile.
 */
async function settleInFlight(
  env: RunnerEnvironment,
  order: Order,
  run: OrderRun,
  execution: UnfinishedExecution,
): Promise<string> {
  const client = env.publicClient;
  const day = runLabel(order, run.period);
  if (!execution.txHash || !execution.signedTransaction) {
    // Interrupted before it was signed: nothing can have left.
    updateExecution(
      env.db,
      execution.id,
      { status: 'failed', sent: 'no', error: 'Interrupted before the run was signed; nothing was sent.' },
      ['pending'],
    );
    return `${day} interrupted before signing; nothing was sent`;
  }
  const signed = execution.signedTransaction;
  const hash = execution.txHash;
  let receipt = await client.getTransactionReceipt({ hash }).catch(() => undefined);
  const known = !receipt && (await client.getTransaction({ hash }).catch(() => undefined)) !== undefined;
  // The node has it and is about to include it (a block being mined as the pass looks): a moment's
  // wait settles it now instead of a pass later.
  if (known) {
    receipt = await minedReceipt(client, hash, IN_FLIGHT_WAIT_MS, env.pollingIntervalMs).catch(() => undefined);
  }
  if (receipt) {
    await recordTransactionReceipt(env, execution.id, receipt, execution.calls);
    const settled = getExecution(env.db, order.userId, execution.id);
    if (settled.status !== 'succeeded') backOff(env, run);
    return `${day} ${settled.status}`;
  }
  if (known) return `${day} sent, waiting for it to land`;
  const { nonce } = parseTransaction(signed);
  const used = (await client.getTransactionCount({ address: order.agent, blockTag: 'latest' })) > (nonce ?? 0);
  if (used) {
    updateExecution(
      env.db,
      execution.id,
      {
        status: 'dropped',
        error: `It never landed, and the agent key's nonce was used by another transaction, so it never can. Nothing of it moved.`,
      },
      UNFINISHED,
    );
    backOff(env, run);
    return `${day} dropped`;
  }
  try {
    await client.request({ method: 'eth_sendRawTransaction', params: [signed] });
  } catch (error) {
    return `${day} could not be sent again yet: ${classifySendFailure(error).reason}`;
  }
  updateExecution(env.db, execution.id, { status: 'submitted', sent: 'yes' }, UNFINISHED);
  return `${day} sent again (the same transaction), waiting for it to land`;
}

/** Why the order can never run again, read from the chain; undefined while it can. */
async function stopReason(
  env: RunnerEnvironment,
  framework: Framework,
  order: SwapOrder | RepayGuardOrder,
  period: number,
): Promise<string | undefined> {
  const client = env.publicClient;
  const delegation = await readDelegation(client, order.account);
  if (
    delegation.kind !== 'delegated' ||
    delegation.implementation.toLowerCase() !== framework.deleGator.toLowerCase()
  ) {
    return `Your address ${order.account} no longer runs the DeleGator its delegations need (it was downgraded or upgraded to another implementation).`;
  }
  const today = order.delegations[period];
  if (!today) return `It has no delegation for day ${period + 1}.`;
  const hash = delegationHash(today);
  const disabled = await client.readContract({
    address: framework.delegationManager,
    abi: DELEGATION_MANAGER_ABI,
    functionName: 'disabledDelegations',
    args: [hash],
  });
  if (disabled) return 'Its delegation was revoked on chain.';
  const granted = allowanceOf(order);
  if (!granted) return undefined;
  const allowance = await client.readContract({
    address: granted.token.address,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [order.account, granted.spender],
  });
  // A swap needs its whole amount allowed; a repayment, anything at all (it repays what is allowed).
  const needed = order.kind === 'repay-guard' ? 1n : order.terms.amountIn;
  if (allowance < needed) {
    return `The ${granted.protocol} ${granted.spenderName} may spend only ${formatUnits(allowance, granted.token.decimals)} ${granted.token.symbol} of your address now (the allowance was used up or taken back).`;
  }
  return undefined;
}

/**
 * One attempt at a period's run. Its records are written first; a check that fails records why and
 * backs off, with nothing sent; past the checks the signed transaction is written, then sent.
 */
/** What one run would do, worked out before anything is recorded. */
type RunPlan = {
  /**
   * The call: the one the agent key redeems a delegation for (made from the user's address), or a
   * claim order's, which the agent key sends itself. Undefined when it cannot be set (`unavailable` says why).
   */
  call: { to: Address; data: Hex } | undefined;
  unavailable?: string;
  valueUsd: number;
  /** What the user's address must hold for it; undefined when nothing leaves it (a claim). */
  spends?: { token: { address: Address; symbol: string; decimals: number }; amount: bigint };
  /** Said after a simulated revert: what most likely made it revert. */
  revertHint: string;
};

/**
 * The day's swap: its minimum is what the oracle says amountIn is worth in tokenOut, less the user's
 * slippage ceiling, never below the floor the user granted (the chain holds that one regardless); a
 * price order's minimum comes from the pool's average price that triggered it instead.
 */
async function swapRunPlan(
  env: RunnerEnvironment,
  prices: OraclePrices,
  order: SwapOrder,
  poolPrice: number | undefined,
): Promise<RunPlan> {
  const terms = order.terms;
  const [priceIn, priceOut] = await Promise.all([prices.usd(terms.tokenIn), prices.usd(terms.tokenOut)]);
  const valueUsd = priceIn === undefined ? 0 : usdValue(terms.amountIn, terms.tokenIn.decimals, priceIn);
  const policy = getPolicy(env.db, order.userId);
  const fair =
    poolPrice !== undefined
      ? poolPrice
      : priceIn === undefined || priceOut === undefined
        ? undefined
        : priceIn / priceOut;
  const spends = { token: terms.tokenIn, amount: terms.amountIn };
  if (fair === undefined || priceIn === undefined) {
    return {
      call: undefined,
      unavailable: `The Aave oracle has no price for ${priceIn === undefined ? terms.tokenIn.symbol : terms.tokenOut.symbol}, so the day's minimum cannot be set. Nothing was sent.`,
      valueUsd,
      spends,
      revertHint: '',
    };
  }
  const minimum = maxBigint(terms.minAmountOut, minimumAt(terms, fair, policy.maxSlippageBps));
  return {
    call: dailySwapCall(terms, minimum),
    valueUsd,
    spends,
    revertHint: `the pool may give less than the minimum of ${formatUnits(minimum, terms.tokenOut.decimals)} ${terms.tokenOut.symbol}`,
  };
}

/**
 * A position guard's pass: when the user's Aave health factor (Aave's own, from its oracle) is below
 * the guard's, one repayment of the guarded debt, of the least of the cap, the debt, what the address
 * holds and what it still allows the pool.
 */
async function guardRun(
  env: RunnerEnvironment,
  framework: Framework,
  prices: OraclePrices,
  order: RepayGuardOrder,
  period: number,
  attemptNumber: number,
): Promise<string> {
  const { terms } = order;
  const reading = await readGuardedPosition(env.publicClient, env.chain, terms);
  if (reading.healthFactor >= terms.healthFactorBelow) {
    return `waiting for the health factor to fall below ${terms.healthFactorBelow} (it is ${round(reading.healthFactor)})`;
  }
  const allowed = await env.publicClient.readContract({
    address: terms.asset.address,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [order.account, terms.pool],
  });
  // biome-ignore lint/complexity/useMathMinMax: both are bigints, which Math.min does not take
  const amount = reading.repayable < allowed ? reading.repayable : allowed;
  if (amount === 0n)
    return `the health factor is ${round(reading.healthFactor)}, but there is no ${terms.asset.symbol} debt or balance to repay with`;
  const agent = await env.agentKey(order.userId);
  if (!agent) return 'waiting for the agent key to be unlocked';
  const price = await prices.usd(terms.asset);
  const plan: RunPlan = {
    call: repayCall(terms, amount),
    valueUsd: price === undefined ? 0 : usdValue(amount, terms.asset.decimals, price),
    spends: { token: terms.asset, amount },
    revertHint: 'the debt or the balance may have changed since the reading',
  };
  if (price === undefined) {
    plan.call = undefined;
    plan.unavailable = `The Aave oracle has no price for ${terms.asset.symbol}, so the repayment cannot be held to your limits. Nothing was sent.`;
  }
  return attempt(env, framework, order, agent, period, attemptNumber, plan);
}

/**
 * A claim order's pass: the first epoch distributed with an open claim for the user's account (the
 * distributor says so on chain) that is not waiting for a back-off, claimed by the agent key; one per
 * pass, since a run in flight holds the next back. Its value is 0: nothing leaves the user's address.
 */
async function claimRun(
  env: RunnerEnvironment,
  order: ClaimRewardsOrder,
  executions: { run: OrderRun; execution: { status: string } }[],
): Promise<string> {
  const { rewardToken } = order.terms;
  const stop = (reason: string) => {
    setOrderStatus(env.db, order.id, 'stopped', ['active'], { reason });
    return `stopped: ${reason}`;
  };
  if (!env.rewards) return stop('There is no reward token on this network now, so there is nothing to claim.');
  const { token, rewards } = await env.rewards(order.account);
  if (token.toLowerCase() !== rewardToken.address.toLowerCase()) {
    return stop(
      `The network's reward token is ${token} now, not the ${rewardToken.symbol} (${rewardToken.address}) this order claims.`,
    );
  }
  const open = rewards.filter((r) => !r.claimed && !r.unavailable).sort((a, b) => a.epoch - b.epoch);
  if (open.length === 0) return `waiting for an epoch distributed with rewards for ${order.account}`;
  const now = env.now?.() ?? Date.now();
  const refused: number[] = [];
  for (const reward of open) {
    // The agent key is also the delegate of the user's other orders: whatever the rewards source hands
    // over, it sends nothing but a claim paying this order's account (never a redemption, an approval...).
    if ((reward.call.value ?? 0n) !== 0n || !claimPaying(reward.call.data, order.account)) {
      refused.push(reward.epoch);
      continue;
    }
    const last = executions.filter(({ run }) => run.period === reward.epoch).at(-1);
    // Landed, yet open on chain: never sent again by this order (the distributor pays each claim once).
    if (last?.execution.status === 'succeeded') continue;
    if (last && last.run.attempt >= MAX_ATTEMPTS) continue;
    if (last?.run.retryAfter && now < last.run.retryAfter) continue;
    const agent = await env.agentKey(order.userId);
    if (!agent) return 'waiting for the agent key to be unlocked';
    return attempt(env, undefined, order, agent, reward.epoch, (last?.run.attempt ?? 0) + 1, {
      call: { to: reward.call.to, data: reward.call.data },
      valueUsd: 0,
      revertHint: 'it may have been claimed meanwhile',
    });
  }
  if (refused.length > 0) {
    return `the call given for epoch ${refused.join(', ')} is not a claim that pays ${order.account}, so nothing was sent`;
  }
  return `${open.length} epoch${open.length === 1 ? '' : 's'} to claim, each waiting for a back-off or given up after ${MAX_ATTEMPTS} attempts`;
}

/** A MerkleDistributor's claim (Uniswap's): it pays `account` whoever sends it. */
const CLAIM_ABI = parseAbi(['function claim(uint256 index, address account, uint256 amount, bytes32[] merkleProof)']);

/** Whether `data` is a distributor claim paying `account`. */
function claimPaying(data: Hex, account: Address): boolean {
  try {
    const { args } = decodeFunctionData({ abi: CLAIM_ABI, data });
    return isAddressEqual(args[1], account);
  } catch {
    return false;
  }
}

/**
 * One attempt at a period's run. Its records are written first; a check that fails records why and
 * backs off, with nothing sent; past the checks the signed transaction is written, then sent.
 */
async function attempt(
  env: RunnerEnvironment,
  /** The delegation framework an order's redemption goes through; none for a claim order. */
  framework: Framework | undefined,
  order: Order,
  agent: LocalAccount,
  period: number,
  attemptNumber: number,
  plan: RunPlan,
): Promise<string> {
  const client = env.publicClient;
  const { valueUsd } = plan;
  // A bundle of the address that may run unvetted code runs alone (plan/runs-alone.ts): what this run
  // brings in would land beside it unwatched. Nothing recorded: the next pass tries again.
  const unvetted = unvettedInFlight(env.db, env.chain.chainId, order.account);
  if (unvetted) {
    return `${runLabel(order, period)} waits: ${unvetted} of this address, which runs code Sextant has not vetted, is on its way`;
  }
  // What the agent key sends: a claim as it is (the distributor pays the user whoever sends it);
  // any other call only as the redemption of the period's delegation, from the user's address.
  let transaction: { to: Address; data: Hex } | undefined;
  if (order.kind === 'claim-rewards') transaction = plan.call;
  else {
    const delegation = order.delegations[period];
    if (!delegation || !framework) return `no delegation for ${runLabel(order, period)}`;
    transaction = plan.call && { to: framework.delegationManager, data: redeemCalldata([delegation], plan.call) };
  }
  const { run, execution, created } = insertRun(env.db, order, {
    period,
    attempt: attemptNumber,
    valueUsd,
    calls: [
      {
        to: transaction?.to ?? framework?.delegationManager ?? order.agent,
        value: 0n,
        data: transaction?.data ?? '0x',
      },
    ],
  });
  if (!created) return `${runLabel(order, period)} already started`;
  const fail = (reason: string): string => {
    updateExecution(env.db, execution.id, { status: 'failed', sent: 'no', error: reason }, ['pending']);
    backOff(env, run);
    return `${runLabel(order, period)} not run: ${reason}`;
  };

  if (transaction === undefined) return fail(plan.unavailable ?? 'Its call could not be set. Nothing was sent.');
  // A claim moves nothing out of the user's address, and the limits hold only what does: a day over
  // its limit already (the limit lowered since) must not hold claims back until they are given up.
  if (order.kind !== 'claim-rewards') {
    // The day so far: plans and order runs, this attempt's own value (recorded above) left out, since
    // the check adds it.
    const verdict = checkPolicy(getPolicy(env.db, order.userId), {
      ledger: { totalUsd: valueUsd, unpriced: [] },
      spentTodayUsd: spentToday(env.db, order.userId) - valueUsd,
      slippages: [],
      approvals: [],
    });
    if (!verdict.ok) return fail(`${verdict.message} Nothing was sent.`);
  }
  if (plan.spends) {
    const { token, amount } = plan.spends;
    const balance = await client.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [order.account],
    });
    if (balance < amount) {
      return fail(
        `Your address holds ${formatUnits(balance, token.decimals)} ${token.symbol}, less than the ${formatUnits(amount, token.decimals)} this run needs. Nothing was sent.`,
      );
    }
  }

  let signed: Hex;
  let fromBlock: bigint;
  try {
    fromBlock = await client.getBlockNumber({ cacheTime: 0 });
    const request = { account: agent.address, ...transaction } as const;
    // The simulation: the redemption as the agent key would send it, against the latest state.
    const estimate = await client.estimateGas(request);
    const fees = await client.estimateFeesPerGas();
    // Headroom as for an operation's call (smart-accounts/call-gas.ts): a swap's redemption carries the router call.
    const gas = estimate + gasHeadroom(estimate, [transaction], env.chain.contracts);
    const ether = await client.getBalance({ address: agent.address });
    if (ether < gas * fees.maxFeePerGas) {
      return fail(
        `The agent key ${agent.address} has ${formatUnits(ether, 18)} ETH, too little for the run's gas (up to ${formatUnits(gas * fees.maxFeePerGas, 18)}). Send it some ETH. Nothing was sent.`,
      );
    }
    signed = await agent.signTransaction({
      type: 'eip1559',
      chainId: env.chain.chainId,
      nonce: await nextNonce(client, agent.address),
      ...transaction,
      value: 0n,
      gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
  } catch (error) {
    const data = revertDataOf(error);
    if (data || /revert/i.test(String((error as Error).message))) {
      return fail(
        `The ${RUN_NOUNS[order.kind]} would revert, so it was not sent: ${describeRevert(data ?? '0x', [], env.chain.tokens)} (${plan.revertHint}).`,
      );
    }
    return fail(`The node failed while preparing the run: ${(error as Error).message}. Nothing was sent.`);
  }

  const txHash = keccak256(signed);
  // Write-ahead: from here on the transaction may have left.
  if (
    !updateExecution(env.db, execution.id, { signedTransaction: signed, txHash, fromBlock, sent: 'unknown' }, [
      'pending',
    ])
  ) {
    return `${runLabel(order, period)} taken by another runner`;
  }
  await env.beforeSend?.();
  try {
    await client.request({ method: 'eth_sendRawTransaction', params: [signed] });
  } catch (error) {
    const failure = classifySendFailure(error);
    if (failure.kind === 'not-sent') {
      return fail(`The node could not be reached to send the run: ${failure.reason}. Nothing was sent.`);
    }
    if (failure.kind === 'refused') {
      updateExecution(
        env.db,
        execution.id,
        { status: 'failed', sent: 'yes', error: `The node refused the run: ${failure.reason}` },
        UNFINISHED,
      );
      backOff(env, run);
      return `${runLabel(order, period)} refused by the node`;
    }
    updateExecution(
      env.db,
      execution.id,
      { status: 'submitted', error: `No clear answer from the node (${failure.reason}); settled from the chain.` },
      UNFINISHED,
    );
    return `${runLabel(order, period)} sent, unclear`;
  }
  updateExecution(env.db, execution.id, { status: 'submitted', sent: 'yes' }, UNFINISHED);
  await env.afterSend?.();
  try {
    const receipt = await minedReceipt(client, txHash, 60_000, env.pollingIntervalMs);
    await recordTransactionReceipt(env, execution.id, receipt, execution.calls);
  } catch {
    return `${runLabel(order, period)} sent, waiting for it to land`;
  }
  const settled = getExecution(env.db, order.userId, execution.id);
  if (settled.status !== 'succeeded') backOff(env, run);
  return `${runLabel(order, period)} ${settled.status}`;
}

type Framework = { delegationManager: Address; deleGator: Address };
/** What the orders that redeem delegations need from the network. */
type Redeeming = { framework: Framework; prices: OraclePrices };

const RUN_NOUNS: Record<Order['kind'], string> = {
  'daily-swap': "day's swap",
  'price-swap': 'swap',
  'repay-guard': 'repayment',
  'claim-rewards': 'claim',
};

/** The chain's DelegationManager and the DeleGator a user's address must run for its delegations. */
function frameworkOf(env: RunnerEnvironment): Framework {
  const { delegationFramework, eip7702StatelessDeleGator } = env.chain.contracts;
  if (!delegationFramework || !eip7702StatelessDeleGator) {
    throw new OrderError(`${env.chain.name} has no delegation framework: its standing orders cannot run.`);
  }
  return { delegationManager: delegationFramework.delegationManager, deleGator: eip7702StatelessDeleGator };
}

function backOff(env: RunnerEnvironment, run: OrderRun): void {
  const now = env.now?.() ?? Date.now();
  setRunRetryAfter(env.db, run, now + FIRST_BACKOFF_MS * 2 ** (run.attempt - 1));
}

/** amountIn's worth of tokenOut at `tokenOutPerIn` (whole tokens), less `slippageBps`. */
function minimumAt(terms: DailySwapGrant, tokenOutPerIn: number, slippageBps: number): bigint {
  // Scaled by 10^18, so the arithmetic stays in integers at the float's own precision (a price of
  // 1/3000 scaled by only 10^6 would lose a tenth of a percent).
  const scaled = BigInt(Math.floor(tokenOutPerIn * 1e18));
  const fair =
    (terms.amountIn * scaled * 10n ** BigInt(terms.tokenOut.decimals)) /
    (10n ** 18n * 10n ** BigInt(terms.tokenIn.decimals));
  return (fair * BigInt(10_000 - slippageBps)) / 10_000n;
}

function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function nextDay(order: Order, period: number): string {
  return new Date(Number(order.terms.start + periodSecondsOf(order) * BigInt(period + 1)) * 1000).toISOString();
}

/**
 * "day 3" of a daily order; "the swap" of a price order; "the repayment" of a position guard; "epoch
 * 4's claim" of a claim order (whose runs are counted by epoch).
 */
function runLabel(order: Order, period: number): string {
  if (order.kind === 'repay-guard') return 'the repayment';
  if (order.kind === 'claim-rewards') return `epoch ${period}'s claim`;
  return order.terms.condition ? 'the swap' : `day ${period + 1}`;
}

/** Why an order whose last period passed is finished, in its own terms. */
function expiryReason(order: Order, landed: number): string {
  if (order.kind === 'repay-guard') {
    return `Expired: the health factor did not fall below ${order.terms.healthFactorBelow} in time; nothing was repaid.`;
  }
  if (order.kind === 'claim-rewards') {
    return `Ran its ${order.terms.days} day${order.terms.days === 1 ? '' : 's'}; it claimed ${landed} epoch${landed === 1 ? "'s" : "s'"} rewards.`;
  }
  const { terms } = order;
  return terms.condition
    ? `Expired: ${terms.tokenIn.symbol}'s price did not go ${terms.condition.direction} ${terms.condition.price} ${terms.tokenOut.symbol} in time; nothing was swapped.`
    : `Ran ${landed} of ${terms.days} days; its last day has passed.`;
}

function round(value: number): string {
  return value.toLocaleString('en-US', { maximumSignificantDigits: 6 });
}
