import type { Address, PrivateKeyAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Db } from '../../common/database.ts';
import { openSealedKey, type SealedKey, sealPrivateKey } from '../../smart-accounts/keystore.ts';
import { OrderError } from './errors.ts';

/**
 * Each user's agent key: the delegate of their standing orders, the only key that may redeem them,
 * and the sender (and gas payer) of each run. It is not the owner key: the chain lets it do exactly
 * what the user's delegations allow and nothing else, so a host that is broken into loses at most
 * that. It is kept sealed with the user's passphrase and opened by the runner.
 */
export async function ensureAgentKey(db: Db, userId: string, passphrase: string): Promise<Address> {
  const existing = agentKeyAddress(db, userId);
  if (existing) return existing;
  const privateKey = generatePrivateKey();
  const address = privateKeyToAccount(privateKey).address;
  const sealed = await sealPrivateKey(privateKey, passphrase, associatedData(userId, address));
  db.prepare(
    `INSERT OR IGNORE INTO agent_keys (user_id, address, kdf, salt, iv, ciphertext, tag, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(userId, address, sealed.kdf, sealed.salt, sealed.iv, sealed.ciphertext, sealed.tag, new Date().toISOString());
  // Two processes at once: the first one's key is the user's.
  return agentKeyAddress(db, userId) as Address;
}

/** The user's agent key's address (public), or undefined before their first order. */
export function agentKeyAddress(db: Db, userId: string): Address | undefined {
  const row = db.prepare('SELECT address FROM agent_keys WHERE user_id = ?').get(userId) as
    | { address: Address }
    | undefined;
  return row?.address;
}

export async function unlockAgentKey(db: Db, userId: string, passphrase: string): Promise<PrivateKeyAccount> {
  const row = db.prepare('SELECT * FROM agent_keys WHERE user_id = ?').get(userId) as
    | (SealedKey & { address: Address })
    | undefined;
  if (!row) throw new OrderError(`User "${userId}" has no agent key: they have no standing order.`);
  const account = await openSealedKey(row, passphrase, associatedData(userId, row.address), `${userId}'s agent key`);
  if (account.address !== row.address) throw new OrderError(`The agent key record of ${userId} is inconsistent.`);
  return account;
}

function associatedData(userId: string, address: Address): Buffer {
  return Buffer.from(`sextant-agent-key:${userId}:${address.toLowerCase()}`);
}
