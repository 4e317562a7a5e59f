import type { Address } from 'viem';
import { type Command, type CommandContext, parseCommandArgs, UsageError } from '../common/command.ts';
import type { Network } from '../common/network.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { accountBalances, type Balance } from './balances.ts';
import { openUserAccount } from './user-account.ts';

/** The user's account as a command opens it: the database, the user, the owner key, the address, the chain. */
type OpenedUserAccount = Awaited<ReturnType<typeof openUserAccount>>;

/**
 * A command about the user's smart account: `sextant faucet` below, and `sextant account`
 * (agent-core/account-command.ts, which prices the holdings with the skill catalog). Each takes
 * --user and --json and opens the account, creating the user and its owner key on first use; `show`
 * says what to print, as one JSON object (--json) or as text.
 */
export function userAccountCommand(command: {
  name: string;
  /** What the command does, for its --help; the usage line and the options are the same for each. */
  description: string;
  /** Refuses the network before the account is opened, so that a refused command creates no user. */
  checkNetwork?: (network: Network) => void;
  show(user: OpenedUserAccount, context: CommandContext): Promise<{ json: object; text: string }>;
}): Command {
  return {
    name: command.name,
    help: `Usage: sextant ${command.name} [--user ID] [--json]

${command.description}

Options:
  --user ID   the local user (default: SEXTANT_USER, "default")
  --json      print one JSON object
  -h, --help  show this help`,
    async run(argv, context) {
      const { values } = parseCommandArgs(command.name, argv, { user: { type: 'string' }, json: { type: 'boolean' } });
      if (command.checkNetwork) command.checkNetwork(context.network());
      const shown = await command.show(await openUserAccount(context, values.user), context);
      context.stdout(values.json ? `${JSON.stringify(shown.json, null, 2)}\n` : shown.text);
      return 0;
    },
  };
}

function balanceLines(balances: Balance[]): string {
  return balances.map((balance) => `    ${balance.symbol.padEnd(5)} ${balance.amount}`).join('\n');
}

export const faucetCommand = userAccountCommand({
  name: 'faucet',
  description: `Devnet only: funds the user's smart account with test ETH (10), WETH (5), USDC, USDT and DAI
(10,000 each) and WBTC (0.5). Refused on any other chain.`,
  checkNetwork(network) {
    if (!network.isDevnet) {
      throw new UsageError(`The faucet gives test funds on the devnet only; CHAIN is ${network.chain.slug}.`, {
        hint: 'On a real network, send funds to the account address that `sextant account` shows.',
      });
    }
  },
  async show({ userId, account, client, network }) {
    const given = await fundFromFaucet(client, network.rpcUrl, network.chain.tokens, account as Address);
    const balances = await accountBalances(client, network.chain, account);
    return {
      json: { user: userId, account, given, balances: balances.map(({ symbol, amount }) => ({ symbol, amount })) },
      text: `Funded ${userId}'s account ${account} with ${given.map((g) => `${g.amount} ${g.symbol}`).join(', ')}.\n  balances\n${balanceLines(balances)}\n`,
    };
  },
});
