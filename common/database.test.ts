import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from './database.ts';

describe('the database', () => {
  it('is a WAL-mode SQLite file whose migrations run once each, in order', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sx-db-')), 'sextant.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const migrations = ['CREATE TABLE things (id INTEGER PRIMARY KEY)', 'ALTER TABLE things ADD COLUMN name TEXT'];
    migrate(db, 'test-module', migrations.slice(0, 1));
    migrate(db, 'test-module', migrations);
    migrate(db, 'test-module', migrations);
    db.prepare('INSERT INTO things (name) VALUES (?)').run('first');
    db.close();

    const again = openDatabase(path);
    migrate(again, 'test-module', migrations);
    expect(again.prepare('SELECT name FROM things').all()).toEqual([{ name: 'first' }]);
    expect(again.prepare('SELECT module, version FROM schema_migrations ORDER BY version').all()).toEqual([
      { module: 'test-module', version: 1 },
      { module: 'test-module', version: 2 },
    ]);
  });

  it('rolls a failing migration back whole', () => {
    const db = openDatabase(':memory:');
    expect(() => migrate(db, 'broken', ['CREATE TABLE a (id INTEGER); CREATE TABLE a (id INTEGER)'])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").all()).toEqual([]);
  });
});
