import { randomBytes } from 'node:crypto';
import { type Address, formatUnits, isAddressEqual, type PublicClient, parseUnits, zeroAddress } from 'viem';
import type { Chain, Token } from '../../common/chains/types.ts';
import { factoryAbi, poolAbi } from '../../skills/uniswap-v3/abi.ts';
import { FEE_TIERS } from '../../skills/uniswap-v3/fee-tiers.ts';
import { getPolicy } from '../policy/policy.ts';
import { type DailySwapGrant, MAX_GRANT_DAYS } from './daily-swap-grant.ts';
import { OrderError } from './errors.ts';
import { grantOf } from './grant.ts';
import { assertNoSharedAllowance } from './grant-checks.ts';
import { aaveOraclePrices, usdValue } from './oracle-price.ts';
import { poolTwapPrice } from './pool-twap.ts';
import { agentGasFund, type OrdersChain, proposalBasics } from './proposal-basics.ts';
import { declaredCall, SWAP_CALL } from './skill-declarations.ts';
import { asSwapOrder, insertOrder, newOrderId, type SwapOrder } from './store.ts';

/** "Swap 50 USDC into WETH every day for 30 days", as the CLI, the API and chat give it. */
export type DailySwapRequest = {
  /** The amount of `spend` each day, in whole tokens ("50"). */
  amount: string;
  /** The listed token spent (a symbol: USDC). */
  spend: string;
  /** The listed token bought (a symbol; ETH buys WETH, which the swap delivers). */
  buy: string;
  days: number;
  /**
   * The most the user will pay for one `buy` token, in `spend` tokens: the grant's floor. Without it,
   * 10% above the oracle's price now (shown in the words, so the user sees what they accept).
   */
  maxPrice?: string;
  /**
   * A price order instead ("sell 1 WETH for USDC if WETH goes above 3,300"): one swap of `amount`, made
   * when the pool's average price of one `spend` token, in `buy` tokens, crosses `price`; `days` is
   * how long it waits. Its floor is that price less the user's slippage ceiling.
   */
  when?: { direction: 'above' | 'below'; price: string };
};

/** Above the oracle's price now, what a daily swap accepts unless the user names a maximum. */
const DEFAULT_PRICE_HEADROOM = 0.1;
/**
 * The most a daily swap's maximum price may be, as a multiple of the oracle's now: the floor it sets
 * is what a stolen agent key could sell each day's amount for, so far above the price it protects
 * nothing (and at 1e30 it rounds to no floor at all).
 */
const MAX_PRICE_OVER_ORACLE = 2;
const DAY = 86_400n;

/**
 * A daily swap order, proposed: the grant it would make (delegations to sign, the router's
 * allowance, the agent key's gas) in words, held to the user's policy, stored as `proposed`. Nothing
 * is signed or sent until the user confirms (lifecycle.ts).
 */
export async function proposeDailySwap(
  env: OrdersChain,
  userId: string,
  account: Address,
  request: DailySwapRequest,
): Promise<SwapOrder> {
  const { enforcers, agent } = proposalBasics(env, userId, 'standing orders');
  if (!env.chain.contracts.uniswapV3) {
    throw new OrderError(`${env.chain.name} has no Uniswap V3: standing orders cannot run here.`);
  }
  // The router, as the audited swap skill declares it on this chain.
  const router = declaredCall(SWAP_CALL, env.chain).target;
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > MAX_GRANT_DAYS) {
    throw new OrderError(`A daily swap runs for 1 to ${MAX_GRANT_DAYS} days.`, {
      hint: `Ask for ${MAX_GRANT_DAYS} days or fewer; grant again when it ends (one transaction must be able to revoke it).`,
    });
  }
  const tokenIn = listedToken(env.chain, request.spend);
  const tokenOut = listedToken(env.chain, request.buy === 'ETH' ? 'WETH' : request.buy);
  if (isAddressEqual(tokenIn.address, tokenOut.address)) throw new OrderError('A swap needs two different tokens.');
  const amountIn = parseAmount(request.amount, tokenIn);
  // Another order whose grant may still spend this token through the router (a stopped one's days
  // included): refused now rather than at confirmation. A proposal next to a proposal is allowed.
  assertNoSharedAllowance(
    env.db,
    userId,
    { token: tokenIn, spender: router, protocol: 'Uniswap V3', spenderName: 'router' },
    (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp,
  );

  const prices = await aaveOraclePrices(env.publicClient, env.chain);
  const [usdIn, usdOut] = await Promise.all([prices.usd(tokenIn), prices.usd(tokenOut)]);
  if (usdIn === undefined || usdOut === undefined) {
    throw new OrderError(
      `The Aave oracle has no price for ${usdIn === undefined ? tokenIn.symbol : tokenOut.symbol}; a standing order acts only on prices from the chain.`,
    );
  }
  const pool = await deepestPool(env.publicClient, env.chain, tokenIn.address, tokenOut.address);
  const policy = getPolicy(env.db, userId);
  let minAmountOut: bigint;
  let condition: DailySwapGrant['condition'];
  if (request.when) {
    if (request.maxPrice !== undefined)
      throw new OrderError('A price order takes its price from `when`, not a maximum.');
    const price = Number(request.when.price);
    if (!Number.isFinite(price) || price <= 0) {
      throw new OrderError(`"${request.when.price}" is not a price.`, {
        hint: `Give the price of 1 ${tokenIn.symbol} in ${tokenOut.symbol}, e.g. 3300.`,
      });
    }
    const now = await poolTwapPrice(env.publicClient, pool.address, tokenIn, tokenOut);
    if (now !== undefined && (request.when.direction === 'above' ? now > price : now < price)) {
      throw new OrderError(
        `${tokenIn.symbol} is already ${request.when.direction} ${price} ${tokenOut.symbol} (its 10-minute average is ${round(now)}), so this would run at once.`,
        { hint: 'Ask for the swap now instead, or give a price it has not reached.' },
      );
    }
    condition = { direction: request.when.direction, price, pool: pool.address };
    // The floor: the order's own price, less the user's slippage ceiling.
    const atPrice = Number(formatUnits(amountIn, tokenIn.decimals)) * price * (1 - policy.maxSlippageBps / 10_000);
    minAmountOut = parseUnits(trimDecimals(atPrice, tokenOut.decimals), tokenOut.decimals);
  } else {
    minAmountOut = dailyFloor(request, amountIn, tokenIn, tokenOut, usdOut / usdIn);
  }

  const dailyUsd = usdValue(amountIn, tokenIn.decimals, usdIn);
  if (dailyUsd > policy.maxPlanUsd || dailyUsd > policy.maxDailyUsd) {
    throw new OrderError(
      `${request.when ? 'The swap' : 'Each day'} would move $${round(dailyUsd)}, over your limit of $${Math.min(policy.maxPlanUsd, policy.maxDailyUsd)} ${dailyUsd > policy.maxPlanUsd ? 'per plan' : 'a day'}.`,
      { hint: 'Ask for a smaller amount, or raise the limit with `sextant policy set`.' },
    );
  }

  const start = (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
  const terms: DailySwapGrant = {
    user: account,
    agent,
    tokenIn: { address: tokenIn.address, symbol: tokenIn.symbol, decimals: tokenIn.decimals },
    tokenOut: { address: tokenOut.address, symbol: tokenOut.symbol, decimals: tokenOut.decimals },
    amountIn,
    minAmountOut,
    fee: pool.fee,
    router,
    protocol: 'Uniswap V3',
    start,
    days: request.days,
    salt: BigInt(`0x${randomBytes(8).toString('hex')}`) << 64n,
    enforcers,
    ...(condition ? { condition, periodSeconds: DAY * BigInt(request.days) } : {}),
  };
  const built = grantOf({ kind: condition ? 'price-swap' : 'daily-swap', terms });
  const runs = condition ? 1 : request.days;
  const fund = await agentGasFund(env, agent, runs, runs === 1 ? 'swap' : `${runs} swaps`);
  const { agentGas } = fund;
  const words = `${built.words} ${fund.words}`;
  const order = insertOrder(env.db, {
    id: newOrderId(),
    userId,
    chainId: env.chain.chainId,
    account,
    agent,
    kind: condition ? 'price-swap' : 'daily-swap',
    terms,
    // Unsigned until confirmed; the signed ones replace them (recordGrant).
    delegations: built.delegations.map((d) => ({ ...d, signature: '0x' })),
    words,
    status: 'proposed',
    grantExecutionId: null,
    agentGas,
  });
  return asSwapOrder(order);
}

/** A daily swap's floor: amountIn buys at least amountIn / maxPrice of tokenOut. */
function dailyFloor(
  request: DailySwapRequest,
  amountIn: bigint,
  tokenIn: Token,
  tokenOut: Token,
  oraclePrice: number,
): bigint {
  const maxPrice =
    request.maxPrice === undefined ? oraclePrice * (1 + DEFAULT_PRICE_HEADROOM) : Number(request.maxPrice);
  if (!Number.isFinite(maxPrice) || maxPrice <= 0) {
    throw new OrderError(`"${request.maxPrice}" is not a price.`, {
      hint: `Give the most you will pay for 1 ${tokenOut.symbol}, in ${tokenIn.symbol}.`,
    });
  }
  if (maxPrice < oraclePrice) {
    throw new OrderError(
      `At most ${maxPrice} ${tokenIn.symbol} per ${tokenOut.symbol} is below the oracle's ${round(oraclePrice)} now: no day would run.`,
      { hint: 'Give a maximum above the price now, or wait for a price order (not built yet).' },
    );
  }
  if (maxPrice > oraclePrice * MAX_PRICE_OVER_ORACLE) {
    throw new OrderError(
      `At most ${maxPrice} ${tokenIn.symbol} per ${tokenOut.symbol} is over ${MAX_PRICE_OVER_ORACLE} times the oracle's ${round(oraclePrice)} now: a floor that low would let a stolen agent key sell each day's ${tokenIn.symbol} for almost nothing.`,
      {
        hint: `Give a maximum of at most ${round(oraclePrice * MAX_PRICE_OVER_ORACLE)}, or leave it out (10% above the price now).`,
      },
    );
  }
  return parseUnits(
    trimDecimals(Number(formatUnits(amountIn, tokenIn.decimals)) / maxPrice, tokenOut.decimals),
    tokenOut.decimals,
  );
}

export function listedToken(chain: Chain, symbol: string): Token {
  const token = chain.tokens.find((t) => t.symbol.toUpperCase() === symbol.toUpperCase() && t.listed !== false);
  if (!token) {
    throw new OrderError(`${symbol} is not a listed token on ${chain.name}.`, {
      hint: `Use one of ${chain.tokens.map((t) => t.symbol).join(', ')}.`,
    });
  }
  return token;
}

export function parseAmount(amount: string, token: Token): bigint {
  if (!/^\d+(\.\d+)?$/.test(amount.trim())) {
    throw new OrderError(`"${amount}" is not an amount.`, {
      hint: `Give the ${token.symbol} to spend each day, as a number: 50.`,
    });
  }
  const units = parseUnits(amount.trim(), token.decimals);
  if (units <= 0n) throw new OrderError('A daily swap needs an amount above 0.');
  return units;
}

/** The pool of the pair with the most liquidity in range, across the fee tiers. */
async function deepestPool(
  client: PublicClient,
  chain: Chain,
  a: Address,
  b: Address,
): Promise<{ fee: number; address: Address }> {
  const factory = chain.contracts.uniswapV3?.factory as Address;
  const pools = await Promise.all(
    FEE_TIERS.map(async (fee) => {
      const address = await client.readContract({
        address: factory,
        abi: factoryAbi,
        functionName: 'getPool',
        args: [a, b, fee],
      });
      if (address === zeroAddress) return { fee, address, liquidity: 0n };
      return {
        fee,
        address,
        liquidity: await client.readContract({ address, abi: poolAbi, functionName: 'liquidity' }),
      };
    }),
  );
  const best = pools.reduce((x, y) => (y.liquidity > x.liquidity ? y : x));
  if (best.liquidity === 0n) throw new OrderError('There is no Uniswap V3 pool with liquidity for this pair.');
  return best;
}

function trimDecimals(value: number, decimals: number): string {
  return value.toFixed(Math.min(decimals, 18)).replace(/\.?0+$/, '');
}

function round(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
