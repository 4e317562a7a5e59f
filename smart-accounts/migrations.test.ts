import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../common/database.ts';
import { getExecution } from './executions.ts';
import { migrateSmartAccounts, SMART_ACCOUNTS_MIGRATIONS } from './migrations.ts';
import { accountChoiceOf, accountModeOf, setAccountMode } from './users.ts';

describe('the executions migration that adds `sent`', () => {
  it('never turns an old record into "nothing was sent" unless it was unsigned, and reopens lost sends', () => {
    const db = openDatabase(':memory:');
    // The database as the first release left it: only migration 1.
    migrate(db, 'smart-accounts', SMART_ACCOUNTS_MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO users (id, display_name, created_at) VALUES ('u', 'u', 'now')").run();
    const insert = db.prepare(
      `INSERT INTO executions (id, user_id, idempotency_key, chain_id, account, calls, user_op_hash, status, error, created_at, updated_at)
       VALUES (?, 'u', ?, 1, '0x0000000000000000000000000000000000000001', '[]', ?, ?, ?, 'now', 'now')`,
    );
    const hash = `0x${'ab'.repeat(32)}`;
    insert.run('unsigned', 'k1', null, 'failed', 'The bundle would revert, so it was not sent: …');
    insert.run(
      'lost-answer',
      'k2',
      hash,
      'failed',
      'The bundler at http://x failed while sending: HTTP 502. Nothing was sent.',
    );
    insert.run('refused', 'k3', hash, 'failed', 'The bundler refused the operation: AA25 invalid account nonce');
    insert.run('landed', 'k4', hash, 'succeeded', null);
    insert.run('in-flight', 'k5', hash, 'submitted', null);

    migrateSmartAccounts(db);
    migrateSmartAccounts(db); // Applied once: a second run changes nothing.
    const record = (id: string) => getExecution(db, 'u', id);
    expect(record('unsigned')).toMatchObject({ status: 'failed', sent: 'no' });
    expect(record('lost-answer')).toMatchObject({ status: 'submitted', sent: 'unknown' });
    expect(record('refused')).toMatchObject({ status: 'failed', sent: 'unknown' });
    expect(record('landed')).toMatchObject({ status: 'succeeded', sent: 'yes' });
    expect(record('in-flight')).toMatchObject({ status: 'submitted', sent: 'unknown' });
  });
});

describe('the migration that adds account modes', () => {
  it('keeps every existing user on a SimpleAccount, and only the two modes are accepted', () => {
    const db = openDatabase(':memory:');
    migrate(db, 'smart-accounts', SMART_ACCOUNTS_MIGRATIONS.slice(0, 2));
    db.prepare("INSERT INTO users (id, display_name, created_at) VALUES ('u', 'u', 'now')").run();
    migrateSmartAccounts(db);
    expect(accountModeOf(db, 'u')).toBe('simple-account');
    setAccountMode(db, 'u', 'eip7702');
    expect(accountModeOf(db, 'u')).toBe('eip7702');
    expect(() => db.prepare("UPDATE users SET account_mode = 'safe' WHERE id = 'u'").run()).toThrow(/CHECK/);
  });
});

describe('the migration that adds the EIP-7702 implementation', () => {
  it('keeps every user in eip7702 mode on Simple7702Account, and only the two implementations are accepted', () => {
    const db = openDatabase(':memory:');
    migrate(db, 'smart-accounts', SMART_ACCOUNTS_MIGRATIONS.slice(0, 3));
    db.prepare(
      "INSERT INTO users (id, display_name, created_at, account_mode) VALUES ('u', 'u', 'now', 'eip7702'), ('v', 'v', 'now', 'simple-account')",
    ).run();
    migrateSmartAccounts(db);
    expect(accountChoiceOf(db, 'u')).toEqual({ mode: 'eip7702', implementation: 'simple7702' });
    expect(accountChoiceOf(db, 'v')).toEqual({ mode: 'simple-account', implementation: null });
    setAccountMode(db, 'v', 'eip7702', 'delegator');
    expect(accountChoiceOf(db, 'v')).toEqual({ mode: 'eip7702', implementation: 'delegator' });
    // A downgrade keeps the column as it is, and the mode alone decides.
    setAccountMode(db, 'v', 'simple-account');
    expect(accountChoiceOf(db, 'v')).toEqual({ mode: 'simple-account', implementation: null });
    expect(() => db.prepare("UPDATE users SET eip7702_implementation = 'kernel' WHERE id = 'u'").run()).toThrow(
      /CHECK/,
    );
  });
});
