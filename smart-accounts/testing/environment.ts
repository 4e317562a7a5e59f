import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalAccount } from 'viem';
import { databasePath, openDatabase } from '../../common/database.ts';
import type { Network } from '../../common/network.ts';
import { type DevnetManifest, manifestToChain } from '../../devnet/manifest.ts';
import { type ExecutionEnvironment, executionEnvironment } from '../environment.ts';
import { createOwnerKey, unlockOwnerKey } from '../keystore.ts';
import { migrateSmartAccounts } from '../migrations.ts';
import { smartAccountAddress } from '../smart-account.ts';
import { ensureUser } from '../users.ts';

export const TEST_PASSPHRASE = 'correct horse battery staple';

export function devnetNetwork(manifest: DevnetManifest, bundlerUrl = manifest.bundlerUrl): Network {
  return {
    chain: manifestToChain(manifest),
    rpcUrl: manifest.rpcUrl,
    bundlerUrl,
    paymasterUrl: undefined,
    isDevnet: true,
  };
}

/** A fresh SQLite file, migrated, and an execution environment on the shared devnet. */
export function testEnvironment(
  manifest: DevnetManifest,
  bundlerUrl?: string,
): ExecutionEnvironment & { dbPath: string } {
  const dbPath = databasePath(mkdtempSync(join(tmpdir(), 'sextant-accounts-')));
  const db = openDatabase(dbPath);
  migrateSmartAccounts(db);
  return { ...executionEnvironment(db, devnetNetwork(manifest, bundlerUrl)), dbPath };
}

/** A new user with an owner key, unlocked, and the address of their (not yet deployed) account. */
export async function newUser(
  env: ExecutionEnvironment,
): Promise<{ userId: string; owner: LocalAccount; account: `0x${string}` }> {
  const userId = `user-${randomUUID().slice(0, 8)}`;
  ensureUser(env.db, userId);
  const ownerAddress = await createOwnerKey(env.db, userId, TEST_PASSPHRASE);
  const owner = await unlockOwnerKey(env.db, userId, TEST_PASSPHRASE);
  return { userId, owner, account: await smartAccountAddress(env.publicClient, env.chain, ownerAddress) };
}
