import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { KeystoreError } from './errors.ts';
import { createOwnerKey, ownerAddress, unlockOwnerKey } from './keystore.ts';
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
