import type { Db } from '../common/database.ts';
import { UnknownUserError } from './errors.ts';

export type User = { id: string; displayName: string; createdAt: string };

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
