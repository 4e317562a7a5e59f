import { Hono } from 'hono';
import type { Address, LocalAccount } from 'viem';
import { z } from 'zod';
import { validate } from '../../common/http-edge.ts';
import { accountChoiceOf } from '../../smart-accounts/users.ts';
import type { AgentDeps } from '../agent.ts';
import { ensureAgentKey } from './agent-key.ts';
import { MAX_GRANT_DAYS } from './daily-swap-grant.ts';
import { OrderError } from './errors.ts';
import { cancelOrder, confirmOrder, pauseOrder, resumeOrder } from './lifecycle.ts';
import { proposeClaimRewards } from './propose-claim-rewards.ts';
import { proposeDailySwap } from './propose-daily-swap.ts';
import { proposeRepayGuard } from './propose-repay-guard.ts';
import { getOrder, listOrders, type Order } from './store.ts';
import { type OrderView, orderView } from './view.ts';

export type OrderDependencies = {
  agent: AgentDeps;
  /** The user's owner address and account (their own address once upgraded to the DeleGator). */
  userAccount: (userId: string) => Promise<{ owner: Address; account: Address }>;
  /**
   * The passphrase the server was started with (SEXTANT_PASSPHRASE), which seals each user's agent
   * key; without it the server cannot run orders while the user is away, so it does not take them.
   */
  passphrase?: string | undefined;
};

export type OrderRoutesDependencies = OrderDependencies & {
  /** The user's owner key, unlocked, to sign the grant or the revocation; PassphraseRequiredError (423) when locked. */
  unlock: (userId: string) => Promise<LocalAccount>;
};

/** A number of tokens as JSON gives it: "50" or 50 (read as its decimal text). */
const Amount = z.union([z.string().trim().min(1).max(40), z.number().positive()]).transform(String);

/** POST /v1/orders: "swap 50 USDC into ETH every day for 30 days", field by field. */
export const OrderRequestSchema = z
  .object({
    kind: z.enum(['daily-swap', 'price-swap', 'repay-guard', 'claim-rewards']),
    amount: Amount.optional().describe(
      'The `spend` tokens swapped each day ("50"); for a repay-guard, the most of `asset` repaid ("1000"); a claim-rewards order takes none.',
    ),
    spend: z.string().trim().min(1).max(20).optional().describe('Swaps: the listed token spent (a symbol: USDC).'),
    buy: z.string().trim().min(1).max(20).optional().describe('Swaps: the listed token bought (ETH buys WETH).'),
    asset: z
      .string()
      .trim()
      .min(1)
      .max(20)
      .optional()
      .describe('repay-guard only: the listed token whose Aave V3 variable debt is repaid (USDC).'),
    healthFactorBelow: Amount.optional().describe(
      'repay-guard only: repay once the user’s Aave health factor is below this (1.5).',
    ),
    days: z.number().int().min(1).max(MAX_GRANT_DAYS),
    maxPrice: Amount.optional().describe(
      'The most paid for one `buy` token, in `spend` tokens; 10% above the Aave oracle’s price now when left out.',
    ),
    when: z
      .object({ direction: z.enum(['above', 'below']), price: Amount })
      .strict()
      .optional()
      .describe(
        'price-swap only: swap `amount` once when the pool’s 10-minute average price of one `spend` token, in `buy` tokens, goes above or below `price`; `days` is how long it waits.',
      ),
  })
  .strict()
  .refine((body) => (body.kind === 'price-swap') === (body.when !== undefined), {
    message: 'a price-swap order needs `when`, and only it takes one',
    path: ['when'],
  })
  .refine(
    (body) => body.kind !== 'claim-rewards' || Object.keys(body).every((key) => key === 'kind' || key === 'days'),
    {
      message:
        'a claim-rewards order takes only `days` (it claims the user’s emission rewards as each epoch is distributed)',
      path: ['kind'],
    },
  )
  .refine((body) => body.kind === 'claim-rewards' || body.amount !== undefined, {
    message: 'an order other than claim-rewards needs `amount`',
    path: ['amount'],
  })
  .refine(
    (body) =>
      body.kind === 'repay-guard' ||
      body.kind === 'claim-rewards' ||
      (body.spend !== undefined && body.buy !== undefined),
    {
      message: 'a swap order needs `spend` and `buy`',
      path: ['spend'],
    },
  )
  .refine(
    (body) =>
      body.kind === 'repay-guard'
        ? body.asset !== undefined &&
          body.healthFactorBelow !== undefined &&
          body.spend === undefined &&
          body.buy === undefined
        : body.asset === undefined && body.healthFactorBelow === undefined,
    {
      message: 'a repay-guard takes `asset` and `healthFactorBelow` (and no `spend` or `buy`), and only it does',
      path: ['asset'],
    },
  );
export type OrderRequest = z.output<typeof OrderRequestSchema>;

/**
 * Proposes a standing order for the user: nothing is signed or sent (the user confirms the grant in
 * Sextant, on the page or the CLI). The same for the API and MCP.
 */
export async function proposeOrder(deps: OrderDependencies, userId: string, request: OrderRequest): Promise<Order> {
  const { db, env } = deps.agent;
  if (!deps.passphrase) {
    throw new OrderError(
      'Standing orders need the server to hold the passphrase: they run while you are away, with an agent key sealed by it.',
      {
        code: 'server-passphrase-required',
        status: 423,
        hint: 'Start the server with SEXTANT_PASSPHRASE set (`SEXTANT_PASSPHRASE=… sextant start`), then propose the order again.',
      },
    );
  }
  const choice = accountChoiceOf(db, userId);
  // A claim order signs no delegation (anyone may send a claim that pays the account): any mode will do.
  if (request.kind !== 'claim-rewards' && (choice.mode !== 'eip7702' || choice.implementation !== 'delegator')) {
    throw new OrderError(
      "Standing orders run from your own address delegated to MetaMask's EIP-7702 DeleGator, which can hold delegations.",
      {
        hint: 'Run `sextant account upgrade --implementation delegator` first (your address stays yours; `downgrade` undoes it).',
      },
    );
  }
  const { account } = await deps.userAccount(userId);
  await ensureAgentKey(db, userId, deps.passphrase);
  const chain = { db, chain: env.chain, publicClient: env.publicClient };
  if (request.kind === 'claim-rewards') {
    return proposeClaimRewards(chain, deps.agent.rewards, userId, account, { days: request.days });
  }
  const amount = request.amount ?? '';
  if (request.kind === 'repay-guard') {
    return proposeRepayGuard(chain, userId, account, {
      amount,
      asset: request.asset ?? '',
      healthFactorBelow: request.healthFactorBelow ?? '',
      days: request.days,
    });
  }
  return proposeDailySwap(chain, userId, account, {
    amount,
    spend: request.spend ?? '',
    buy: request.buy ?? '',
    days: request.days,
    ...(request.maxPrice === undefined ? {} : { maxPrice: request.maxPrice }),
    ...(request.when ? { when: request.when } : {}),
  });
}

/** The user's orders on this chain as shown, newest first. */
export async function orderViews(deps: Pick<OrderDependencies, 'agent'>, userId: string): Promise<OrderView[]> {
  const { db, env } = deps.agent;
  const orders = listOrders(db, userId).filter((order) => order.chainId === env.chain.chainId);
  if (orders.length === 0) return [];
  const chainTime = await latestTime(deps);
  return orders.map((order) => orderView(db, order, chainTime));
}

async function latestTime(deps: Pick<OrderDependencies, 'agent'>): Promise<bigint> {
  return (await deps.agent.env.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
}

type Env = { Variables: { userId: string } };

/**
 * Standing orders over HTTP: list, show, propose, confirm (the user's owner key signs the grant),
 * pause, resume and cancel (revoked on chain). Each acts for the signed-in user only; another user's
 * order is a 404, exactly as a missing one. Refusals are OrderErrors with their status.
 */
export function orderRoutes(deps: OrderRoutesDependencies): Hono<Env> {
  const app = new Hono<Env>();
  const { db } = deps.agent;
  const answer = async (order: Order) => ({ order: orderView(db, order, await latestTime(deps)) });

  app.get('/v1/orders', async (c) => c.json({ orders: await orderViews(deps, c.get('userId')) }));

  app.get('/v1/orders/:id', async (c) => c.json(await answer(getOrder(db, c.get('userId'), c.req.param('id')))));

  app.post('/v1/orders', validate('json', OrderRequestSchema), async (c) => {
    const order = await proposeOrder(deps, c.get('userId'), c.req.valid('json'));
    return c.json(await answer(order), 201);
  });

  app.post('/v1/orders/:id/confirm', async (c) => {
    const userId = c.get('userId');
    // A foreign or unknown order is a 404 before the key is unlocked; a locked key is a 423 the page
    // answers by asking for the passphrase and confirming again.
    const order = getOrder(db, userId, c.req.param('id'));
    const owner = await deps.unlock(userId);
    return c.json(await answer(await confirmOrder(deps.agent.env, owner, userId, order.id)));
  });

  app.post('/v1/orders/:id/pause', async (c) =>
    c.json(await answer(pauseOrder(deps.agent.env, c.get('userId'), c.req.param('id')))),
  );
  app.post('/v1/orders/:id/resume', async (c) =>
    c.json(await answer(resumeOrder(deps.agent.env, c.get('userId'), c.req.param('id')))),
  );

  app.post('/v1/orders/:id/cancel', async (c) => {
    const userId = c.get('userId');
    const order = getOrder(db, userId, c.req.param('id'));
    // Unlocked only when a revocation is sent (a proposal or a claim order needs none).
    return c.json(await answer(await cancelOrder(deps.agent.env, () => deps.unlock(userId), userId, order.id)));
  });

  return app;
}
