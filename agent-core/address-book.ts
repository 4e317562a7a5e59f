import { type Address, getAddress, isAddress } from 'viem';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';

/**
 * Each user's address book: labels they chose for addresses ("alice"). Recipients come from the
 * user's own words, this book, or ENS; never from the model.
 */
export type AddressBookEntry = { label: string; address: Address };

const LABEL = /^[a-z0-9][a-z0-9._-]{0,39}$/;

export function saveAddress(db: Db, userId: string, label: string, address: string): AddressBookEntry {
  const key = label.trim().toLowerCase();
  if (!LABEL.test(key) || key.endsWith('.eth')) {
    throw new SextantError(`"${label}" cannot be a label.`, {
      hint: 'Use letters, digits, ".", "-" or "_" (up to 40), and not an ENS name.',
    });
  }
  if (!isAddress(address, { strict: false })) throw new SextantError(`"${address}" is not a 0x address.`);
  const entry = { label: key, address: getAddress(address) };
  db.prepare(
    `INSERT INTO agent_address_book (user_id, label, address, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, label) DO UPDATE SET address = excluded.address`,
  ).run(userId, entry.label, entry.address, new Date().toISOString());
  return entry;
}

export function lookupAddress(db: Db, userId: string, label: string): Address | undefined {
  const row = db
    .prepare('SELECT address FROM agent_address_book WHERE user_id = ? AND label = ?')
    .get(userId, label.trim().toLowerCase()) as { address: Address } | undefined;
  return row?.address;
}

export function listAddresses(db: Db, userId: string): AddressBookEntry[] {
  return db
    .prepare('SELECT label, address FROM agent_address_book WHERE user_id = ? ORDER BY label')
    .all(userId) as AddressBookEntry[];
}

export function removeAddress(db: Db, userId: string, label: string): boolean {
  return (
    db.prepare('DELETE FROM agent_address_book WHERE user_id = ? AND label = ?').run(userId, label.trim().toLowerCase())
      .changes === 1
  );
}
