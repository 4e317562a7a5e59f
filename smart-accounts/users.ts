import type { Db } from '../common/database.ts';
import { UnknownUserError } from './errors.ts';

export type User = { id: string; displayName: string; createdAt: string };

/**
 * Which account a user's owner key drives. `simple-account`: a SimpleAccount (EntryPoint v0.8) at
 * its own counterfactual address from the factory, the default. `eip7702`: the owner's own address,
 * delegated to Simple7702Account (EIP-7702), so it batches from where the user's funds already are.
 */
export type AccountMode = 'simple-account' | 'eip7702';

/**
 * In `eip7702` mode, which contract the owner's address delegates to: `simple7702` (eth-infinitism's
 * Simple7702Account, the default) or `delegator` (MetaMask's EIP7702StatelessDeleGator, which can
 * grant delegations with caveats: what standing orders rest on). Every upgrade sets it (eip7702.ts);
 * in simple-account mode it means nothing.
 */
export type Eip7702Implementation = 'simple7702' | 'delegator';

/** A user's account mode and, in eip7702 mode, the implementation (null in simple-account mode). */
export type AccountChoice = { mode: AccountMode; implementation: Eip7702Implementation | null };

function choiceOf(row: { account_mode: AccountMode; eip7702_implementation: Eip7702Implementation } | undefined) {
  if (!row || row.account_mode === 'simple-account') return { mode: 'simple-account', implementation: null } as const;
  return { mode: row.account_mode, implementation: row.eip7702_implementation };
}

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

/** The user's account mode and 7702 implementation (`simple-account` for a user that does not exist yet). */
export function accountChoiceOf(db: Db, userId: string): AccountChoice {
  return choiceOf(
    db.prepare('SELECT account_mode, eip7702_implementation FROM users WHERE id = ?').get(userId) as
      | { account_mode: AccountMode; eip7702_implementation: Eip7702Implementation }
      | undefined,
  );
}

/** The same for the user whose owner key has this address (`simple-account` when no user's has). */
export function accountChoiceOfOwner(db: Db, owner: string): AccountChoice {
  return choiceOf(
    db
      .prepare(
        'SELECT u.account_mode, u.eip7702_implementation FROM owner_keys k JOIN users u ON u.id = k.user_id WHERE lower(k.address) = lower(?)',
      )
      .get(owner) as { account_mode: AccountMode; eip7702_implementation: Eip7702Implementation } | undefined,
  );
}

/** Sets the account mode; in eip7702 mode also the implementation (simple7702 unless given). */
export function setAccountMode(
  db: Db,
  userId: string,
  mode: AccountMode,
  implementation: Eip7702Implementation = 'simple7702',
): void {
  getUser(db, userId);
  if (mode === 'simple-account') {
    db.prepare('UPDATE users SET account_mode = ? WHERE id = ?').run(mode, userId);
  } else {
    db.prepare('UPDATE users SET account_mode = ?, eip7702_implementation = ? WHERE id = ?').run(
      mode,
      implementation,
      userId,
    );
  }
}
