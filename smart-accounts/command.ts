import type { Address } from 'viem';
import { priceBook } from '../agent-core/plan/prices.ts';
import { type Command, parseCommandArgs, UsageError } from '../common/command.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { accountBalances, accountSummary, accountSummaryTable, type Balance, formatUsdText } from './balances.ts';
import { DEFAULT_ACCOUNT_KIND } from './smart-account.ts';
import { openUserAccount } from './user-account.ts';

/** The options both account commands take. */
const USER_OPTIONS = { user: { type: 'string' }, json: { type: 'boolean' } } as const;
const USER_OPTIONS_HELP = `Options:
  --user ID   the local user (default: SEXTANT_USER, "default")
  --json      print one JSON object
  -h, --help  show this help`;

function balanceLines(balances: Balance[]): string {
  return balances.map((balance) => `    ${balance.symbol.padEnd(5)} ${balance.amount}`).join('\n');
}

const accountHelp = `Usage: sextant account [--user ID] [--json]

Shows the user's smart account (${DEFAULT_ACCOUNT_KIND.name}): its address, whether it is deployed
yet (its first operation deploys it), its owner key's address, and what it holds, as the page's side
panel, GET /v1/account and "what's my balance?" in chat show it: ETH and every token in the chain's
token list, the reward token, Aave V3 supply and debt per reserve (valued with Aave's oracle), the
health factor and what can still be borrowed, the deposit pool's shares, and the total value (wallet
+ positions - debt). On first use it creates the user and an owner key, encrypted with the keystore
passphrase (SEXTANT_PASSPHRASE, or asked in the terminal).

${USER_OPTIONS_HELP}`;

export const accountCommand: Command = {
  name: 'account',
  summary: "show the user's smart account: balances, positions and total value (creates it on first use)",
  help: accountHelp,
  async run(argv, context) {
    const { values } = parseCommandArgs('account', argv, USER_OPTIONS);
    const { db, userId, owner, account, created, network, client } = await openUserAccount(context, values.user);
    // Priced as the server prices it: the audited price skill of the same catalog.
    await openSkillRegistry(db);
    const trusted = context.settings.skillAuditors;
    const catalog = await loadSkillCatalog(db, {
      packagesDir: skillPackagesDir(context.settings.dataDir),
      ...(trusted ? { trustedAuditors: trusted } : {}),
    });
    const prices = priceBook(catalog, createSkillContext({ chain: network.chain, client, account }));
    const summary = await accountSummary({ client, chain: network.chain, account, prices });
    if (values.json) {
      context.stdout(
        `${JSON.stringify(
          {
            user: userId,
            account,
            kind: DEFAULT_ACCOUNT_KIND.name,
            owner,
            ...summary,
            chain: { slug: network.chain.slug, name: network.chain.name, chainId: network.chain.chainId },
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    const empty = summary.balances.every((b) => b.raw === '0') && summary.positions.length === 0;
    context.stdout(
      `${created ? `Created user "${userId}" with a new owner key.\n` : ''}User ${userId} on ${network.chain.name} (chain ${network.chain.chainId})
  account   ${account}  (${DEFAULT_ACCOUNT_KIND.name}, ${summary.deployed ? 'deployed' : 'not deployed yet: its first operation deploys it'})
  owner     ${owner}
  total     ${formatUsdText(summary.totals.totalUsd)}

${accountSummaryTable(summary)}
${network.isDevnet && empty ? 'Empty: `sextant faucet` funds it on the devnet.\n' : ''}`,
    );
    return 0;
  },
};

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
