import { type Command, parseCommandArgs } from '../common/command.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { createOwnerKey, ownerAddress } from '../smart-accounts/keystore.ts';
import { readPassphrase } from '../smart-accounts/passphrase.ts';
import { migrateSmartAccounts } from '../smart-accounts/schema.ts';
import { ensureUser } from '../smart-accounts/users.ts';
import { accessToken } from './access.ts';

const help = `Usage: sextant token [--user ID] [--json]

Prints the link that signs a user in to the running server (http://HOST:PORT/?token=…), creating
the user, their owner key and their access token on first use. Anyone with the link can act as that
user: keep it to yourself. The token lives in DATA_DIR/access-tokens.json (mode 600).

Options:
  --user ID   the local user (default: SEXTANT_USER)
  --json      print {user, token, url}
  -h, --help  show this help`;

export const tokenCommand: Command = {
  name: 'token',
  summary: "print a user's sign-in link for the server (creates the user on first use)",
  help,
  async run(argv, { settings, stdout }) {
    const { values } = parseCommandArgs('token', argv, { user: { type: 'string' }, json: { type: 'boolean' } });
    const userId = values.user ?? settings.user;
    const db = openDatabase(databasePath(settings.dataDir));
    migrateSmartAccounts(db);
    ensureUser(db, userId);
    if (!ownerAddress(db, userId)) {
      await createOwnerKey(db, userId, await readPassphrase(`create the owner key of user "${userId}"`));
    }
    const token = accessToken(settings.dataDir, userId);
    const url = `http://${settings.host}:${settings.port}/?token=${token}`;
    stdout(values.json ? `${JSON.stringify({ user: userId, token, url })}\n` : `${url}\n`);
    db.close();
    return 0;
  },
};
