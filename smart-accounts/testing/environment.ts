import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { databasePath, openDatabase } from '../../common/database.ts';
import type { Network } from '../../common/network.ts';
import { type DevnetManifest, manifestToChain } from '../../devnet/manifest.ts';
import { type ExecutionEnvironment, executionEnvironment } from '../environment.ts';
import { createOwnerKey } from '../keystore.ts';
import { migrateSmartAccounts } from '../migrations.ts';
import { smartAccountAddress } from '../smart-account.ts';
import { ensureUser } from '../users.ts';

export const TEST_PASSPHRASE = 'correct horse battery staple';

export function devnetNetwork(
  manifest: DevnetManifest,
  bundlerUrl = manifest.bundlerUrl,
  /** The other chains a bridge from it may go to (the devnet's second chain). */
  otherNetworks: Network[] = [],
): Network {
  return {
    chain: manifestToChain(manifest),
    rpcUrl: manifest.rpcUrl,
    bundlerUrl,
    paymasterUrl: undefined,
    isDevnet: true,
    otherNetworks,
  };
}

/**
 * A fresh SQLite file, migrated, and an execution environment on the shared devnet. It asks for an
 * operation's receipt every 20 ms instead of the devnet's 100: Alto bundles within 50 ms here
 * (devnet/alto.ts), and a 100 ms ask added up to ~50 ms more to every execution in the tests.
 */
export function testEnvironment(
  manifest: DevnetManifest,
  bundlerUrl?: string,
): ExecutionEnvironment & { dbPath: string } {
  const dbPath = databasePath(mkdtempSync(join(tmpdir(), 'sextant-accounts-')));
  const db = openDatabase(dbPath);
  migrateSmartAccounts(db);
  return { ...executionEnvironment(db, devnetNetwork(manifest, bundlerUrl)), pollingIntervalMs: 20, dbPath };
}

/**
 * A new user with an owner key (sealed in the keystore as `sextant account` stores it), unlocked, and
 * the address of their (not yet deployed) account. The owner returned is the key that was sealed, not
 * a second opening of the record: each scrypt costs ~65 ms, and a full run makes hundreds of users
 * (keystore.test.ts is where sealing and unlocking are tested). `whileSealing` (funding the account,
 * say) runs during the sealing's scrypt.
 */
export async function newUser(
  env: ExecutionEnvironment,
  whileSealing?: (account: `0x${string}`) => Promise<unknown>,
): Promise<{ userId: string; owner: LocalAccount; account: `0x${string}` }> {
  const userId = `user-${randomUUID().slice(0, 8)}`;
  ensureUser(env.db, userId);
  const privateKey = generatePrivateKey();
  const owner = privateKeyToAccount(privateKey);
  const account = await smartAccountAddress(env.publicClient, env.chain, owner.address);
  const [stored] = await Promise.all([
    createOwnerKey(env.db, userId, TEST_PASSPHRASE, privateKey),
    whileSealing?.(account),
  ]);
  if (stored !== owner.address) throw new Error(`${userId}'s stored owner key is ${stored}, not ${owner.address}`);
  return { userId, owner, account };
}
