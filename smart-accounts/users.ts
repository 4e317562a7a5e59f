import type { Db } from '../common/database.ts';
import { UnknownUserError } from './errors.ts';

export type User = { id: string; displayName: string; createdAt: string };

/**
 * Which account a user's owner key drives. `simple-account`: a SimpleAccount (EntryPoint v0.8) at
 * its own counterfactual address from the factory, the default. `eip7702`: the owner's own address,
 * delegated to Simple7702Account (EIP-7702), so it batches from where the user's funds already are.
 */
export type AccountMode = 'simple-account' | 'eip7702';

const USER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function isValidUserId(id: string): boolean {
  return USER_ID.test(id);
}

/** The user with this id, created (with `displayName`, or the id) when there is none yet. */
export function ensureUser(db: Db, id: string, displayName = id): User {
  if (!isValidUserId(id)) {
    throw new UnknownUserError(`"${id}" is not a valid user id.`, {
      hint: 'Use 1 to 32 lower-case letters, digits, "-" or "_", starting with a letter or digit.',
    });
  }
  db.prepare('INSERT OR IGNORE INTO users (id, display_name, created_at) VALUES (?, ?, ?)').run(
    id,
    displayName,
    new Date().toISOString(),
  );
  return getUser(db, id);
}

export function getUser(db: Db, id: string): User {
  const row = db.prepare('SELECT id, display_name, created_at FROM users WHERE id = ?').get(id) as
    | { id: string; display_name: string; created_at: string }
    | undefined;
  if (!row) throw new UnknownUserError(`No user "${id}".`, { hint: 'Create it with `sextant account --user ID`.' });
  return { id: row.id, displayName: row.display_name, createdAt: row.created_at };
}

/** The user's account mode; `simple-account` for a user that does not exist (yet). */
export function accountModeOf(db: Db, userId: string): AccountMode {
  const row = db.prepare('SELECT account_mode FROM users WHERE id = ?').get(userId) as
    | { account_mode: AccountMode }
    | undefined;
  return row?.account_mode ?? 'simple-account';
}

/** The account mode of the user whose owner key has this address (`simple-account` when no user's has). */
export function accountModeOfOwner(db: Db, owner: string): AccountMode {
  const row = db
    .prepare(
      'SELECT u.account_mode FROM owner_keys k JOIN users u ON u.id = k.user_id WHERE lower(k.address) = lower(?)',
    )
    .get(owner) as { account_mode: AccountMode } | undefined;
  return row?.account_mode ?? 'simple-account';
}

export function setAccountMode(db: Db, userId: string, mode: AccountMode): void {
  getUser(db, userId);
  db.prepare('UPDATE users SET account_mode = ? WHERE id = ?').run(mode, userId);
}
