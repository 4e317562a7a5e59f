import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { type Address, bytesToHex, type Hex } from 'viem';
import {
  english,
  generatePrivateKey,
  mnemonicToAccount,
  type PrivateKeyAccount,
  privateKeyToAccount,
} from 'viem/accounts';
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
  const sealed = await sealPrivateKey(privateKey, passphrase, associatedData(userId, address));
  const inserted = db
    .prepare(
      `INSERT OR IGNORE INTO owner_keys (user_id, address, kdf, salt, iv, ciphertext, tag, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(userId, address, sealed.kdf, sealed.salt, sealed.iv, sealed.ciphertext, sealed.tag, new Date().toISOString());
  // Two processes creating the same user's key at once: the first one wins, and both use it.
  return inserted.changes === 1 ? address : (ownerAddress(db, userId) as Address);
}

/** A private key as stored: the scrypt parameters (JSON), salt, AES-256-GCM iv, ciphertext and tag. */
export type SealedKey = { kdf: string; salt: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer };

/**
 * Encrypts a private key with the passphrase, binding `associatedData` in (a record copied onto
 * another owner then fails to open). For any key Sextant keeps: owner keys here, agent keys in orders.
 */
export async function sealPrivateKey(privateKey: Hex, passphrase: string, associatedData: Buffer): Promise<SealedKey> {
  requirePassphrase(passphrase);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, SCRYPT);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKey.slice(2), 'hex')), cipher.final()]);
  const kdf: KdfParams = { name: 'scrypt', ...SCRYPT };
  return { kdf: JSON.stringify(kdf), salt, iv, ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Opens a sealed key: WrongPassphraseError when the passphrase (or the associated data: a record
 * moved to another owner) does not match, `whose` naming the key in that message.
 */
export async function openSealedKey(
  sealed: SealedKey,
  passphrase: string,
  associatedData: Buffer,
  whose: string,
): Promise<PrivateKeyAccount> {
  // A passphrase shorter than any key was created with is simply a wrong one.
  requirePassphrase(passphrase, WrongPassphraseError);
  const kdf = JSON.parse(sealed.kdf) as KdfParams;
  if (kdf.name !== 'scrypt') throw new KeystoreError(`Unknown key derivation "${kdf.name}" in the keystore.`);
  const key = await deriveKey(passphrase, sealed.salt, kdf);
  let privateKey: Hex;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(associatedData);
    decipher.setAuthTag(sealed.tag);
    privateKey = `0x${Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('hex')}`;
  } catch {
    // GCM's tag check fails alike for a wrong passphrase and a tampered record; the first is likelier.
    throw new WrongPassphraseError(`Wrong passphrase for ${whose} (or the keystore record was altered).`, {
      hint: 'Check SEXTANT_PASSPHRASE; it is the passphrase the key was created with.',
    });
  }
  return privateKeyToAccount(privateKey);
}

export type ImportOptions = {
  /** For a mnemonic: the index in the standard path m/44'/60'/0'/0/{index}, as wallets count accounts (0 unless given). */
  addressIndex?: number;
};

/**
 * Stores an existing key as the user's owner key, encrypted with `passphrase` like a created one:
 * `secret` is a private key (64 hex digits, 0x optional) or a BIP-39 mnemonic (12 to 24 English
 * words, checksum checked; the first account of the standard path unless `addressIndex` says
 * otherwise). Refuses a key another user already has, and a user who already has a different key.
 * Importing the key the user already has changes nothing. Errors never contain the secret.
 */
export async function importOwnerKey(
  db: Db,
  userId: string,
  passphrase: string,
  secret: string,
  options: ImportOptions = {},
): Promise<Address> {
  requirePassphrase(passphrase);
  const privateKey = privateKeyFromSecret(secret, options);
  const address = privateKeyToAccount(privateKey).address;
  const holder = db.prepare('SELECT user_id FROM owner_keys WHERE lower(address) = lower(?)').get(address) as
    | { user_id: string }
    | undefined;
  if (holder && holder.user_id !== userId) {
    throw new KeystoreError(`The key of ${address} is already the owner key of another user.`, {
      hint: 'Use that user (--user), or import a different key.',
    });
  }
  const existing = ownerAddress(db, userId);
  if (existing) {
    if (existing.toLowerCase() === address.toLowerCase()) return existing;
    throw new KeystoreError(`User "${userId}" already has an owner key (${existing}); it is not replaced.`, {
      hint: 'Import the key for a new user (--user NEW_ID).',
    });
  }
  const stored = await createOwnerKey(db, userId, passphrase, privateKey);
  if (stored.toLowerCase() !== address.toLowerCase()) {
    // Another process created a key for this user between the check and the insert.
    throw new KeystoreError(`User "${userId}" already has an owner key (${stored}); it is not replaced.`, {
      hint: 'Import the key for a new user (--user NEW_ID).',
    });
  }
  return stored;
}

function privateKeyFromSecret(secret: string, options: ImportOptions): Hex {
  const trimmed = secret.trim();
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(trimmed)) {
    const privateKey = (trimmed.startsWith('0x') ? trimmed : `0x${trimmed}`).toLowerCase() as Hex;
    try {
      privateKeyToAccount(privateKey);
    } catch {
      // viem's message would quote the key.
      throw new KeystoreError('That is not a valid secp256k1 private key (zero, or not below the curve order).');
    }
    return privateKey;
  }
  const words = trimmed.toLowerCase().split(/\s+/);
  if (!isValidMnemonic(words)) {
    throw new KeystoreError('That is neither a private key nor a valid BIP-39 mnemonic.', {
      hint: 'Give 64 hex digits (0x optional), or 12, 15, 18, 21 or 24 English words whose checksum matches.',
    });
  }
  const addressIndex = options.addressIndex ?? 0;
  if (!Number.isInteger(addressIndex) || addressIndex < 0 || addressIndex >= 2 ** 31) {
    throw new KeystoreError(`Address index ${addressIndex} is not one of the standard path (0 to 2^31 - 1).`);
  }
  const hdKey = mnemonicToAccount(words.join(' '), { addressIndex }).getHdKey();
  if (!hdKey.privateKey) throw new KeystoreError('The mnemonic gave no private key at that path.');
  return bytesToHex(hdKey.privateKey);
}

/** BIP-39: every word in the English list, and the last bits the SHA-256 checksum of the entropy. */
function isValidMnemonic(words: readonly string[]): boolean {
  if (![12, 15, 18, 21, 24].includes(words.length)) return false;
  const indexes = words.map((word) => english.indexOf(word));
  if (indexes.some((index) => index < 0)) return false;
  const bits = indexes.map((index) => index.toString(2).padStart(11, '0')).join('');
  const checksumBits = words.length / 3;
  const entropyBits = bits.slice(0, bits.length - checksumBits);
  const entropy = Buffer.from(entropyBits.match(/.{8}/g)?.map((byte) => Number.parseInt(byte, 2)) ?? []);
  const hash = createHash('sha256').update(entropy).digest();
  const expected = [...hash]
    .map((byte) => byte.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, checksumBits);
  return bits.slice(-checksumBits) === expected;
}

/** The owner address, readable without the passphrase (it is public); undefined if the user has no key. */
export function ownerAddress(db: Db, userId: string): Address | undefined {
  const row = db.prepare('SELECT address FROM owner_keys WHERE user_id = ?').get(userId) as
    | { address: Address }
    | undefined;
  return row?.address;
}

export async function unlockOwnerKey(db: Db, userId: string, passphrase: string): Promise<PrivateKeyAccount> {
  requirePassphrase(passphrase, WrongPassphraseError);
  const row = db.prepare('SELECT * FROM owner_keys WHERE user_id = ?').get(userId) as
    | (SealedKey & { address: Address })
    | undefined;
  if (!row)
    throw new KeystoreError(`User "${userId}" has no owner key yet.`, { hint: 'Run `sextant account` to create one.' });
  const account = await openSealedKey(row, passphrase, associatedData(userId, row.address), `${userId}'s key`);
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
