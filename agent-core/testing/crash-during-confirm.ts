/**
 * A process that confirms one plan and is killed (SIGKILL, no clean-up possible) in the middle of
 * it: at its first request to the bundler (the execution exists, nothing is signed yet), or the
 * moment the bundler has accepted the operation, before the answer reaches it. The bundler is reached
 * through a loopback relay in this process, which is where the kill happens. Used by
 * confirm-crash.test.ts. Argument: JSON {dbPath, manifest, userId, planId, passphrase, killAt}.
 */

import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../common/database.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { loadSkillCatalog } from '../../skills/registry/catalog.ts';
import { executionEnvironment } from '../../smart-accounts/environment.ts';
import { unlockOwnerKey } from '../../smart-accounts/keystore.ts';
import { devnetNetwork } from '../../smart-accounts/testing/environment.ts';
import { confirmPlan } from '../agent.ts';
import { parseEmbedded } from '../parse/embedded/parse.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  dbPath: string;
  manifest: DevnetManifest;
  userId: string;
  planId: string;
  passphrase: string;
  killAt: 'first-bundler-call' | 'after-send';
};
const die = () => process.kill(process.pid, 'SIGKILL');

const relay = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', async () => {
    if (input.killAt === 'first-bundler-call') die();
    const response = await fetch(input.manifest.bundlerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    if (input.killAt === 'after-send' && (JSON.parse(body) as { method: string }).method === 'eth_sendUserOperation') {
      die();
    }
    res.writeHead(response.status, { 'content-type': 'application/json' });
    res.end(text);
  });
});
await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;

const db = openDatabase(input.dbPath);
const env = executionEnvironment(db, devnetNetwork(input.manifest, relayUrl));
const catalog = await loadSkillCatalog(db, {
  packagesDir: join(mkdtempSync(join(tmpdir(), 'sextant-crash-')), 'skill-packages'),
});
const owner = await unlockOwnerKey(db, input.userId, input.passphrase);
await confirmPlan(
  { db, env, catalog, parse: async (text) => parseEmbedded(text) },
  { userId: input.userId, planId: input.planId, owner, allowNewRecipients: true },
);
// Not reached: the process dies inside the confirmation.
process.exit(3);
