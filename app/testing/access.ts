import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, databasePath, openDatabase } from '../../common/database.ts';
import { type AccessControl, accessControl, accessToken } from '../access.ts';

/** Access control over a fresh data directory, with a token for `userId` and its Authorization header. */
export function testAccess(
  userId = 'default',
  db?: Db,
): { access: AccessControl; token: string; dataDir: string; headers: { authorization: string } } {
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-access-'));
  const access = accessControl(db ?? openDatabase(databasePath(dataDir)), dataDir);
  const token = accessToken(dataDir, userId);
  return { access, token, dataDir, headers: { authorization: `Bearer ${token}` } };
}
