import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { accountSummary, accountSummaryTable, formatUsdText } from '../smart-accounts/balances.ts';
import { userAccountCommand } from '../smart-accounts/command.ts';
import { DEFAULT_ACCOUNT_KIND } from '../smart-accounts/smart-account.ts';
import { priceBook } from './plan/prices.ts';

export const accountCommand = userAccountCommand({
  name: 'account',
  description: `Shows the user's smart account (${DEFAULT_ACCOUNT_KIND.name}): its address, whether it is deployed
yet (its first operation deploys it), its owner key's address, and what it holds, as the page's side
panel, GET /v1/account and "what's my balance?" in chat show it: ETH and every token in the chain's
token list, the reward token, Aave V3 supply and debt per reserve (valued with Aave's oracle), the
health factor and what can still be borrowed, the deposit pool's shares, and the total value (wallet
+ positions - debt). On first use it creates the user and an owner key, encrypted with the keystore
passphrase (SEXTANT_PASSPHRASE, or asked in the terminal).`,
  async show({ db, userId, owner, account, created, network, client }, context) {
    // Priced as the server prices it: the audited price skill of the same catalog.
    await openSkillRegistry(db);
    const trusted = context.settings.skillAuditors;
    const catalog = await loadSkillCatalog(db, {
      packagesDir: skillPackagesDir(context.settings.dataDir),
      ...(trusted ? { trustedAuditors: trusted } : {}),
    });
    const prices = priceBook(catalog, createSkillContext({ chain: network.chain, client, account }));
    const summary = await accountSummary({ client, chain: network.chain, account, prices });
    const empty = summary.balances.every((b) => b.raw === '0') && summary.positions.length === 0;
    return {
      json: {
        user: userId,
        account,
        kind: DEFAULT_ACCOUNT_KIND.name,
        owner,
        ...summary,
        chain: { slug: network.chain.slug, name: network.chain.name, chainId: network.chain.chainId },
      },
      text: `${created ? `Created user "${userId}" with a new owner key.\n` : ''}User ${userId} on ${network.chain.name} (chain ${network.chain.chainId})
  account   ${account}  (${DEFAULT_ACCOUNT_KIND.name}, ${summary.deployed ? 'deployed' : 'not deployed yet: its first operation deploys it'})
  owner     ${owner}
  total     ${formatUsdText(summary.totals.totalUsd)}

${accountSummaryTable(summary)}
${network.isDevnet && empty ? 'Empty: `sextant faucet` funds it on the devnet.\n' : ''}`,
    };
  },
});
