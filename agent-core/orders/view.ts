import { formatEther, formatUnits } from 'viem';
import { z } from 'zod';
import type { Db } from '../../common/database.ts';
import { AddressJson, DecimalString, HexJson } from '../../common/json-schemas.ts';
import { FINAL_EXECUTION_STATUSES, getExecution } from '../../smart-accounts/executions.ts';
import { ExecutionStatusSchema } from '../../smart-accounts/views.ts';
import { periodSecondsOf, periodsOf } from './grant.ts';
import { MAX_ATTEMPTS } from './runner.ts';
import { type Order, type OrderStatus, orderRuns } from './store.ts';

const ORDER_STATUSES = [
  'proposed',
  'granting',
  'active',
  'paused',
  'cancelled',
  'finished',
  'stopped',
] as const satisfies readonly OrderStatus[];

const ExecutionSummarySchema = z.object({
  executionId: z.string(),
  status: ExecutionStatusSchema,
  txHash: HexJson.nullable(),
  error: z.string().nullable(),
});
type ExecutionSummary = z.output<typeof ExecutionSummarySchema>;

/** One attempt at one period's run: the transaction the agent key sent, and how it ended. */
export const OrderRunViewSchema = z.object({
  /** 1 for the first day; null for a claim order's run, which is counted by epoch. */
  day: z.number().int().nullable(),
  /** The epoch a claim order's run claims; null for the other kinds. */
  epoch: z.number().int().nullable(),
  attempt: z.number().int(),
  status: ExecutionStatusSchema,
  txHash: HexJson.nullable(),
  error: z.string().nullable(),
  valueUsd: z.number(),
  /** After a failure: not tried again before this time. */
  retryAfter: z.string().nullable(),
  createdAt: z.string(),
});
export type OrderRunView = z.output<typeof OrderRunViewSchema>;

/**
 * A standing order as the user reads it (the CLI, and whatever else shows orders): its terms in
 * words and figures, where it stands and why, each run with its transaction, and when the runner
 * looks at it next: what GET /v1/orders (and every order route), MCP's list_orders and
 * `sextant orders` show. JSON-ready: amounts as decimal strings, times as ISO strings. Its zod schema
 * (OrderViewSchema) types the API's answers, /openapi.json and the page's generated types.
 */
export const OrderViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['daily-swap', 'price-swap', 'repay-guard', 'claim-rewards']),
  status: z.enum(ORDER_STATUSES),
  statusReason: z.string().nullable(),
  chainId: z.number().int(),
  /** The user's own address (the delegator). */
  account: AddressJson,
  /** Sextant's agent key: the only one that may redeem, and the sender of each run. */
  agent: AddressJson,
  /** The grant in words, as the user confirmed it (or is asked to). */
  words: z.string(),
  /** What the chain holds the agent key to: amounts in whole tokens, times ISO (chain time). */
  terms: z.object({
    spend: z.object({ amount: DecimalString, symbol: z.string(), total: DecimalString }),
    buy: z.object({ symbol: z.string(), atLeast: DecimalString }),
    protocol: z.string(),
    feeTier: z.number().int(),
    days: z.number().int(),
    start: z.string(),
    end: z.string(),
    /** A price order's trigger: the pool's 10-minute average price of `spend`, in `buy`, crossing `price`. */
    when: z.object({ direction: z.enum(['above', 'below']), price: z.number() }).nullable(),
    /** A position guard's trigger: repays (spend: at most the cap of the asset) once the user's Aave
     *  health factor is below `healthFactorBelow`; `buy` then names the debt it pays down. */
    guard: z.object({ healthFactorBelow: z.number() }).nullable(),
    /** A claim order's reward token: each epoch's rewards claimed as it is distributed; nothing is
     *  spent (`spend` and `buy` then name the reward token, with amounts 0). */
    claim: z.object({ rewardToken: AddressJson, symbol: z.string() }).nullable(),
  }),
  /** ETH the grant sends the agent key for its runs' gas. */
  agentGas: DecimalString,
  /** The grant's transaction (approval and the agent key's gas) from the user's address. */
  grant: ExecutionSummarySchema.nullable(),
  /** The revocation's transaction, once cancelled. */
  revoke: ExecutionSummarySchema.nullable(),
  runs: z.array(OrderRunViewSchema),
  /** When the runner next acts on it (null: at its next pass, or never) and what it will do. */
  nextCheck: z.object({ at: z.string().nullable(), what: z.string() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderView = z.output<typeof OrderViewSchema>;

export const OrderResponseSchema = z.object({ order: OrderViewSchema });
export type OrderResponse = z.output<typeof OrderResponseSchema>;
export const OrderListResponseSchema = z.object({ orders: z.array(OrderViewSchema) });
export type OrderListResponse = z.output<typeof OrderListResponseSchema>;

const DAY = 86_400n;

/**
 * The order's view. `chainTime` (the latest block's timestamp, in seconds) places it in its days, as
 * the runner does; without it the wall clock stands in (the devnet's clock may be ahead of it).
 */
export function orderView(db: Db, order: Order, chainTime?: bigint, now = Date.now()): OrderView {
  const execution = (id: string | null): ExecutionSummary | null => {
    if (!id) return null;
    const record = getExecution(db, order.userId, id);
    return { executionId: record.id, status: record.status, txHash: record.txHash, error: record.error };
  };
  const runs = orderRuns(db, order.id).map((run): OrderRunView => {
    const record = getExecution(db, order.userId, run.executionId);
    const claims = order.kind === 'claim-rewards';
    return {
      day: claims ? null : run.period + 1,
      epoch: claims ? run.period : null,
      attempt: run.attempt,
      status: record.status,
      txHash: record.txHash,
      error: record.error,
      valueUsd: run.valueUsd,
      retryAfter: run.retryAfter === null ? null : new Date(run.retryAfter).toISOString(),
      createdAt: run.createdAt,
    };
  });
  return {
    id: order.id,
    kind: order.kind,
    status: order.status,
    statusReason: order.statusReason,
    chainId: order.chainId,
    account: order.account,
    agent: order.agent,
    words: order.words,
    terms: termsView(order),
    agentGas: formatEther(order.agentGas),
    grant: execution(order.grantExecutionId),
    revoke: execution(order.revokeExecutionId),
    runs,
    nextCheck: nextCheck(order, runs, chainTime ?? BigInt(Math.floor(now / 1000)), now),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** The order's terms in figures, whole tokens and ISO times, whatever its kind. */
function termsView(order: Order): OrderView['terms'] {
  const tokens = (units: bigint, token: { decimals: number }) => formatUnits(units, token.decimals);
  const end = iso(order.terms.start + periodSecondsOf(order) * BigInt(periodsOf(order)));
  if (order.kind === 'repay-guard') {
    const { terms } = order;
    const cap = tokens(terms.maxRepay, terms.asset);
    return {
      spend: { amount: cap, symbol: terms.asset.symbol, total: cap },
      buy: { symbol: `${terms.asset.symbol} debt`, atLeast: '0' },
      protocol: terms.protocol,
      feeTier: 0,
      days: terms.days,
      start: iso(terms.start),
      end,
      when: null,
      guard: { healthFactorBelow: terms.healthFactorBelow },
      claim: null,
    };
  }
  if (order.kind === 'claim-rewards') {
    const { terms } = order;
    return {
      spend: { amount: '0', symbol: terms.rewardToken.symbol, total: '0' },
      buy: { symbol: terms.rewardToken.symbol, atLeast: '0' },
      protocol: 'Sextant emissions',
      feeTier: 0,
      days: terms.days,
      start: iso(terms.start),
      end,
      when: null,
      guard: null,
      claim: { rewardToken: terms.rewardToken.address, symbol: terms.rewardToken.symbol },
    };
  }
  const { terms } = order;
  return {
    spend: {
      amount: tokens(terms.amountIn, terms.tokenIn),
      symbol: terms.tokenIn.symbol,
      total: tokens(terms.amountIn * BigInt(periodsOf(order)), terms.tokenIn),
    },
    buy: { symbol: terms.tokenOut.symbol, atLeast: tokens(terms.minAmountOut, terms.tokenOut) },
    protocol: terms.protocol,
    feeTier: terms.fee,
    days: terms.days,
    start: iso(terms.start),
    end,
    when: terms.condition ? { direction: terms.condition.direction, price: terms.condition.price } : null,
    guard: null,
    claim: null,
  };
}

/** When the runner does something about the order next, in its terms (runner.ts's order of checks). */
function nextCheck(order: Order, runs: OrderRunView[], chainTime: bigint, now: number): OrderView['nextCheck'] {
  const nextPass = 'at the runner’s next pass';
  switch (order.status) {
    case 'proposed':
      return { at: null, what: `none until you confirm it (\`sextant orders confirm ${order.id}\`)` };
    case 'granting':
      return { at: null, what: `${nextPass}, once its grant's transaction has landed` };
    case 'paused':
      return { at: null, what: `none while paused (\`sextant orders resume ${order.id}\`)` };
    case 'cancelled':
    case 'finished':
    case 'stopped':
      return { at: null, what: 'none: it is over' };
  }
  const inFlight = runs.find((run) => !FINAL_EXECUTION_STATUSES.has(run.status));
  if (inFlight) {
    const run = inFlight.epoch === null ? `day ${inFlight.day}'s run` : `epoch ${inFlight.epoch}'s claim`;
    return { at: null, what: `${nextPass}, which settles ${run}` };
  }
  if (chainTime < order.terms.start) return { at: iso(order.terms.start), what: 'its first day' };
  if (order.kind === 'claim-rewards') {
    const end = order.terms.start + DAY * BigInt(order.terms.days);
    if (chainTime >= end) return { at: null, what: `${nextPass}, which marks it finished` };
    return { at: null, what: `${nextPass}: claims each epoch distributed with rewards for your address` };
  }
  if (order.kind === 'repay-guard') {
    return {
      at: null,
      what: `${nextPass}: repays once your health factor is below ${order.terms.healthFactorBelow}`,
    };
  }
  const { terms } = order;
  if (terms.condition) {
    const { direction, price } = terms.condition;
    return {
      at: null,
      what: `${nextPass}: swaps once ${terms.tokenIn.symbol}'s average price goes ${direction} ${price} ${terms.tokenOut.symbol}`,
    };
  }
  const period = Number((chainTime - terms.start) / DAY);
  if (period >= terms.days) return { at: null, what: `${nextPass}, which marks it finished` };
  const today = runs.filter((run) => run.day === period + 1);
  const last = today.at(-1);
  const tomorrow = terms.start + DAY * BigInt(period + 1);
  const dayAfter = period + 1 >= terms.days ? 'its last day ends' : `day ${period + 2}`;
  if (last?.status === 'succeeded' || (last && last.attempt >= MAX_ATTEMPTS)) {
    return { at: iso(tomorrow), what: dayAfter };
  }
  if (last?.retryAfter && Date.parse(last.retryAfter) > now) {
    return { at: last.retryAfter, what: `day ${period + 1}, attempt ${last.attempt + 1} (after a back-off)` };
  }
  return { at: null, what: `${nextPass}: day ${period + 1}${last ? `, attempt ${last.attempt + 1}` : ''}` };
}

/** One line per order, for a list. */
export function renderOrderLine(view: OrderView): string {
  const { when, guard, claim } = view.terms;
  if (claim) {
    const claimed = view.runs.filter((run) => run.status === 'succeeded').length;
    return `${view.id}  ${view.status.padEnd(9)}  claims ${claim.symbol} rewards as each epoch is distributed, until ${view.terms.end}; ${claimed} claimed`;
  }
  if (guard) {
    return `${view.id}  ${view.status.padEnd(9)}  repays up to ${view.terms.spend.amount} ${view.terms.buy.symbol} when the health factor is below ${guard.healthFactorBelow}, until ${view.terms.end}`;
  }
  if (when) {
    return `${view.id}  ${view.status.padEnd(9)}  ${view.terms.spend.amount} ${view.terms.spend.symbol} → ${view.terms.buy.symbol} when ${view.terms.spend.symbol} goes ${when.direction} ${when.price} ${view.terms.buy.symbol}, until ${view.terms.end}`;
  }
  const done = view.runs.filter((run) => run.status === 'succeeded').length;
  return `${view.id}  ${view.status.padEnd(9)}  ${view.terms.spend.amount} ${view.terms.spend.symbol} → ${view.terms.buy.symbol} daily, ${done}/${view.terms.days} days run${view.nextCheck.at ? `; next ${view.nextCheck.at}` : ''}`;
}

/** The order in full: terms, status and reason, grant and revocation, each run, the next check. */
export function renderOrder(view: OrderView): string {
  const lines = [
    `Order ${view.id}: ${view.status}${view.statusReason ? ` (${view.statusReason})` : ''}`,
    `  ${view.words}`,
    view.terms.claim
      ? `  claims   your ${view.terms.claim.symbol} rewards (${view.terms.claim.rewardToken}) as each epoch is distributed; spends nothing of yours`
      : view.terms.guard
        ? `  repays   up to ${view.terms.spend.amount} ${view.terms.spend.symbol} of your ${view.terms.buy.symbol} once, when your health factor is below ${view.terms.guard.healthFactorBelow}, on ${view.terms.protocol}`
        : view.terms.when
          ? `  swaps    ${view.terms.spend.amount} ${view.terms.spend.symbol} once, for at least ${view.terms.buy.atLeast} ${view.terms.buy.symbol}, when its average price goes ${view.terms.when.direction} ${view.terms.when.price} ${view.terms.buy.symbol}, on ${view.terms.protocol}`
          : `  spends   ${view.terms.spend.amount} ${view.terms.spend.symbol} a day (${view.terms.spend.total} in all) for at least ${view.terms.buy.atLeast} ${view.terms.buy.symbol} each, on ${view.terms.protocol}`,
    `  ${view.terms.when || view.terms.guard ? 'waits' : 'days '}    ${view.terms.days} day${view.terms.days === 1 ? '' : 's'}, from ${view.terms.start} until ${view.terms.end}`,
    `  account  ${view.account}`,
    `  agent    ${view.agent} (sent ${view.agentGas} ETH for its gas)`,
  ];
  if (view.grant) lines.push(`  grant    ${executionLine(view.grant)}`);
  if (view.revoke) lines.push(`  revoked  ${executionLine(view.revoke)}`);
  if (view.runs.length === 0) lines.push('  runs     none yet');
  else {
    lines.push('  runs');
    for (const run of view.runs) {
      lines.push(
        `    ${run.epoch === null ? `day ${run.day}` : `epoch ${run.epoch}`}, attempt ${run.attempt}: ${run.status}${run.txHash ? `  tx ${run.txHash}` : ''}${run.error ? `\n      ${run.error}` : ''}`,
      );
    }
  }
  lines.push(`  next     ${view.nextCheck.at ? `${view.nextCheck.at}: ` : ''}${view.nextCheck.what}`);
  return `${lines.join('\n')}\n`;
}

function executionLine(summary: ExecutionSummary): string {
  return `${summary.status}${summary.txHash ? `  tx ${summary.txHash}` : ''}${summary.error ? ` (${summary.error})` : ''}`;
}

function iso(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
