import type { LocalAccount } from 'viem';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  type Subcommands,
  serveUntilStopped,
  subcommandHelp,
  UsageError,
} from '../../common/command.ts';
import { databasePath, openDatabase } from '../../common/database.ts';
import { legLine } from '../../smart-accounts/bridge-continuations.ts';
import { type ExecutionEnvironment, executionEnvironment } from '../../smart-accounts/environment.ts';
import { WrongPassphraseError } from '../../smart-accounts/errors.ts';
import { unlockOwnerKey } from '../../smart-accounts/keystore.ts';
import { migrateSmartAccounts } from '../../smart-accounts/migrations.ts';
import { readPassphrase } from '../../smart-accounts/passphrase.ts';
import { openUserAccount } from '../../smart-accounts/user-account.ts';
import { accountChoiceOf, ensureUser } from '../../smart-accounts/users.ts';
import { confirmedAtTerminal } from '../command-session.ts';
import { migrateAgentCore } from '../migrations.ts';
import type { RewardsSource } from '../plan/rewards.ts';
import { ensureAgentKey } from './agent-key.ts';
import { MAX_CLAIM_DAYS } from './claim-rewards-grant.ts';
import { OrderError } from './errors.ts';
import { allowanceOf } from './grant.ts';
import { cancelOrder, confirmOrder, pauseOrder, resumeOrder } from './lifecycle.ts';
import { migrateOrders } from './migrations.ts';
import { proposeClaimRewards } from './propose-claim-rewards.ts';
import { proposeDailySwap } from './propose-daily-swap.ts';
import { proposeRepayGuard } from './propose-repay-guard.ts';
import type { RunnerEnvironment } from './runner.ts';
import {
  agentKeysFor,
  type OrderPass,
  orderPass,
  ordersIntervalSeconds,
  outcomeChanges,
  startOrderRunner,
} from './schedule.ts';
import { getOrder, listOrders, type Order } from './store.ts';
import { orderView, renderOrder, renderOrderLine } from './view.ts';

/**
 * `sextant orders`: standing orders from the terminal. `new` proposes a daily swap, shows the grant
 * in words and grants it once confirmed; `list`, `show`, `pause`, `resume`, `cancel` (revoked on
 * chain) and `confirm` (one proposed elsewhere: by an agent over MCP, say); `run` is the runner,
 * once or until stopped, as `sextant start` runs it inside the server.
 */

const USER_OPTION = '  --user ID    the local user (default: SEXTANT_USER, "default")';

const NEW_HELP = `Usage: sextant orders new --spend "AMOUNT TOKEN" --buy TOKEN --days N [--max-price PRICE]
                         [--when-above PRICE | --when-below PRICE] [--yes] [--json] [--user ID]
       sextant orders new --repay "AMOUNT TOKEN" --when-health-below HF --days N [--yes] [--json] [--user ID]
       sextant orders new --claim-rewards --days N [--yes] [--json] [--user ID]

Proposes a standing order that swaps AMOUNT TOKEN into the bought token once a day for N days
(1 to 31) on Uniswap V3, and grants it once you confirm: "sextant orders new --spend '50 USDC'
--buy ETH --days 30". What it prints first is the grant in words, which is all the chain will let
Sextant's agent key do: one swap a day of exactly that amount, that pair, paid to your own address,
at no worse than the maximum price (10% above the Aave oracle's price now unless --max-price names
one), until the last day; nothing else. Each day must also fit your policy's limits.

Granting signs one delegation per day with your owner key and sends one transaction from your
address: it allows the router the total and sends the agent key a little ETH for its runs' gas.
The agent key is made (and sealed with your passphrase) at your first order. The runner then makes
each day's swap: inside \`sextant start\` with SEXTANT_PASSPHRASE set, or \`sextant orders run\`.

With --when-above or --when-below it is a price order instead: ONE swap of AMOUNT TOKEN, made when
the Uniswap V3 pool's 10-minute average price of one spent token, in the bought token, crosses
PRICE; --days is how long it waits. "sextant orders new --spend '1 WETH' --buy USDC --when-above
3300 --days 7" takes profit; --when-below is a stop. The chain holds its floor (PRICE less your
slippage ceiling), not the trigger: a stolen agent key could sell early but never for less, and a
stop whose price falls through the floor before the runner acts does not sell.

With --repay and --when-health-below it is a position guard: one repayment of up to AMOUNT of
your own TOKEN debt on Aave V3, made when your Aave health factor falls below HF.

Needs your own address on MetaMask's EIP-7702 DeleGator, which can hold delegations:
\`sextant account upgrade --implementation delegator\`. One order per token spent, for now.

With --claim-rewards it is a claim order: for N days, each epoch distributed with Sextant emission
rewards for your account is claimed by the agent key as soon as the runner sees it. It needs no
permission over your funds and no DeleGator: a distributor pays the account a claim names whoever
sends it, so the agent key sends the claims itself, paying their gas from the ETH the grant sends it.

Options:
  --spend "AMOUNT TOKEN"   what each day spends: "50 USDC"
  --buy TOKEN              the token bought (ETH buys WETH)
  --days N                 how many days (1 to 31)
  --max-price PRICE        the most paid for one bought token, in the spent token (default: 10%
                           above the Aave oracle's price now)
  --when-above PRICE       a price order: swap once when the spent token's average price goes above
  --when-below PRICE       ...or below PRICE (in the bought token); --days is how long it waits
  --repay "AMOUNT TOKEN"   a position guard instead: repay up to AMOUNT of your TOKEN debt on Aave V3,
  --when-health-below HF   once, when your health factor falls below HF; --days is how long it waits
  --claim-rewards          a claim order instead: claim your emission rewards as each epoch is
                           distributed, for --days days
  --yes                    grant without asking (without a terminal, nothing is granted unless given)
  --json                   print one JSON object
${USER_OPTION}
  -h, --help               show this help`;

const CONFIRM_HELP = `Usage: sextant orders confirm ID [--yes] [--json] [--user ID]

Grants an order proposed and not yet confirmed: one an agent proposed over MCP (propose_order), or
a \`sextant orders new\` you declined. Prints the grant in words, asks you to confirm (or takes
--yes), then signs each day's delegation with your owner key and sends the grant from your address,
as \`new\` does. An agent can propose an order; only you can grant it.

Options:
  --yes        grant without asking (without a terminal, nothing is granted unless given)
  --json       print one JSON object
${USER_OPTION}
  -h, --help   show this help`;

const LIST_HELP = `Usage: sextant orders list [--json] [--user ID]

The user's standing orders, newest first: each one's id, status, what it swaps and how many of its
days have run. \`sextant orders show ID\` gives one in full.

Options:
  --json       print JSON
${USER_OPTION}
  -h, --help   show this help`;

const SHOW_HELP = `Usage: sextant orders show ID [--json] [--user ID]

One standing order in full: the grant in words, its status and why, the grant's and the
revocation's transactions, each run (day, attempt, status, transaction, error) and when the runner
looks at it next (by the chain's clock).

Options:
  --json       print JSON
${USER_OPTION}
  -h, --help   show this help`;

const PAUSE_HELP = `Usage: sextant orders pause ID [--json] [--user ID]

The runner skips the order until \`sextant orders resume ID\`; a day that passes meanwhile is not
made up. The grant stays valid on chain: \`sextant orders cancel ID\` revokes it.

Options:
  --json       print JSON
${USER_OPTION}
  -h, --help   show this help`;

const RESUME_HELP = `Usage: sextant orders resume ID [--json] [--user ID]

The runner runs a paused order again, from the day the chain's clock is in.

Options:
  --json       print JSON
${USER_OPTION}
  -h, --help   show this help`;

const CANCEL_HELP = `Usage: sextant orders cancel ID [--yes] [--json] [--user ID]

Cancels an order. A granted one is revoked on chain first: one transaction from your address (you
pay its gas) sets the router's (or the pool's) allowance of the spent token back to 0 and disables
every delegation not yet past; the order says cancelled once that landed. A proposed one is dropped,
with nothing sent. A claim order holds no permission to revoke: it is cancelled at once, and the
runner sends no more claims. Asks you to confirm a revocation (or takes --yes); opens your owner key with the
passphrase (SEXTANT_PASSPHRASE, or asked in the terminal).

Options:
  --yes        revoke without asking (without a terminal, nothing is sent unless given)
  --json       print JSON
${USER_OPTION}
  -h, --help   show this help`;

const RUN_HELP = `Usage: sextant orders run [--watch] [--interval SECONDS] [--json]

The standing orders' runner, for every user's orders on the chain: settles the executions left in
flight (reconcile), then for each live order makes the swap of the day the chain's clock is in, at
most once (priced by the Aave oracle, held to the user's policy, simulated, signed by the user's
agent key and sent), and prints what each order did. The same pass runs the legs of plans waiting on
a bridge ("… and supply it to Aave there") whose deposit has been filled, each once, signed by the
user's own key. \`sextant start\` runs the same passes inside the server. The keys open with
SEXTANT_PASSPHRASE (or a passphrase asked in the terminal); a user whose key another passphrase
seals waits.

Options:
  --watch               run a pass every --interval seconds until Ctrl-C (only what changed is printed)
  --interval SECONDS    between passes with --watch (default: ORDERS_INTERVAL_SECONDS, else 30 on
                        the devnet, 60 elsewhere)
  --json                print one JSON object per pass
  -h, --help            show this help`;

const HELP = `Usage: sextant orders [list|show|new|confirm|pause|resume|cancel|run] ...

Standing orders: what Sextant's agent key does for you while you are away, within limits the chain
enforces. Four kinds: a daily swap ("swap 50 USDC into ETH every day for 30 days"), a price order
("sell 1 ETH if ETH goes above 3,300"), a position guard ("if my Aave health factor drops below
1.5, repay up to 1,000 USDC") and a claim order ("claim my rewards when an epoch settles"). You
confirm each grant in words, like a plan: delegations from your own address (on MetaMask's
EIP-7702 DeleGator) that let the agent key make exactly that call, within the amounts and times
you accept, and nothing else (a claim order needs none: anyone may send a claim that pays you).
The runner (inside \`sextant start\` with SEXTANT_PASSPHRASE, or \`sextant orders run\`) makes the
runs; cancel revokes the grant on chain.

Subcommands (each has its --help):
  list      the user's orders (the default)
  show      one order: terms, status and why, its runs and their transactions, the next check
  new       propose an order (a daily swap, a price order, a position guard, a claim order)
            and grant it after a confirmation
  confirm   grant an order proposed earlier (by an agent over MCP, say)
  pause     the runner skips it until resumed
  resume    the runner runs it again
  cancel    revoke it on chain (allowance back to 0, delegations disabled)
  run       one runner pass over every user's orders (--watch: until Ctrl-C)`;

/**
 * The data directory's database with the tables orders need, and the user (created if new); with
 * `userFlag` null (the runner, which acts for every user), no user.
 */
function openOrders(context: CommandContext, userFlag: string | undefined | null) {
  const userId = userFlag || context.settings.user;
  const db = openDatabase(databasePath(context.settings.dataDir));
  try {
    migrateSmartAccounts(db);
    migrateAgentCore(db);
    migrateOrders(db);
    if (userFlag !== null) ensureUser(db, userId);
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, userId };
}

/** The order id a subcommand takes, or what to give. */
function orderId(positionals: string[], subcommand: string): string {
  const [id, ...extra] = positionals;
  if (!id) {
    throw new UsageError(`Which order? Give its id: \`sextant orders ${subcommand} ord_…\`.`, {
      hint: 'List them with `sextant orders list`.',
    });
  }
  if (extra.length > 0) throw new UsageError(`\`sextant orders ${subcommand}\` takes one order id.`);
  return id;
}

/** "50 USDC" → amount and token. */
function parseSpend(value: string | undefined): { amount: string; token: string } {
  if (value === undefined) throw new UsageError('Give what each day spends: --spend "50 USDC".');
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z][\w.]*)\s*$/.exec(value);
  if (!match) {
    throw new UsageError(`--spend takes an amount and a token, like "50 USDC", not "${value}".`);
  }
  return { amount: match[1] as string, token: match[2] as string };
}

function parseDays(value: string | undefined): number {
  if (value === undefined) throw new UsageError('Give how many days: --days 30.');
  if (!/^\d+$/.test(value)) throw new UsageError(`--days takes a whole number of days, not "${value}".`);
  return Number(value);
}

/** The account must be the user's own address on the DeleGator, which can hold delegations. */
function requireDeleGator(db: Parameters<typeof accountChoiceOf>[0], userId: string, context: CommandContext): void {
  const choice = accountChoiceOf(db, userId);
  if (choice.mode !== 'eip7702' || choice.implementation !== 'delegator') {
    const now = choice.mode === 'eip7702' ? 'your address runs Simple7702Account' : 'your account is a SimpleAccount';
    throw new OrderError(
      `Standing orders run from your own address delegated to MetaMask's EIP-7702 DeleGator, which can hold delegations; ${now}.`,
      {
        hint: `Run \`sextant account upgrade --implementation delegator${userId === context.settings.user ? '' : ` --user ${userId}`}\` first (your address stays yours; \`downgrade\` undoes it).`,
      },
    );
  }
}

/**
 * The owner key and the passphrase that opened it (SEXTANT_PASSPHRASE, or typed: a mistyped one is
 * asked again, three tries in all). The agent key is sealed with the same passphrase, so it must be
 * the one that opens the owner key.
 */
async function unlockWithPassphrase(
  db: Parameters<typeof unlockOwnerKey>[0],
  userId: string,
  purpose: string,
): Promise<{ owner: LocalAccount; passphrase: string }> {
  for (let attempt = 1; ; attempt += 1) {
    const passphrase = await readPassphrase(`${purpose} of user "${userId}"`);
    try {
      return { owner: await unlockOwnerKey(db, userId, passphrase), passphrase };
    } catch (error) {
      const typed = !process.env.SEXTANT_PASSPHRASE && process.stdin.isTTY;
      if (!(error instanceof WrongPassphraseError) || !typed || attempt >= 3) throw error;
      process.stderr.write('That passphrase does not open the key; try again.\n');
    }
  }
}

/** The latest block's time, to place an order in its days as the runner does; undefined when the chain does not answer. */
async function chainTime(env: Pick<ExecutionEnvironment, 'publicClient'> | undefined): Promise<bigint | undefined> {
  if (!env) return undefined;
  try {
    return (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
  } catch {
    return undefined;
  }
}

/** The execution environment, or undefined when no network can be resolved (list and show work without). */
function environmentOrNothing(
  db: ExecutionEnvironment['db'],
  context: CommandContext,
): ExecutionEnvironment | undefined {
  try {
    return executionEnvironment(db, context.network());
  } catch {
    return undefined;
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

/** What a declined grant prints. */
function notGranted(order: Order): string {
  return `${process.stdin.isTTY ? 'Not granted.' : 'Not granted: there is no terminal to confirm in; pass --yes to confirm.'}
Order ${order.id} stays proposed, with nothing signed or sent: \`sextant orders confirm ${order.id}\` grants it, \`sextant orders cancel ${order.id}\` drops it.
`;
}

/** What the runner does for each kind, as the grant's confirmation says it. */
const RUNNER_DOES: Record<Order['kind'], string> = {
  'daily-swap': "makes each day's swap",
  'price-swap': "makes the swap once the pool's average price crosses",
  'repay-guard': 'repays once your health factor falls below the guard',
  'claim-rewards': 'claims each epoch as it is distributed',
};

/** What a grant that was sent prints: the order's id and status, the grant's transaction, what comes next. */
function granted(order: Order, view: ReturnType<typeof orderView>): string {
  const tx = view.grant?.txHash ? `  grant   ${view.grant.status}, tx ${view.grant.txHash}\n` : '';
  if (order.status === 'active') {
    return `Granted: order ${order.id} is active.
${tx}  next    ${view.nextCheck.at ? `${view.nextCheck.at}: ` : ''}${view.nextCheck.what}
The runner ${RUNNER_DOES[order.kind]}: \`sextant start\` with SEXTANT_PASSPHRASE set, or \`sextant orders run\`.
`;
  }
  if (order.status === 'granting') {
    return `Sent: order ${order.id}'s grant has not landed yet; it is active once it does (\`sextant orders show ${order.id}\`).
${tx}`;
  }
  return `Order ${order.id} is ${order.status}${order.statusReason ? `: ${order.statusReason}` : '.'}\n${tx}`;
}

/** Shows a proposed order's grant, asks, grants it; the exit code. */
async function grant(
  context: CommandContext,
  env: ExecutionEnvironment,
  owner: LocalAccount,
  userId: string,
  order: Order,
  values: { yes?: boolean; json?: boolean },
): Promise<number> {
  if (!values.json) {
    context.stdout(`Standing order ${order.id} for user ${userId} (proposed):\n  ${order.words}\n`);
  }
  if (order.status === 'proposed' && !(await confirmedAtTerminal(values.yes))) {
    if (values.json) context.stdout(json({ granted: false, order: orderView(env.db, order, await chainTime(env)) }));
    else context.stdout(notGranted(order));
    return 1;
  }
  const after = await confirmOrder(env, owner, userId, order.id);
  const view = orderView(env.db, after, await chainTime(env));
  if (values.json) context.stdout(json({ granted: after.status === 'active', order: view }));
  else context.stdout(granted(after, view));
  return after.status === 'active' || after.status === 'granting' ? 0 : 1;
}

async function newOrder(argv: string[], context: CommandContext, deps: OrdersCommandDeps): Promise<number> {
  const { values } = parseCommandArgs('orders new', argv, {
    spend: { type: 'string' },
    buy: { type: 'string' },
    days: { type: 'string' },
    'max-price': { type: 'string' },
    'when-above': { type: 'string' },
    'when-below': { type: 'string' },
    repay: { type: 'string' },
    'when-health-below': { type: 'string' },
    'claim-rewards': { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
    user: { type: 'string' },
  });
  if (values['claim-rewards']) return newClaimOrder(values, context, deps);
  if (values.repay !== undefined || values['when-health-below'] !== undefined) return newGuard(values, context);
  const spend = parseSpend(values.spend);
  if (!values.buy) throw new UsageError('Give the token bought: --buy ETH.');
  const days = parseDays(values.days);
  if (values['when-above'] !== undefined && values['when-below'] !== undefined) {
    throw new UsageError('Give one trigger: --when-above PRICE or --when-below PRICE, not both.');
  }
  const when =
    values['when-above'] !== undefined
      ? { direction: 'above' as const, price: values['when-above'] }
      : values['when-below'] !== undefined
        ? { direction: 'below' as const, price: values['when-below'] }
        : undefined;
  const user = await openUserAccount(context, values.user || undefined);
  const { db, userId, network } = user;
  try {
    migrateAgentCore(db);
    migrateOrders(db);
    // Before any passphrase is asked: an account that cannot hold delegations cannot have orders.
    requireDeleGator(db, userId, context);
    const env = executionEnvironment(db, network);
    const { owner, passphrase } = await unlockWithPassphrase(db, userId, 'sign the standing order');
    await ensureAgentKey(db, userId, passphrase);
    const order = await proposeDailySwap(env, userId, user.account, {
      amount: spend.amount,
      spend: spend.token,
      buy: values.buy,
      days,
      ...(values['max-price'] === undefined ? {} : { maxPrice: values['max-price'] }),
      ...(when ? { when } : {}),
    });
    return await grant(context, env, owner, userId, order, values);
  } finally {
    db.close();
  }
}

/** `orders new --repay "1000 USDC" --when-health-below 1.5 --days 30`: a position guard. */
async function newGuard(
  values: {
    repay?: string | undefined;
    'when-health-below'?: string | undefined;
    days?: string | undefined;
    spend?: string | undefined;
    buy?: string | undefined;
    yes?: boolean | undefined;
    json?: boolean | undefined;
    user?: string | undefined;
  },
  context: CommandContext,
): Promise<number> {
  if (values.spend !== undefined || values.buy !== undefined) {
    throw new UsageError('A position guard takes --repay and --when-health-below, not --spend or --buy.');
  }
  const repay = parseSpend(values.repay);
  const below = values['when-health-below'];
  if (below === undefined) throw new UsageError('Give the health factor to act below: --when-health-below 1.5.');
  const days = parseDays(values.days);
  const user = await openUserAccount(context, values.user || undefined);
  const { db, userId, network } = user;
  try {
    migrateAgentCore(db);
    requireDeleGator(db, userId, context);
    const env = executionEnvironment(db, network);
    const { owner, passphrase } = await unlockWithPassphrase(db, userId, 'sign the position guard');
    await ensureAgentKey(db, userId, passphrase);
    const order = await proposeRepayGuard(env, userId, user.account, {
      amount: repay.amount,
      asset: repay.token,
      healthFactorBelow: below,
      days,
    });
    return await grant(context, env, owner, userId, order, values);
  } finally {
    db.close();
  }
}

/** `orders new --claim-rewards --days 30`: a claim order (any account mode: it signs no delegation). */
async function newClaimOrder(
  values: Record<string, string | boolean | undefined>,
  context: CommandContext,
  deps: OrdersCommandDeps,
): Promise<number> {
  const others = ['spend', 'buy', 'max-price', 'when-above', 'when-below', 'repay', 'when-health-below'].filter(
    (name) => values[name] !== undefined,
  );
  if (others.length > 0) {
    throw new UsageError(
      `A claim order takes --claim-rewards and --days only, not ${others.map((n) => `--${n}`).join(', ')}.`,
    );
  }
  const days = parseDays(values.days as string | undefined);
  if (days < 1 || days > MAX_CLAIM_DAYS) {
    throw new UsageError(`A claim order runs 1 to ${MAX_CLAIM_DAYS} days, not ${days}.`);
  }
  const user = await openUserAccount(context, (values.user as string | undefined) || undefined);
  const { db, userId, network } = user;
  try {
    migrateAgentCore(db);
    migrateOrders(db);
    const env = executionEnvironment(db, network);
    const rewards = deps.rewardsFor(env, context.settings.dataDir);
    const { owner, passphrase } = await unlockWithPassphrase(db, userId, 'grant the claim order');
    await ensureAgentKey(db, userId, passphrase);
    const order = await proposeClaimRewards(env, rewards, userId, user.account, { days });
    return await grant(context, env, owner, userId, order, {
      yes: values.yes === true,
      json: values.json === true,
    });
  } finally {
    db.close();
  }
}

async function confirm(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'orders confirm',
    argv,
    { yes: { type: 'boolean' }, json: { type: 'boolean' }, user: { type: 'string' } },
    true,
  );
  const id = orderId(positionals, 'confirm');
  const { db, userId } = openOrders(context, values.user);
  try {
    const order = getOrder(db, userId, id);
    const env = executionEnvironment(db, context.network());
    if (order.status === 'proposed' && order.kind !== 'claim-rewards') requireDeleGator(db, userId, context);
    const { owner } = await unlockWithPassphrase(db, userId, 'sign the standing order');
    return await grant(context, env, owner, userId, order, values);
  } finally {
    db.close();
  }
}

async function list(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('orders list', argv, { json: { type: 'boolean' }, user: { type: 'string' } });
  const { db, userId } = openOrders(context, values.user);
  try {
    const orders = listOrders(db, userId);
    const time = orders.length > 0 ? await chainTime(environmentOrNothing(db, context)) : undefined;
    const views = orders.map((order) => orderView(db, order, time));
    if (values.json) context.stdout(json({ orders: views }));
    else if (views.length === 0) {
      context.stdout(
        `User ${userId} has no standing orders. Make one: sextant orders new --spend "50 USDC" --buy ETH --days 30\n`,
      );
    } else context.stdout(`${views.map(renderOrderLine).join('\n')}\n`);
    return 0;
  } finally {
    db.close();
  }
}

async function show(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'orders show',
    argv,
    { json: { type: 'boolean' }, user: { type: 'string' } },
    true,
  );
  const id = orderId(positionals, 'show');
  const { db, userId } = openOrders(context, values.user);
  try {
    const view = orderView(db, getOrder(db, userId, id), await chainTime(environmentOrNothing(db, context)));
    context.stdout(values.json ? json({ order: view }) : renderOrder(view));
    return 0;
  } finally {
    db.close();
  }
}

function pauseOrResume(action: 'pause' | 'resume') {
  return async (argv: string[], context: CommandContext): Promise<number> => {
    const { values, positionals } = parseCommandArgs(
      `orders ${action}`,
      argv,
      { json: { type: 'boolean' }, user: { type: 'string' } },
      true,
    );
    const id = orderId(positionals, action);
    const { db, userId } = openOrders(context, values.user);
    try {
      const order = action === 'pause' ? pauseOrder({ db }, userId, id) : resumeOrder({ db }, userId, id);
      if (values.json) context.stdout(json({ order: orderView(db, order) }));
      else if (action === 'pause') {
        context.stdout(
          `Order ${id} is paused: the runner skips it. Its grant stays valid on chain (\`sextant orders cancel ${id}\` revokes it).\n`,
        );
      } else context.stdout(`Order ${id} is active again: the runner runs it at its next pass.\n`);
      return 0;
    } finally {
      db.close();
    }
  };
}

async function cancel(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'orders cancel',
    argv,
    { yes: { type: 'boolean' }, json: { type: 'boolean' }, user: { type: 'string' } },
    true,
  );
  const id = orderId(positionals, 'cancel');
  const { db, userId } = openOrders(context, values.user);
  try {
    const order = getOrder(db, userId, id);
    const env = executionEnvironment(db, context.network());
    if (order.status === 'cancelled') {
      if (values.json) context.stdout(json({ cancelled: true, order: orderView(db, order, await chainTime(env)) }));
      else context.stdout(`Order ${id} is already cancelled${order.statusReason ? `: ${order.statusReason}` : '.'}\n`);
      return 0;
    }
    const allowance = allowanceOf(order);
    if (order.status !== 'proposed' && allowance) {
      if (!values.json) {
        context.stdout(`Cancel standing order ${id} (${order.status}):
  ${order.words}
  Revoked on chain first: one transaction from your address ${order.account} sets the ${allowance.protocol} ${allowance.spenderName}'s allowance of ${allowance.token.symbol} back to 0 and disables each delegation not yet past (you pay its gas).
`);
      }
      if (!(await confirmedAtTerminal(values.yes))) {
        if (values.json) context.stdout(json({ cancelled: false, order: orderView(db, order, await chainTime(env)) }));
        else {
          context.stdout(
            process.stdin.isTTY
              ? 'Not cancelled: the grant stands.\n'
              : 'Not cancelled: there is no terminal to confirm in; pass --yes to confirm. The grant stands.\n',
          );
        }
        return 1;
      }
    }
    // A proposal or a claim order is cancelled with nothing signed: the passphrase only when a revocation is sent.
    const after = await cancelOrder(
      env,
      async () => (await unlockWithPassphrase(db, userId, 'sign the revocation')).owner,
      userId,
      id,
    );
    const view = orderView(db, after, await chainTime(env));
    if (values.json) context.stdout(json({ cancelled: true, order: view }));
    else {
      context.stdout(
        `Cancelled: order ${id}. ${after.statusReason ?? ''}${view.revoke?.txHash ? `\n  revoked  tx ${view.revoke.txHash}` : ''}\n`,
      );
    }
    return 0;
  } finally {
    db.close();
  }
}

/** A pass in words: the executions reconciliation settled, then each order's outcome. */
export function renderPass(pass: OrderPass, chainName: string): string {
  const lines: string[] = [];
  const settled = pass.reconciled?.settled ?? [];
  if (settled.length > 0) {
    lines.push(`Reconciled: ${settled.map((s) => `${s.id} → ${s.status}`).join(', ')}`);
  }
  if (pass.orders.length === 0) lines.push(`No live standing orders on ${chainName}.`);
  for (const { orderId, outcome } of pass.orders) lines.push(`${orderId}  ${outcome}`);
  // The legs of plans waiting on a bridge, run in the same pass (smart-accounts/bridge-continuations.ts).
  for (const { userId, legs, problem } of pass.legs ?? []) {
    if (problem) lines.push(`Legs after a bridge of ${userId}: not run now (${problem})`);
    for (const leg of legs ?? []) {
      lines.push(legLine(userId, leg));
    }
  }
  return `${lines.join('\n')}\n`;
}

async function run(argv: string[], context: CommandContext, deps: OrdersCommandDeps): Promise<number> {
  const { values } = parseCommandArgs('orders run', argv, {
    watch: { type: 'boolean' },
    interval: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.interval !== undefined && !values.watch) throw new UsageError('--interval goes with --watch.');
  const network = context.network();
  let intervalSeconds = ordersIntervalSeconds(context.settings.ordersIntervalSeconds, network);
  if (values.interval !== undefined) {
    intervalSeconds = Number(values.interval);
    if (!/^\d+(\.\d+)?$/.test(values.interval) || intervalSeconds <= 0) {
      throw new UsageError(`--interval takes a number of seconds above 0, not "${values.interval}".`);
    }
  }
  const { db } = openOrders(context, null);
  // Asked once, at the first agent key a live order needs: a pass with nothing to run asks nothing.
  // The same passphrase opens the users' own keys for the legs of their plans waiting on a bridge.
  const keys = agentKeysFor(db, () => readPassphrase('open the keys of standing orders and of legs after a bridge'));
  const execution = executionEnvironment(db, network);
  const env: RunnerEnvironment = {
    ...execution,
    agentKey: keys.agentKey,
    ownerKey: keys.ownerKey,
    rewards: deps.rewardsFor(execution, context.settings.dataDir),
  };
  if (!values.watch) {
    try {
      const pass = await orderPass(env, { reconcile: true });
      context.stdout(values.json ? json(pass) : renderPass(pass, network.chain.name));
      return 0;
    } finally {
      db.close();
    }
  }
  const changes = outcomeChanges();
  context.stderr(`Running standing orders on ${network.chain.name} every ${intervalSeconds} s; Ctrl-C stops.\n`);
  const runner = startOrderRunner(env, {
    intervalMs: intervalSeconds * 1000,
    reconcile: true,
    // Nothing else holds the process open until Ctrl-C.
    keepAlive: true,
    onPass: (pass) => {
      if (values.json)
        return context.stdout(`${JSON.stringify(pass, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
      const changed = { ...pass, orders: changes(pass.orders) };
      if (changed.orders.length > 0 || (pass.reconciled?.settled.length ?? 0) > 0) {
        context.stdout(renderPass(changed, network.chain.name));
      }
    },
    onError: (error) => context.stderr(`The pass failed: ${(error as Error).message}\n`),
  });
  return serveUntilStopped(context.stderr, async () => {
    await runner.stop();
    db.close();
  });
}

/**
 * What the command is handed from above: where claim orders find the rewards to claim (the emissions'
 * settlements, emissions/claims.ts rewardsForNetwork), which sits above agent-core.
 */
export type OrdersCommandDeps = {
  rewardsFor(env: ExecutionEnvironment, dataDir: string): RewardsSource | undefined;
};

function subcommandsWith(deps: OrdersCommandDeps): Subcommands {
  return {
    list: { help: LIST_HELP, run: list },
    show: { help: SHOW_HELP, run: show },
    new: { help: NEW_HELP, run: (argv, context) => newOrder(argv, context, deps) },
    confirm: { help: CONFIRM_HELP, run: confirm },
    pause: { help: PAUSE_HELP, run: pauseOrResume('pause') },
    resume: { help: RESUME_HELP, run: pauseOrResume('resume') },
    cancel: { help: CANCEL_HELP, run: cancel },
    run: { help: RUN_HELP, run: (argv, context) => run(argv, context, deps) },
  };
}

export function ordersCommand(deps: OrdersCommandDeps): Command {
  const subcommands = subcommandsWith(deps);
  return {
    name: 'orders',
    help: HELP,
    helpFor: subcommandHelp(subcommands),
    run(argv, context) {
      // `sextant orders` alone (or with options only) lists them.
      const [first] = argv;
      if (first === undefined || first.startsWith('-')) return list(argv, context);
      return dispatchSubcommand(
        'orders',
        subcommands,
        'sextant orders new --spend "50 USDC" --buy ETH --days 30',
      )(argv, context);
    },
  };
}
