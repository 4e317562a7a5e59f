import type { CommandContext } from '../common/command.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { publicClientFor } from '../common/network.ts';
import { createOwnerKey, ownerAddress } from './keystore.ts';
import { migrateSmartAccounts } from './migrations.ts';
import { readPassphrase } from './passphrase.ts';
import { accountKindFor, smartAccountAddress } from './smart-account.ts';
import { ensureUser } from './users.ts';

/** Opens the user's account: creates the user and their encrypted owner key on first use. */
export async function openUserAccount(context: CommandContext, userFlag: string | undefined) {
  const userId = userFlag ?? context.settings.user;
  const network = context.network();
  const db = openDatabase(databasePath(context.settings.dataDir));
  migrateSmartAccounts(db);
  ensureUser(db, userId);
  let owner = ownerAddress(db, userId);
  let created = false;
  if (!owner) {
    owner = await createOwnerKey(db, userId, await readPassphrase(`create the owner key of user "${userId}"`));
    created = true;
  }
  const client = publicClientFor(network);
  const kind = accountKindFor(db, userId);
  const account = await smartAccountAddress(client, network.chain, owner, kind);
  return { db, userId, owner, account, kind, created, network, client };
}
