import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import type { Db } from '../common/database.ts';
import { KeystoreError, WrongPassphraseError } from './errors.ts';

/**
 * Each user's owner key, encrypted at rest: scrypt turns the passphrase into a key, AES-256-GCM
 * encrypts the private key with it, and the user id and address are bound in as associated data,
 * so a record copied onto another user fails to open. The key is only ever in memory, in clear.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;

type KdfParams = { name: 'scrypt'; N: number; r: number; p: number; keyLength: number };

/** Stores a new owner key for the user (or `privateKey`, to import one), encrypted with `passphrase`. */
export async function createOwnerKey(
  db: Db,
  userId: string,
  passphrase: string,
  privateKey: Hex = generatePrivateKey(),
): Promise<Address> {
  requirePassphrase(passphrase);
  const address = privateKeyToAccount(privateKey).address;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, SCRYPT);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(userId, address));
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKey.slice(2), 'hex')), cipher.final()]);
  const kdf: KdfParams = { name: 'scrypt', ...SCRYPT };
  const inserted = db
    .prepare(
      `INSERT OR IGNORE INTO owner_keys (user_id, address, kdf, salt, iv, ciphertext, tag, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(userId, address, JSON.stringify(kdf), salt, iv, ciphertext, cipher.getAuthTag(), new Date().toISOString());
  // Two processes creating the same user's key at once: the first one wins, and both use it.
  return inserted.changes === 1 ? address : (ownerAddress(db, userId) as Address);
}

/** The owner address, readable without the passphrase (it is public); undefined if the user has no key. */
export function ownerAddress(db: Db, userId: string): Address | undefined {
  const row = db.prepare('SELECT address FROM owner_keys WHERE user_id = ?').get(userId) as
    | { address: Address }
    | undefined;
  return row?.address;
}

export async function unlockOwnerKey(db: Db, userId: string, passphrase: string): Promise<PrivateKeyAccount> {
  // A passphrase shorter than any key was created with is simply a wrong one.
  requirePassphrase(passphrase, WrongPassphraseError);
  const row = db.prepare('SELECT * FROM owner_keys WHERE user_id = ?').get(userId) as
    | { address: Address; kdf: string; salt: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer }
    | undefined;
  if (!row)
    throw new KeystoreError(`User "${userId}" has no owner key yet.`, { hint: 'Run `sextant account` to create one.' });
  const kdf = JSON.parse(row.kdf) as KdfParams;
  if (kdf.name !== 'scrypt') throw new KeystoreError(`Unknown key derivation "${kdf.name}" in the keystore.`);
  const key = await deriveKey(passphrase, row.salt, kdf);
  let privateKey: Hex;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, row.iv);
    decipher.setAAD(associatedData(userId, row.address));
    decipher.setAuthTag(row.tag);
    privateKey = `0x${Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('hex')}`;
  } catch {
    // GCM's tag check fails alike for a wrong passphrase and a tampered record; the first is likelier.
    throw new WrongPassphraseError(`Wrong passphrase for ${userId}'s key (or the keystore record was altered).`, {
      hint: 'Check SEXTANT_PASSPHRASE; it is the passphrase the key was created with.',
    });
  }
  const account = privateKeyToAccount(privateKey);
  if (account.address !== row.address) throw new KeystoreError(`The keystore record of ${userId} is inconsistent.`);
  return account;
}

function requirePassphrase(passphrase: string, Refusal: typeof KeystoreError = KeystoreError): void {
  if (passphrase.length < 8) {
    throw new Refusal('The keystore passphrase must be at least 8 characters.', {
      hint: 'Set SEXTANT_PASSPHRASE (or type it when asked) to 8 characters or more.',
    });
  }
}

function associatedData(userId: string, address: Address): Buffer {
  return Buffer.from(`sextant-owner-key:${userId}:${address.toLowerCase()}`);
}

function deriveKey(passphrase: string, salt: Buffer, kdf: Omit<KdfParams, 'name'>): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFKC'),
      salt,
      kdf.keyLength,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}
