import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Db, migrate } from '../common/database.ts';

/**
 * Who may use the server. Each local user has an access token (generated on first start, kept in
 * DATA_DIR/access-tokens.json, readable by its owner only), printed at start as a ready-to-open URL
 * (`http://127.0.0.1:8787/?token=…`, as Jupyter does). The page exchanges it once for an HttpOnly
 * session cookie; API clients may send it as `Authorization: Bearer …`.
 *
 * A user may also have an MCP token (`sextant token --mcp`, kept in DATA_DIR/mcp-tokens.json), the
 * one to hand an agent: it reaches /mcp and can read and build plans, but never confirm one or change
 * anything else (app/auth.ts), and it cannot be exchanged for a session.
 */
export type AccessControl = {
  /** The user an access token belongs to, if any (constant-time comparison). Never an MCP token. */
  userForToken(token: string): string | undefined;
  /** The user an MCP token belongs to, if any (constant-time comparison). */
  userForMcpToken(token: string): string | undefined;
  /** A new session for a user; returns its id (the cookie's value). */
  openSession(userId: string): string;
  /** The user of a live session, if any. */
  userForSession(sessionId: string): string | undefined;
};

export const SESSION_COOKIE = 'sextant_session';
const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

const MIGRATIONS = [
  `CREATE TABLE app_sessions (
    -- sha256 of the cookie's value: a copy of the database does not hold live sessions.
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );`,
];

/** Which token: the user's own (everything the user can do) or the MCP token (read and build plans). */
export type TokenKind = 'user' | 'mcp';

/** Each kind in its own file, so no token of one kind can ever be read as the other. */
function tokensPath(dataDir: string, kind: TokenKind): string {
  return join(dataDir, kind === 'user' ? 'access-tokens.json' : 'mcp-tokens.json');
}

function readTokens(dataDir: string, kind: TokenKind): Record<string, string> {
  const path = tokensPath(dataDir, kind);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
}

/** The user's access token (or, with kind 'mcp', their MCP token), created (and saved, mode 600) on first use. */
export function accessToken(dataDir: string, userId: string, kind: TokenKind = 'user'): string {
  const tokens = readTokens(dataDir, kind);
  const existing = tokens[userId];
  if (existing) return existing;
  tokens[userId] = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${tokensPath(dataDir, kind)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, tokensPath(dataDir, kind));
  return tokens[userId];
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

/** The user whose token of this kind `token` is (read on each call, so a token made by `sextant token` works at once). */
function tokenOwner(dataDir: string, kind: TokenKind, token: string): string | undefined {
  const offered = Buffer.from(hash(token));
  for (const [userId, known] of Object.entries(readTokens(dataDir, kind))) {
    if (timingSafeEqual(offered, Buffer.from(hash(known)))) return userId;
  }
  return undefined;
}

export function accessControl(db: Db, dataDir: string): AccessControl {
  migrate(db, 'app', MIGRATIONS);
  return {
    userForToken: (token) => tokenOwner(dataDir, 'user', token),
    userForMcpToken: (token) => tokenOwner(dataDir, 'mcp', token),
    openSession(userId) {
      const id = randomBytes(32).toString('base64url');
      const now = Date.now();
      db.prepare('INSERT INTO app_sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
        hash(id),
        userId,
        new Date(now).toISOString(),
        new Date(now + SESSION_LIFETIME_MS).toISOString(),
      );
      return id;
    },
    userForSession(sessionId) {
      const row = db.prepare('SELECT user_id, expires_at FROM app_sessions WHERE id_hash = ?').get(hash(sessionId)) as
        | { user_id: string; expires_at: string }
        | undefined;
      return row && Date.parse(row.expires_at) > Date.now() ? row.user_id : undefined;
    },
  };
}
