import { type Command, parseCommandArgs, withDatabase } from '../common/command.ts';
import { createOwnerKey, ownerAddress } from '../smart-accounts/keystore.ts';
import { migrateSmartAccounts } from '../smart-accounts/migrations.ts';
import { readPassphrase } from '../smart-accounts/passphrase.ts';
import { ensureUser } from '../smart-accounts/users.ts';
import { accessToken } from './access.ts';

const help = `Usage: sextant token [--mcp] [--user ID] [--json]

Prints the link that signs a user in to the running server (http://HOST:PORT/?token=…), creating
the user, their owner key and their access token on first use. Anyone with the link can act as that
user, confirm plans included: keep it to yourself. The token lives in DATA_DIR/access-tokens.json
(mode 600).

With --mcp, prints the user's MCP token instead (created on first use, kept in
DATA_DIR/mcp-tokens.json, mode 600): the one to give an agent for the server's /mcp, as
Authorization: Bearer <token>. It can read and build plans, never confirm one, cancel one, change
the policy or publish and attest skills (those answer 403), and it does not open the chat page.

Options:
  --mcp       print the MCP token (for agents) instead of the sign-in link
  --user ID   the local user (default: SEXTANT_USER)
  --json      print {user, token, url} (with --mcp, url is the /mcp endpoint)
  -h, --help  show this help`;

export const tokenCommand: Command = {
  name: 'token',
  help,
  async run(argv, { settings, stdout }) {
    const { values } = parseCommandArgs('token', argv, {
      user: { type: 'string' },
      json: { type: 'boolean' },
      mcp: { type: 'boolean' },
    });
    const userId = values.user ?? settings.user;
    return withDatabase(settings.dataDir, async (db) => {
      migrateSmartAccounts(db);
      ensureUser(db, userId);
      if (!ownerAddress(db, userId)) {
        await createOwnerKey(db, userId, await readPassphrase(`create the owner key of user "${userId}"`));
      }
      const base = `http://${settings.host}:${settings.port}`;
      if (values.mcp) {
        const token = accessToken(settings.dataDir, userId, 'mcp');
        // The token alone, so it drops into an agent's configuration: --header "Authorization: Bearer $(sextant token --mcp)".
        stdout(values.json ? `${JSON.stringify({ user: userId, token, url: `${base}/mcp` })}\n` : `${token}\n`);
      } else {
        const token = accessToken(settings.dataDir, userId);
        const url = `${base}/?token=${token}`;
        stdout(values.json ? `${JSON.stringify({ user: userId, token, url })}\n` : `${url}\n`);
      }
      return 0;
    });
  },
};
