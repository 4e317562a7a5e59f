import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * The runtime's one SQLite database (DATA_DIR/sextant.db), in WAL mode so readers never wait for a
 * writer. Each module owns its tables and brings them up to date with `migrate`.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Another process (a second CLI call) may hold the write lock for a moment: wait rather than fail.
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (module, version)
  )`);
  return db;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'sextant.db');
}

/**
 * Applies `module`'s migrations that have not run yet, in order, each in its own transaction. A
 * migration is never edited once released: a change is a new migration at the end of the list.
 */
export function migrate(db: Db, module: string, migrations: readonly string[]): void {
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations WHERE module = ?')
      .all(module)
      .map((row) => (row as { version: number }).version),
  );
  migrations.forEach((sql, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)').run(
        module,
        version,
        new Date().toISOString(),
      );
    })();
  });
}
