import type { Address } from 'viem';
import { type Command, parseCommandArgs, UsageError } from '../common/command.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { accountBalances, type Balance } from './balances.ts';
import { openUserAccount } from './user-account.ts';

/** The options both account commands take (`sextant account` is agent-core/account-command.ts: it prices). */
export const USER_OPTIONS = { user: { type: 'string' }, json: { type: 'boolean' } } as const;
export const USER_OPTIONS_HELP = `Options:
  --user ID   the local user (default: SEXTANT_USER, "default")
  --json      print one JSON object
  -h, --help  show this help`;

function balanceLines(balances: Balance[]): string {
  return balances.map((balance) => `    ${balance.symbol.padEnd(5)} ${balance.amount}`).join('\n');
}

const faucetHelp = `Usage: sextant faucet [--user ID] [--json]

Devnet only: funds the user's smart account with test ETH (10), WETH (5), USDC, USDT and DAI
(10,000 each) and WBTC (0.5). Refused on any other chain.

${USER_OPTIONS_HELP}`;

export const faucetCommand: Command = {
  name: 'faucet',
  summary: "fund the user's smart account with test ETH and tokens (devnet only)",
  help: faucetHelp,
  async run(argv, context) {
    const { values } = parseCommandArgs('faucet', argv, USER_OPTIONS);
    const network = context.network();
    if (!network.isDevnet) {
      throw new UsageError(`The faucet gives test funds on the devnet only; CHAIN is ${network.chain.slug}.`, {
        hint: 'On a real network, send funds to the account address that `sextant account` shows.',
      });
    }
    const { userId, account, client } = await openUserAccount(context, values.user);
    const given = await fundFromFaucet(client, network.rpcUrl, network.chain.tokens, account as Address);
    const balances = await accountBalances(client, network.chain, account);
    if (values.json) {
      context.stdout(
        `${JSON.stringify({ user: userId, account, given, balances: balances.map(({ symbol, amount }) => ({ symbol, amount })) }, null, 2)}\n`,
      );
      return 0;
    }
    context.stdout(
      `Funded ${userId}'s account ${account} with ${given.map((g) => `${g.amount} ${g.symbol}`).join(', ')}.\n  balances\n${balanceLines(balances)}\n`,
    );
    return 0;
  },
};
