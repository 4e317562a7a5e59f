import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type Address, formatEther } from 'viem';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  type Subcommands,
  subcommandHelp,
  UsageError,
} from '../common/command.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { accountBalances, accountSummary, accountSummaryTable, formatUsdText } from '../smart-accounts/balances.ts';
import { cancelOperation } from '../smart-accounts/cancel.ts';
import { userAccountCommand } from '../smart-accounts/command.ts';
import {
  applyDelegationChange,
  type DelegationChange,
  type DelegationChangeResult,
  IMPLEMENTATION_NAMES,
  previewDelegationChange,
  readDelegation,
} from '../smart-accounts/eip7702.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { KeystoreError } from '../smart-accounts/errors.ts';
import { getExecution } from '../smart-accounts/executions.ts';
import { previewGasWithdrawal, withdrawGasDeposit } from '../smart-accounts/gas-deposit.ts';
import { importOwnerKey, ownerAddress } from '../smart-accounts/keystore.ts';
import { migrateSmartAccounts } from '../smart-accounts/migrations.ts';
import { readHidden, readPassphrase } from '../smart-accounts/passphrase.ts';
import {
  type AccountKind,
  accountKindOf,
  simpleAccountV08,
  smartAccountAddress,
} from '../smart-accounts/smart-account.ts';
import { type AccountMode, type Eip7702Implementation, ensureUser } from '../smart-accounts/users.ts';
import { confirmedAtTerminal, notExecuted, unlockOwner } from './command-session.ts';
import { priceBook } from './plan/prices.ts';

/**
 * `sextant account`: the user's account as the page shows it, and the owner key's life: `import` an
 * existing key (or mnemonic) as the user's owner key, `upgrade` its own address into the smart
 * account (EIP-7702) and `downgrade` it back.
 */

/** The account mode in one line: which contract the account is, and where. */
function modeLine(kind: AccountKind, account: Address, implementation: Address | null): string {
  if (kind.implementation === null) return `SimpleAccount (EntryPoint v0.8) at ${account}`;
  const name = IMPLEMENTATION_NAMES[kind.implementation];
  return implementation
    ? `EIP-7702: your own address ${account}, delegated to ${name} ${implementation}`
    : `EIP-7702: your own address ${account}, delegated to ${name} by its next operation`;
}

/** A mode with its implementation, as the upgrade and downgrade say it ("eip7702 (delegator)"). */
function modeWords(mode: AccountMode, implementation: Eip7702Implementation | null): string {
  return implementation === null ? mode : `${mode} (${implementation})`;
}

const showCommand = userAccountCommand({
  name: 'account',
  description: `Shows the user's account: its address and mode, whether it is deployed yet (its first
operation deploys it), its owner key's address, and what it holds, as the page's side panel,
GET /v1/account and "what's my balance?" in chat show it: ETH and every token in the chain's token
list, the reward token, Aave V3 supply and debt per reserve (valued with Aave's oracle), the health
factor and what can still be borrowed, the deposit pool's shares, and the total value (wallet +
positions - debt). On first use it creates the user and an owner key, encrypted with the keystore
passphrase (SEXTANT_PASSPHRASE, or asked in the terminal).

The mode: "simple-account" (the default) is a SimpleAccount (EntryPoint v0.8) at an address of its
own, owned by the key; "eip7702" is the key's own address, delegated to Simple7702Account or to
MetaMask's EIP-7702 DeleGator (which can hold delegations with caveats, for standing orders), so
plans run from where your funds already are. \`sextant account upgrade\` and \`downgrade\` switch.`,
  async show({ db, userId, owner, account, kind, created, network, client }, context) {
    // Priced as the server prices it: the audited price skill of the same catalog.
    await openSkillRegistry(db);
    const trusted = context.settings.skillAuditors;
    const catalog = await loadSkillCatalog(db, {
      packagesDir: skillPackagesDir(context.settings.dataDir),
      ...(trusted ? { trustedAuditors: trusted } : {}),
    });
    const prices = priceBook(catalog, createSkillContext({ chain: network.chain, client, account }));
    const [summary, delegation] = await Promise.all([
      accountSummary({ client, chain: network.chain, account, prices }),
      kind.mode === 'eip7702' ? readDelegation(client, account) : undefined,
    ]);
    const implementation = delegation?.kind === 'delegated' ? delegation.implementation : null;
    const empty = summary.balances.every((b) => b.raw === '0') && summary.positions.length === 0;
    const state =
      kind.mode === 'eip7702'
        ? 'your own address'
        : `${kind.name}, ${summary.deployed ? 'deployed' : 'not deployed yet: its first operation deploys it'}`;
    return {
      json: {
        user: userId,
        account,
        kind: kind.name,
        accountMode: kind.mode,
        eip7702Implementation: kind.implementation,
        implementation,
        owner,
        ...summary,
        chain: { slug: network.chain.slug, name: network.chain.name, chainId: network.chain.chainId },
      },
      text: `${created ? `Created user "${userId}" with a new owner key.\n` : ''}User ${userId} on ${network.chain.name} (chain ${network.chain.chainId})
  account   ${account}  (${state})
  mode      ${modeLine(kind, account, implementation)}
  owner     ${owner}
  total     ${formatUsdText(summary.totals.totalUsd)}

${accountSummaryTable(summary)}
${network.isDevnet && empty ? `Empty: \`sextant faucet\` funds it on the devnet.\n` : ''}`,
    };
  },
});

/** The user's database, migrated, and the user (created if new): for the subcommands that change the key or mode. */
function openAccounts(context: CommandContext, userFlag: string | undefined) {
  const userId = userFlag || context.settings.user;
  const db = openDatabase(databasePath(context.settings.dataDir));
  migrateSmartAccounts(db);
  ensureUser(db, userId);
  return { db, userId };
}

const IMPORT_HELP = `Usage: sextant account import [--key FILE|env:NAME] [--mnemonic-index N] [--user ID] [--json]

Makes an existing key the user's owner key: a private key (64 hex digits, 0x optional) or a BIP-39
mnemonic (12 to 24 words; the account at m/44'/60'/0'/0/N). It is stored encrypted in the keystore
with the keystore passphrase (SEXTANT_PASSPHRASE, or asked in the terminal), like a created one.
The user starts in simple-account mode (a SimpleAccount owned by the key, at an address of its own);
\`sextant account upgrade\` then makes the key's own address, where its funds are, the account.

The key or mnemonic is read from a file, from an environment variable, or typed at the terminal
(not shown); never from the command line, where it would stay in the shell's history.
Refused for a user who already has an owner key (import it for a new user: --user NEW_ID) and for
a key another user already has.

Options:
  --key FILE|env:NAME   where the key or mnemonic is (default: typed at the terminal, not shown)
  --mnemonic-index N    for a mnemonic, the account index N in m/44'/60'/0'/0/N (default 0)
  --user ID             the local user (default: SEXTANT_USER, "default")
  --json                print one JSON object
  -h, --help            show this help`;

/** 64 hex digits, or several words: what a private key or a mnemonic on the command line looks like. */
function looksLikeSecret(value: string): boolean {
  const trimmed = value.trim();
  return /^(0x)?[0-9a-fA-F]{64}$/.test(trimmed) || /\s/.test(trimmed);
}

/** The key or mnemonic from --key (a file or env:NAME), or typed at the terminal. */
async function readImportSecret(value: string | undefined): Promise<string> {
  if (value === undefined) {
    if (!process.stdin.isTTY) {
      throw new UsageError('There is no terminal to type the key or mnemonic in.', {
        hint: 'Give --key FILE (a file holding it, chmod 600) or --key env:NAME.',
      });
    }
    return readHidden('Private key or mnemonic (not shown): ');
  }
  let secret: string | undefined;
  if (looksLikeSecret(value)) {
    throw new UsageError(
      'Refusing a private key or mnemonic on the command line (it would stay in your shell history).',
      {
        hint: 'Put it in a file (chmod 600) and pass the path, use --key env:NAME, or leave --key out to type it unseen.',
      },
    );
  }
  if (value.startsWith('env:')) {
    secret = process.env[value.slice(4)];
    if (!secret) throw new UsageError(`The environment variable ${value.slice(4)} is not set.`);
  } else {
    if (!existsSync(value)) throw new UsageError(`There is no file at ${value}.`);
    secret = readFileSync(value, 'utf8');
  }
  return secret.trim();
}

async function importKey(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'account import',
    argv,
    {
      key: { type: 'string' },
      'mnemonic-index': { type: 'string' },
      user: { type: 'string' },
      json: { type: 'boolean' },
    },
    // Taken so that a key typed as an argument is refused without being repeated in the error.
    true,
  );
  if (positionals.length > 0) {
    throw new UsageError(
      '`sextant account import` takes no arguments: a key or mnemonic is never read from the command line.',
      {
        hint: 'Give --key FILE or --key env:NAME, or leave --key out to type it unseen.',
      },
    );
  }
  let addressIndex: number | undefined;
  if (values['mnemonic-index'] !== undefined) {
    addressIndex = Number(values['mnemonic-index']);
    if (!/^\d+$/.test(values['mnemonic-index']) || addressIndex >= 2 ** 31) {
      throw new UsageError(
        `--mnemonic-index takes a whole number from 0 to 2^31 - 1, not "${values['mnemonic-index']}".`,
      );
    }
  }
  const { db, userId } = openAccounts(context, values.user);
  try {
    // Before the key is asked for: a user who has one keeps it.
    const existing = ownerAddress(db, userId);
    if (existing) {
      throw new KeystoreError(`User "${userId}" already has an owner key (${existing}); it is never replaced.`, {
        hint: `Import the key for a new user: \`sextant account import --user NEW_ID\` (then use --user NEW_ID or SEXTANT_USER=NEW_ID).`,
      });
    }
    const secret = await readImportSecret(values.key);
    if (addressIndex !== undefined && /^(0x)?[0-9a-fA-F]{64}$/.test(secret)) {
      throw new UsageError('--mnemonic-index is for a mnemonic; this is a private key.');
    }
    const passphrase = await readPassphrase(`encrypt the imported owner key of user "${userId}"`);
    const owner = await importOwnerKey(
      db,
      userId,
      passphrase,
      secret,
      addressIndex === undefined ? {} : { addressIndex },
    );
    // The key is stored: the SimpleAccount's address is a courtesy, and a chain that does not answer
    // now must not make a done import look failed.
    const simpleAccount = await (async () => {
      try {
        const network = context.network();
        const client = executionEnvironment(db, network).publicClient;
        return await smartAccountAddress(client, network.chain, owner, simpleAccountV08);
      } catch {
        return null;
      }
    })();
    if (values.json) {
      context.stdout(
        `${JSON.stringify({ user: userId, owner, accountMode: 'simple-account', account: simpleAccount, kind: simpleAccountV08.name }, null, 2)}\n`,
      );
      return 0;
    }
    context.stdout(`Imported ${owner} as the owner key of user "${userId}" (encrypted in the keystore).
It is now ${userId}'s account, in simple-account mode: plans run from a SimpleAccount (EntryPoint v0.8)
${simpleAccount ? `at ${simpleAccount}` : '(the chain did not answer: `sextant account` shows its address)'}, owned by this key; what ${owner} itself holds is not used.
Next: \`sextant account upgrade${userId === context.settings.user ? '' : ` --user ${userId}`}\` makes ${owner} itself the smart account (EIP-7702): your funds
stay where they are and plans run from there (it sends one transaction from ${owner}; you confirm it first).
`);
    return 0;
  } finally {
    db.close();
  }
}

function delegationHelp(action: 'upgrade' | 'downgrade'): string {
  if (action === 'upgrade') {
    return `Usage: sextant account upgrade [--implementation simple7702|delegator] [--via transaction|first-operation]
                              [--yes] [--user ID] [--json]

Makes the owner key's own address the user's smart account (EIP-7702): it delegates to an
implementation, so plans run as one batch from the address your funds are on, and it stays a
normal address for your key (account mode "eip7702"). Shows what will happen (the delegation
before and after, the gas and the fee) and asks for a confirmation, like a plan.

--implementation simple7702 (the default): Simple7702Account (EntryPoint v0.8).
--implementation delegator: MetaMask's EIP-7702 DeleGator (delegation framework 1.3.0, EntryPoint
v0.7), which can hold delegations with caveats, which standing orders need.
Either way a batch is a UserOperation through the bundler (a paymaster can sponsor it) or, with no
bundler, one transaction the address sends itself. Upgrading to one while the address delegates to
the other replaces that delegation (sent as a type-4 transaction).

--via transaction (the default): the address sends itself one type-4 transaction carrying the
authorization now, and pays its gas. --via first-operation: nothing is sent now; the next operation
carries the authorization, through the bundler (a paymaster can sponsor it).
\`sextant account downgrade\` undoes it.

Options:
  --implementation simple7702|delegator   what the address delegates to (default simple7702)
  --via transaction|first-operation   how the authorization goes on chain (default transaction)
  --yes        confirm without asking (without a terminal, nothing is sent unless given)
  --user ID    the local user (default: SEXTANT_USER, "default")
  --json       print one JSON object
  -h, --help   show this help`;
  }
  return `Usage: sextant account downgrade [--yes] [--user ID] [--json]

Undoes \`sextant account upgrade\`: the address sends itself one type-4 transaction with an
authorization to the zero address, which clears its delegation (EIP-7702); the user is back in
simple-account mode (a SimpleAccount owned by the key, at an address of its own). Funds on the
address stay there. Shows what will happen (gas and fee) and asks for a confirmation, like a plan.

Options:
  --yes        confirm without asking (without a terminal, nothing is sent unless given)
  --user ID    the local user (default: SEXTANT_USER, "default")
  --json       print one JSON object
  -h, --help   show this help`;
}

/** A change or its result as JSON: bigints as decimal strings. */
function json(value: object): string {
  return `${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

/** What the change did, in words. */
function changed(change: DelegationChange, result: DelegationChangeResult, simpleAccount: Address | null): string {
  const sent = result.txHash ? ` (type-4 transaction ${result.txHash})` : '';
  if (change.action === 'downgrade') {
    return `Downgraded${sent}: ${change.address} delegates to nothing; it is a plain address again.
The account is the SimpleAccount at ${simpleAccount} (simple-account mode); funds on ${change.address} stay there.
`;
  }
  const which = change.implementationAfter ?? 'simple7702';
  const name = IMPLEMENTATION_NAMES[which];
  if (result.delegatedTo) {
    return `Upgraded${sent}: the account is your own address ${change.address}, delegated to ${name} ${result.delegatedTo} (eip7702 mode).
`;
  }
  return `Upgraded: the account is your own address ${change.address} (eip7702 mode); its next operation carries the delegation to ${name}.
`;
}

function delegationCommand(action: 'upgrade' | 'downgrade') {
  return async (argv: string[], context: CommandContext): Promise<number> => {
    const { values } = parseCommandArgs(`account ${action}`, argv, {
      ...(action === 'upgrade' ? { via: { type: 'string' }, implementation: { type: 'string' } } : {}),
      yes: { type: 'boolean' },
      user: { type: 'string' },
      json: { type: 'boolean' },
    });
    const viaFlag = (values as { via?: string }).via;
    if (viaFlag !== undefined && viaFlag !== 'transaction' && viaFlag !== 'first-operation') {
      throw new UsageError(`--via takes transaction or first-operation, not "${viaFlag}".`);
    }
    const via = viaFlag ?? 'transaction';
    const implementationFlag = (values as { implementation?: string }).implementation;
    if (implementationFlag !== undefined && implementationFlag !== 'simple7702' && implementationFlag !== 'delegator') {
      throw new UsageError(`--implementation takes simple7702 or delegator, not "${implementationFlag}".`);
    }
    const implementation: Eip7702Implementation = implementationFlag ?? 'simple7702';
    const { db, userId } = openAccounts(context, values.user);
    try {
      const owner = ownerAddress(db, userId);
      if (!owner) {
        throw new KeystoreError(`User "${userId}" has no owner key to ${action}.`, {
          hint: 'Import yours with `sextant account import`, or create one with `sextant account`.',
        });
      }
      const env = executionEnvironment(db, context.network());
      if (via === 'first-operation' && !env.bundlerUrl) {
        throw new UsageError('--via first-operation needs a bundler to carry the authorization in an operation.', {
          hint: 'Set BUNDLER_URL (and PAYMASTER_URL to sponsor it), or leave --via out to send a transaction.',
        });
      }
      const change = await previewDelegationChange(env, userId, owner, action, { via, implementation });
      if (!values.json) {
        context.stdout(
          `${action === 'upgrade' ? 'Upgrade' : 'Downgrade'} user ${userId}'s account: ${modeWords(change.modeBefore, change.implementationBefore)} → ${modeWords(change.modeAfter, change.implementationAfter)}\n${change.summary.map((line) => `  ${line}`).join('\n')}\n`,
        );
      }
      if (action === 'upgrade' && change.modeBefore === 'simple-account') {
        // What the SimpleAccount holds stays there: said before the person confirms, not discovered after.
        const simpleAccount = await smartAccountAddress(env.publicClient, env.chain, owner, simpleAccountV08);
        const held = (await accountBalances(env.publicClient, env.chain, simpleAccount)).filter((b) => b.raw > 0n);
        if (held.length > 0 && !values.json) {
          context.stdout(
            `  Your SimpleAccount ${simpleAccount} holds ${held.map((b) => `${b.amount} ${b.symbol}`).join(', ')}: it stays there (send it to ${owner} first, or downgrade later to use it again).\n`,
          );
        }
      }
      if (
        !change.sendsAuthorization &&
        change.modeBefore === change.modeAfter &&
        change.implementationBefore === change.implementationAfter
      ) {
        if (values.json) context.stdout(json({ change, applied: false, result: null }));
        else {
          context.stdout(
            `Nothing to do: the account is already in ${modeWords(change.modeAfter, change.implementationAfter)} mode.\n`,
          );
        }
        return 0;
      }
      if (change.sendsAuthorization && change.fee !== null) {
        const balance = await env.publicClient.getBalance({ address: owner });
        if (balance < change.fee) {
          throw new KeystoreError(
            `${owner} holds ${formatEther(balance)} ${env.chain.nativeSymbol}; the ${action} transaction may cost up to ${formatEther(change.fee)}.`,
            {
              hint:
                action === 'upgrade'
                  ? `Send some ${env.chain.nativeSymbol} to ${owner} first, or use --via first-operation with a paymaster.`
                  : `Send some ${env.chain.nativeSymbol} to ${owner} first.`,
            },
          );
        }
      }
      if (!(await confirmedAtTerminal(values.yes))) {
        if (values.json) context.stdout(json({ change, applied: false, result: null }));
        else context.stdout(notExecuted());
        return 1;
      }
      const key = await unlockOwner(db, userId);
      const result = await applyDelegationChange(env, key, change);
      const kind: AccountKind = accountKindOf({ mode: result.mode, implementation: result.implementation });
      const account = await smartAccountAddress(env.publicClient, env.chain, owner, kind);
      if (values.json) {
        context.stdout(json({ change, applied: true, result, account, kind: kind.name }));
      } else {
        context.stdout(changed(change, result, kind.mode === 'eip7702' ? null : account));
      }
      return 0;
    } finally {
      db.close();
    }
  };
}

const WITHDRAW_GAS_HELP = `Usage: sextant account withdraw-gas [--yes] [--user ID] [--json]

Takes the account's gas deposit back into the account: the ETH the EntryPoint holds for it (what its
operations did not use of the gas they prefunded; \`sextant account\` shows it as "Gas deposit"). It
says what it withdraws and asks to confirm. An operation through the bundler pays its own gas from
that deposit, so there it leaves what its gas may need (what it does not use stays as the deposit);
an address that sends its own transactions (EIP-7702 without a bundler) takes it all.

Options:
  --yes        confirm without asking
  --user ID    the local user (default: SEXTANT_USER, "default")
  --json       print one JSON object
  -h, --help   show this help`;

async function withdrawGas(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('account withdraw-gas', argv, {
    yes: { type: 'boolean' },
    user: { type: 'string' },
    json: { type: 'boolean' },
  });
  const { db, userId } = openAccounts(context, values.user);
  try {
    const owner = ownerAddress(db, userId);
    if (!owner) {
      throw new KeystoreError(`User "${userId}" has no owner key, so no account to withdraw from.`, {
        hint: 'Create one with `sextant account`, or import yours with `sextant account import`.',
      });
    }
    const env = executionEnvironment(db, context.network());
    const withdrawal = await previewGasWithdrawal(env, userId, owner);
    if (withdrawal.calls.length === 0) {
      if (values.json) context.stdout(json({ withdrawal, applied: false, execution: null }));
      else {
        context.stdout(
          withdrawal.deposits.length === 0
            ? `Nothing to withdraw: no EntryPoint holds ETH for ${withdrawal.account}.\n`
            : `Nothing to withdraw: ${withdrawal.summary.join('; ')}.\n`,
        );
      }
      return 0;
    }
    if (!values.json) {
      context.stdout(
        `Withdraw the gas deposit of user ${userId}'s account ${withdrawal.account}:\n${withdrawal.summary.map((line) => `  ${line}`).join('\n')}\n`,
      );
    }
    if (!(await confirmedAtTerminal(values.yes))) {
      if (values.json) context.stdout(json({ withdrawal, applied: false, execution: null }));
      else context.stdout(notExecuted());
      return 1;
    }
    const key = await unlockOwner(db, userId);
    const execution = await withdrawGasDeposit(env, key, userId, withdrawal, `withdraw-gas:${randomUUID()}`);
    if (values.json) context.stdout(json({ withdrawal, applied: true, execution }));
    else {
      const fee = execution.feePaid ? `; its gas, ${formatEther(execution.feePaid)} ETH, was paid` : '';
      context.stdout(
        execution.status === 'succeeded'
          ? `Withdrawn (${execution.txHash}): the ETH is in ${withdrawal.account}${fee}.\n`
          : execution.status === 'submitted' || execution.status === 'pending'
            ? `Sent, not landed yet (execution ${execution.id}): it may still land. Do not withdraw again until it has; \`sextant start\` settles it.\n`
            : `Not withdrawn: ${execution.status}${execution.error ? ` (${execution.error})` : ''}${fee}.\n`,
      );
    }
    return execution.status === 'succeeded' ? 0 : 1;
  } finally {
    db.close();
  }
}

const CANCEL_OPERATION_HELP = `Usage: sextant account cancel-operation EXECUTION_ID [--yes] [--user ID] [--json]

Cancels an operation that was sent and has not landed (its record stays "submitted": the bundler lost
it, or Sextant was stopped while sending). A signed operation never expires, so until it is cancelled
it could still land, and a plan that runs code Sextant has not vetted will not start beside it. The
cancellation is an operation of the account that does nothing, with the same nonce: once it lands,
the stuck one never can, and its record says "dropped". Had it landed meanwhile, the record says so.

Options:
  --yes        confirm without asking
  --user ID    the local user (default: SEXTANT_USER, "default")
  --json       print one JSON object
  -h, --help   show this help`;

async function cancelStuckOperation(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'account cancel-operation',
    argv,
    { yes: { type: 'boolean' }, user: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  const [executionId] = positionals;
  if (!executionId)
    throw new UsageError('Name the execution to cancel: sextant account cancel-operation EXECUTION_ID.');
  const { db, userId } = openAccounts(context, values.user);
  try {
    const env = executionEnvironment(db, context.network());
    const record = getExecution(db, userId, executionId);
    if (!values.json) {
      context.stdout(
        `Cancel execution ${record.id} of ${record.account} (${record.status} since ${record.createdAt}, ${record.calls.length} call${record.calls.length === 1 ? '' : 's'}): an operation that does nothing takes its nonce.\n`,
      );
    }
    if (!(await confirmedAtTerminal(values.yes))) {
      if (values.json) context.stdout(json({ executionId, applied: false }));
      else context.stdout(notExecuted());
      return 1;
    }
    const key = await unlockOwner(db, userId);
    const { cancellation, operation } = await cancelOperation(env, key, userId, executionId);
    if (values.json) context.stdout(json({ executionId, applied: true, cancellation, operation }));
    else {
      context.stdout(
        operation.status === 'dropped'
          ? `Cancelled: execution ${executionId} can never land (dropped); the cancellation ${cancellation.id} ${cancellation.status}.\n`
          : `Execution ${executionId} is ${operation.status}; the cancellation ${cancellation.id} ${cancellation.status}${cancellation.error ? ` (${cancellation.error})` : ''}.\n`,
      );
    }
    return operation.status === 'dropped' || operation.status === 'succeeded' || operation.status === 'reverted'
      ? 0
      : 1;
  } finally {
    db.close();
  }
}

const subcommands: Subcommands = {
  import: { help: IMPORT_HELP, run: importKey },
  upgrade: { help: delegationHelp('upgrade'), run: delegationCommand('upgrade') },
  downgrade: { help: delegationHelp('downgrade'), run: delegationCommand('downgrade') },
  'withdraw-gas': { help: WITHDRAW_GAS_HELP, run: withdrawGas },
  'cancel-operation': { help: CANCEL_OPERATION_HELP, run: cancelStuckOperation },
};

export const accountCommand: Command = {
  name: 'account',
  help: `${showCommand.help.replace('Usage: sextant account [--user ID] [--json]', 'Usage: sextant account [import|upgrade|downgrade|withdraw-gas|cancel-operation] [--user ID] [--json]')}

Subcommands (each has its --help):
  import      make an existing private key or mnemonic the user's owner key (never from the command line)
  upgrade     make the owner key's own address the smart account (EIP-7702: Simple7702Account or
              MetaMask's DeleGator, --implementation), after a confirmation
  downgrade   undo the upgrade: clear the delegation, back to the SimpleAccount
  withdraw-gas  take the account's gas deposit at the EntryPoint back into the account, after a confirmation
  cancel-operation  cancel an operation that was sent and never landed (it takes its nonce)`,
  helpFor: subcommandHelp(subcommands),
  run(argv, context) {
    // `sextant account` alone (or with options) shows the account; a first word names a subcommand.
    const [first] = argv;
    if (first !== undefined && looksLikeSecret(first)) {
      // Not named in the error: it would be printed.
      throw new UsageError(
        'Refusing a private key or mnemonic on the command line (it would stay in your shell history).',
        {
          hint: 'Import it with `sextant account import`, which reads it from a file, env:NAME or the terminal.',
        },
      );
    }
    if (first !== undefined && !first.startsWith('-')) return dispatchSubcommand('account', subcommands)(argv, context);
    return showCommand.run(argv, context);
  },
};
