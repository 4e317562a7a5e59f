import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { KeystoreError } from './errors.ts';
import { createOwnerKey, importOwnerKey, ownerAddress, unlockOwnerKey } from './keystore.ts';
import { migrateSmartAccounts } from './migrations.ts';
import { ensureUser } from './users.ts';

function keystore() {
  const db = openDatabase(':memory:');
  migrateSmartAccounts(db);
  ensureUser(db, 'alice');
  ensureUser(db, 'bob');
  return db;
}

describe('the keystore', () => {
  it('keeps the key encrypted: the stored record does not contain it, and the passphrase opens it', async () => {
    const db = keystore();
    const privateKey = generatePrivateKey();
    const address = await createOwnerKey(db, 'alice', 'a long passphrase', privateKey);
    const owner = await unlockOwnerKey(db, 'alice', 'a long passphrase');
    expect(owner.address).toBe(address);
    expect(ownerAddress(db, 'alice')).toBe(address);
    const row = db.prepare('SELECT * FROM owner_keys WHERE user_id = ?').get('alice') as Record<string, unknown>;
    const stored = Object.values(row)
      .map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value)))
      .join(' ');
    expect(stored.toLowerCase()).not.toContain(privateKey.slice(2).toLowerCase());
    expect(stored).not.toContain('a long passphrase');
    expect(stored).toContain(address);
    expect(JSON.parse(row.kdf as string)).toMatchObject({ name: 'scrypt', N: 32768, r: 8, p: 1 });
  });

  it('cannot be read without the passphrase, and a wrong one is a clear error', async () => {
    const db = keystore();
    await createOwnerKey(db, 'alice', 'a long passphrase');
    await expect(unlockOwnerKey(db, 'alice', 'another passphrase')).rejects.toThrow(
      "Wrong passphrase for alice's key (or the keystore record was altered).",
    );
    await expect(unlockOwnerKey(db, 'alice', '')).rejects.toThrow(KeystoreError);
    await expect(unlockOwnerKey(db, 'alice', '')).rejects.toThrow('at least 8 characters');
  });

  it('binds each record to its user: a record copied onto another user does not open', async () => {
    const db = keystore();
    await createOwnerKey(db, 'alice', 'a long passphrase');
    db.prepare(
      `INSERT INTO owner_keys (user_id, address, kdf, salt, iv, ciphertext, tag, created_at)
       SELECT 'bob', address, kdf, salt, iv, ciphertext, tag, created_at FROM owner_keys WHERE user_id = 'alice'`,
    ).run();
    await expect(unlockOwnerKey(db, 'bob', 'a long passphrase')).rejects.toThrow(KeystoreError);
  });

  it('says how to create a key when a user has none', async () => {
    const db = keystore();
    await expect(unlockOwnerKey(db, 'bob', 'a long passphrase')).rejects.toThrow('User "bob" has no owner key yet.');
  });
});

/** Foundry's and Hardhat's public test mnemonic: its first accounts are well known. */
const TEST_MNEMONIC = 'test test test test test test test test test test test junk';

describe('importing a key', () => {
  it('stores an existing private key encrypted like a created one, with or without 0x', async () => {
    const db = keystore();
    const privateKey = generatePrivateKey();
    const address = await importOwnerKey(db, 'alice', 'a long passphrase', privateKey.slice(2).toUpperCase());
    expect((await unlockOwnerKey(db, 'alice', 'a long passphrase')).address).toBe(address);
    const row = db.prepare('SELECT ciphertext FROM owner_keys WHERE user_id = ?').get('alice') as {
      ciphertext: Buffer;
    };
    expect(row.ciphertext.toString('hex')).not.toContain(privateKey.slice(2));
    // The same key again is no change; a different one does not replace it.
    expect(await importOwnerKey(db, 'alice', 'a long passphrase', privateKey)).toBe(address);
    await expect(importOwnerKey(db, 'alice', 'a long passphrase', generatePrivateKey())).rejects.toThrow(
      `User "alice" already has an owner key (${address}); it is not replaced.`,
    );
  });

  it('derives the first account of a mnemonic (or the one asked for) on the standard path', async () => {
    const db = keystore();
    expect(await importOwnerKey(db, 'alice', 'a long passphrase', `  ${TEST_MNEMONIC.toUpperCase()}\n`)).toBe(
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    );
    expect(await importOwnerKey(db, 'bob', 'a long passphrase', TEST_MNEMONIC, { addressIndex: 1 })).toBe(
      '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    );
  });

  it('refuses a key another user has, a bad mnemonic and a bad key, and never repeats the secret', async () => {
    const db = keystore();
    const privateKey = generatePrivateKey();
    await importOwnerKey(db, 'alice', 'a long passphrase', privateKey);
    const refusal = await importOwnerKey(db, 'bob', 'a long passphrase', privateKey).catch((e: Error) => e);
    expect(refusal).toBeInstanceOf(KeystoreError);
    expect(String(refusal)).toContain('is already the owner key of another user');
    expect(ownerAddress(db, 'bob')).toBeUndefined();

    // One word changed: every word is in the list, but the checksum no longer matches.
    const badChecksum = TEST_MNEMONIC.replace(/junk$/, 'jump');
    const curveOrder = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';
    for (const secret of [badChecksum, 'not a mnemonic at all', `0x${curveOrder}`, '0x1234']) {
      const error = await importOwnerKey(db, 'bob', 'a long passphrase', secret).catch((e: Error) => e);
      expect(error).toBeInstanceOf(KeystoreError);
      const said = `${(error as KeystoreError).message} ${JSON.stringify(error)}`;
      expect(said).not.toContain(curveOrder);
      expect(said).not.toContain('jump');
    }
    expect(ownerAddress(db, 'bob')).toBeUndefined();
  });
});
